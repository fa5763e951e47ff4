/**
 * jet-command: Junos commands from a flow on the router's shared gRPC session, through the JET
 * management API (docs/protocol.md §6; lib/core/management.ts):
 *  - operational (default): `msg.xml` (an XML RPC) or `msg.payload` (a CLI command) run with
 *    OpCommandGet; `msg.payload` becomes the output: parsed JSON (format `json`, default), or the
 *    text of the XML or CLI rendering (format `xml` / `cli`);
 *  - configuration (`configuration` on): `msg.payload` holds configuration lines (`set`, `delete`,
 *    ... as text or an array of lines), loaded with ConfigSet (load set) and committed with the
 *    node's comment (`msg.comment` is not read: the node's own, or one naming the package and the
 *    node); `msg.payload` becomes `{ committed: true, lines, comment }`.
 * Calls share the router session's queue and deadline as the route nodes' calls do; a failure is
 * `done(err)` (a Catch node gets it) and a red status; a Thrift router: a clear error.
 */
import type { NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { API_LABEL, SessionStatus } from '../lib/core/backend';
import { PACKAGE_NAME } from '../lib/core/defaults';
import { commandOf, configurationOf, outputFormatOf } from '../lib/junos/command-input';
import { toBool } from '../lib/flow-props';
import { combinedStatus, invalidInput, NO_ROUTER, StatusCode, StatusView } from '../lib/node-status';
import { clip, StatusWords, Translate } from './shared/status';
import type { JetRouterNode, RouterUser } from './shared/types';

interface CommandDef extends NodeDef {
  router?: string;
  /** Output format of operational commands: 'json' (default), 'xml', 'cli'. */
  format?: string;
  /** Configuration mode: msg.payload's lines are loaded and committed. Off by default. */
  configuration?: boolean | string;
  /** The commit comment; empty: `<package>: jet-command <node>`. */
  comment?: string;
}

export = function (RED: NodeAPI): void {
  function JetCommand(this: RouterUser, def: CommandDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const words = new StatusWords(RED._ as Translate, 'jet-command');
    const router = def.router ? (RED.nodes.getNode(def.router) as JetRouterNode | null) : null;
    const format = outputFormatOf(def.format);
    const configuration = toBool(def.configuration);
    const label = String(def.name ?? '').trim() || node.id;
    const comment = String(def.comment ?? '').trim() || `${PACKAGE_NAME}: jet-command ${label}`;
    let connection: SessionStatus = { state: 'idle', detail: '' };
    let last: StatusCode | null = null;

    const view = new StatusView(
      () => words.status(combinedStatus(connection, last)),
      (s) => node.status(s),
    );
    node.onRouterStatus = (s: SessionStatus, channel): void => {
      if (channel !== 'rpc') return;
      if (s.state === 'connected' && connection.state !== 'connected') last = null;
      connection = s;
      view.now();
    };

    if (!router) {
      node.status(words.status(NO_ROUTER));
      node.on('input', (_msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => {
        done(new Error('jet-command: no jet-router configured: open the node and pick or add a router'));
      });
      return;
    }
    if (router.api !== 'grpc') {
      last = { fill: 'red', shape: 'ring', code: 'needsGrpc', params: { api: API_LABEL[router.api] } };
      node.status(words.status(last));
    } else {
      router.register(node);
    }

    const fail = (done: (err?: Error) => void, err: Error): void => {
      last = { fill: 'red', shape: 'dot', code: 'failed', params: { message: err.message } };
      view.update();
      done(err);
    };

    node.on('input', (msg: NodeMessage & { xml?: unknown }, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      if (router.api !== 'grpc') {
        fail(done, new Error(`jet-command needs a gRPC router: the JET management API is gRPC only, and this router uses ${API_LABEL[router.api]}`));
        return;
      }
      let run: () => Promise<void>;
      try {
        if (configuration) {
          const lines = configurationOf(msg.payload);
          run = async () => {
            await management().configure(`${lines.join('\n')}\n`, comment);
            msg.payload = { committed: true, lines: lines.length, comment };
            last = { fill: 'green', shape: 'dot', code: 'committed', params: { n: lines.length } };
          };
        } else {
          const command = commandOf(msg);
          run = async () => {
            const out = await management().command(command, format);
            msg.payload = format === 'json' ? parseJson(out) : out;
            last = { fill: 'green', shape: 'dot', code: 'ran', params: { command: clip('cli' in command ? command.cli : command.xml, 40) } };
          };
        }
      } catch (err) {
        last = invalidInput(err);
        view.update();
        done(err as Error);
        return;
      }
      router.whenStateLoaded(
        () => {
          run().then(
            () => {
              view.update();
              send(msg);
              done();
            },
            (err: Error) => fail(done, err),
          );
        },
        (why) => fail(done, new Error(`jet-command: ${why}; the command was not sent to the router`)),
      );
    });

    /** The current session's management API; throws when there is none. */
    function management() {
      const api = router!.hub.rpc.connection?.management;
      if (!api) throw new Error('jet-command: the jet-router has no session (is its host set?)');
      return api;
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      view.close();
      router.deregister(node, done);
    });
  }

  RED.nodes.registerType('jet-command', JetCommand as never);
};

/** Junos JSON output, parsed; an answer that is not JSON is an error with its start. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the router's answer is not JSON (set the node's format to XML or CLI text): ${clip(text.trim(), 80)}`);
  }
}
