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
import { combinedStatus, clip, NodeStatus, StatusView } from '../../lib/node-status';
import { resultPayload, routeSpecsFromMessage } from '../../lib/core/route-request';
import type { RouteSpec } from '../../lib/core/route-spec';
import type { JetRouterNode, RouterUser } from './types';
import { toBool } from '../../lib/flow-props';

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
    /** The last message's outcome: its results (rendered only when shown) or a status. */
    let last: NodeStatus | RouteOutcome[] | null = null;
    let metricNote: NodeStatus | null = null;

    const render = (): NodeStatus => {
      const refused = router?.replayRefused ?? 0;
      if (connection.state === 'connected' && !last && refused > 0) {
        return { fill: 'yellow', shape: 'dot', text: clip(`${refused} desired route(s) refused at the replay after login: dropped (see the log)`) };
      }
      return combinedStatus(connection, (Array.isArray(last) ? outcomeStatus(op, last) : last) ?? metricNote);
    };
    // Outcomes of messages are shown at most every STATUS_INTERVAL_MS; connection changes at once.
    const view = new StatusView(render, (s) => node.status(s));
    const show = (): void => view.now();
    node.onRouterStatus = (s: SessionStatus, channel): void => {
      if (channel !== 'rpc') return;
      // A new session starts with a clean slate: the outcome of the last one is history.
      if (s.state === 'connected' && connection.state !== 'connected') last = null;
      connection = s;
      show();
    };

    if (!router) {
      node.status({ fill: 'red', shape: 'ring', text: 'no jet-router configured' });
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
      const text = `metric ${metric} is not sent: ${API_LABEL[router.api]} JET has no route metric (only Thrift routers take one)`;
      node.warn(text);
      metricNote = { fill: 'yellow', shape: 'ring', text: clip(text) };
      show();
    };
    if (op === 'add') warnMetric(metricProp);

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      let specs: RouteSpec[];
      try {
        specs = routeSpecsFromMessage(props, msg.payload, op === 'add');
      } catch (err) {
        last = { fill: 'red', shape: 'ring', text: clip(`invalid input: ${(err as Error).message}`) };
        view.update();
        done(err as Error);
        return;
      }
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
        last = results;
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
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      view.close();
      router.deregister(node, done);
    });
  }

  RED.nodes.registerType(type, RouteNode as never);
}

function outcomeStatus(op: Op, results: RouteOutcome[]): NodeStatus {
  const count = (s: string): number => results.filter((r) => r.status === s).length;
  const failed = count('failed');
  const changed = count(op === 'add' ? 'added' : 'deleted');
  const unchanged = count('unchanged');
  const subject = results.length === 1 ? results[0].prefix : `${results.length} routes`;
  if (failed > 0) {
    return { fill: 'red', shape: 'dot', text: clip(`${failed} failed of ${results.length}: ${results.find((r) => r.status === 'failed')!.message}`) };
  }
  const verb = op === 'add' ? 'added' : 'deleted';
  if (changed === 0) return { fill: 'blue', shape: 'dot', text: clip(`unchanged ${subject}`) };
  const extra = unchanged > 0 ? ` (${unchanged} unchanged)` : '';
  return { fill: 'green', shape: 'dot', text: clip(`${verb} ${subject}${extra}`) };
}
