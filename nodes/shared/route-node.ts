/**
 * The adapter shared by jet-route-add and jet-route-delete: reads the message, validates every
 * route before the first call, sends them all at once (pipelined on the shared session), and sends
 * the message on with one result per prefix, in the order of the prefixes.
 */
import type { NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { RouteOutcome } from '../../lib/core/route-client';
import type { SessionStatus } from '../../lib/core/backend';
import { API_LABEL } from '../../lib/core/backend';
import { DEFAULT_METRIC } from '../../lib/core/route-spec';
import { toInteger } from '../../lib/flow-props';
import { combinedStatus, invalidInput, NO_ROUTER, NodeStatus, StatusCode, StatusView } from '../../lib/node-status';
import { resultPayload, routeSpecsFromMessage } from '../../lib/core/route-request';
import type { RouteSpec } from '../../lib/core/route-spec';
import type { JetRouterNode, RouterUser } from './types';
import { toBool } from '../../lib/flow-props';
import { StatusWords, Translate } from './status';

export interface RouteNodeDef extends NodeDef {
  router?: string;
  prefixes?: string;
  nexthops?: string;
  preference?: number | string;
  metric?: number | string;
  table?: string;
  appId?: string;
  verify?: boolean | string;
}

type Op = 'add' | 'delete';

export function registerRouteNode(RED: NodeAPI, type: string, op: Op): void {
  function RouteNode(this: RouterUser, def: RouteNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const words = new StatusWords(RED._ as Translate, type);
    const router = def.router ? (RED.nodes.getNode(def.router) as JetRouterNode | null) : null;
    const verify = op === 'add' && toBool(def.verify);
    const props = {
      prefixes: def.prefixes,
      nexthops: def.nexthops,
      preference: def.preference,
      metric: def.metric,
      table: def.table,
      appId: def.appId,
    };
    let connection: SessionStatus = { state: 'idle', detail: '' };
    /**
     * The last message's outcome as a status (its text is built only when shown); never the results
     * themselves, which would live until the next message.
     */
    let last: StatusCode | null = null;
    let metricNote: StatusCode | null = null;

    const render = (): NodeStatus => {
      const refused = router?.replayRefused ?? 0;
      if (connection.state === 'connected' && !last && refused > 0) {
        return words.status({ fill: 'yellow', shape: 'dot', code: 'replayRefused', params: { n: refused } });
      }
      return words.status(combinedStatus(connection, last ?? metricNote));
    };
    // Outcomes of messages are shown at most every STATUS_INTERVAL_MS; connection changes at once.
    const view = new StatusView(render, (s) => node.status(s));
    const show = (): void => view.now();
    /** Warns (once) when the node's metric is not sent; set once the node can tell. */
    let checkMetric: (() => void) | null = null;
    node.onRouterStatus = (s: SessionStatus, channel): void => {
      if (channel !== 'rpc') return;
      // A new session starts with a clean slate: the outcome of the last one is history.
      if (s.state === 'connected' && connection.state !== 'connected') last = null;
      connection = s;
      checkMetric?.();
      show();
    };

    if (!router) {
      node.status(words.status(NO_ROUTER));
      node.on('input', (_msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => {
        done(new Error(`${type}: no jet-router configured: open the node and pick or add a router`));
      });
      return;
    }
    router.register(node);

    // gRPC JET has no route metric: a metric the user set is not sent, and the user is told once.
    const metricProp = (() => {
      try {
        return toInteger('metric', def.metric, DEFAULT_METRIC);
      } catch {
        return DEFAULT_METRIC;
      }
    })();
    const warnMetric = (metric: number): void => {
      if (metricNote || metric === DEFAULT_METRIC || router.routes?.backend.carriesMetric !== false) return;
      metricNote = { fill: 'yellow', shape: 'ring', code: 'metricNotSent', params: { metric, api: API_LABEL[router.api] } };
      node.warn(words.text(metricNote.code!, metricNote.params));
      show();
    };
    // Checked again at each change of the connection: the route client (which knows whether the
    // API has a metric) exists only once the router has read its route state from the context store.
    if (op === 'add') {
      checkMetric = () => warnMetric(metricProp);
      checkMetric();
    }

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      let specs: RouteSpec[];
      try {
        specs = routeSpecsFromMessage(props, msg.payload, op === 'add');
      } catch (err) {
        last = invalidInput(err);
        view.update();
        done(err as Error);
        return;
      }
      // Validated at once; sent once the router has read its route state (calls keep their order).
      router.whenStateLoaded(
        () => program(specs, msg, send, done),
        (why) => done(new Error(`${type}: ${why}; the message was not sent to the router`)),
      );
    });

    const program = (specs: RouteSpec[], msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void): void => {
      const routes = router.routes;
      if (!routes) {
        done(new Error(`${type}: the jet-router has no session (is its host set?)`));
        return;
      }
      if (op === 'add') warnMetric(specs[0].metric);
      (op === 'add' ? routes.add(specs, verify) : routes.delete(specs)).then((results) => {
        const warnings = results.filter((r) => r.warning);
        if (warnings.length > 0) node.warn(warnings.length === 1 ? warnings[0].warning! : `${warnings.length} route(s): ${warnings[0].warning} (and ${warnings.length - 1} more)`);
        msg.payload = resultPayload(msg.payload, results);
        last = outcomeStatus(op, results);
        view.update();
        send(msg);
        const failed = results.filter((r) => r.status === 'failed');
        if (failed.length === 0) {
          done();
        } else {
          const what = failed.map((r) => `${r.table} ${r.prefix}: ${r.message}`).join('; ');
          done(new Error(`${op === 'add' ? 'RouteAdd' : 'RouteDelete'} failed for ${failed.length} of ${results.length} route(s): ${what}`));
        }
      });
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      view.close();
      router.deregister(node, done);
    });
  }

  RED.nodes.registerType(type, RouteNode as never);
}

/** The status of a message's results: its failures first; "changed" is added or deleted, in the node's own words. */
function outcomeStatus(op: Op, results: RouteOutcome[]): StatusCode {
  const count = (s: string): number => results.filter((r) => r.status === s).length;
  const failed = count('failed');
  const changed = count(op === 'add' ? 'added' : 'deleted');
  const unchanged = count('unchanged');
  if (failed > 0) {
    return { fill: 'red', shape: 'dot', code: 'failed', params: { failed, total: results.length, message: results.find((r) => r.status === 'failed')!.message } };
  }
  const one = results.length === 1 ? { prefix: results[0].prefix } : null;
  if (changed === 0) return { fill: 'blue', shape: 'dot', code: one ? 'unchanged' : 'unchangedRoutes', params: one ?? { n: results.length } };
  if (one) return { fill: 'green', shape: 'dot', code: 'changed', params: one };
  return { fill: 'green', shape: 'dot', code: unchanged > 0 ? 'changedRoutesUnchanged' : 'changedRoutes', params: { n: results.length, unchanged } };
}
