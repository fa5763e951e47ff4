/**
 * jet-router: the config node that owns one JET session with a router, shared by every node that
 * uses it (the core MQTT broker node's pattern): users register in their constructor and deregister
 * on close; the session opens with the first user and closes after the last; every connection
 * state change is fanned out to all users; the desired routes live in this node's context.
 */
import * as os from 'os';
import type { NodeAPI } from 'node-red';
import { JetSession, DEFAULT_QUEUE_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS, SessionStatus } from '../lib/jet/session';
import { JetRoutes } from '../lib/jet/routes';
import { DesiredRoutes } from '../lib/jet/desired';
import { toInteger } from '../lib/routes/validate';
import type { JetRouterDef, JetRouterNode, RouterUser } from './shared/types';
import { toBool } from './shared/types';
import type { ConnectionOptions } from 'tls';

const DEFAULT_PORT = 9090;
const DESIRED_KEY = 'desiredRoutes';
const CLOSE_BOUND_MS = 4000;

interface TlsConfigNode {
  addTLSOptions(opts: Record<string, unknown>): void;
}

export = function (RED: NodeAPI): void {
  function JetRouter(this: JetRouterNode & Record<string, unknown>, def: JetRouterDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Map<string, RouterUser>();
    const host = (def.host ?? '').trim();
    const settings = {
      host,
      port: safeInt('port', def.port, DEFAULT_PORT, 1, 65535),
      requestTimeoutMs: safeInt('requestTimeout', def.requestTimeout, DEFAULT_REQUEST_TIMEOUT_MS / 1000, 1, 3600) * 1000,
      queueLimit: safeInt('queueLimit', def.queueLimit, DEFAULT_QUEUE_LIMIT, 0, 1000000),
      clientId: (def.clientId ?? '').trim() || `node-red-${os.hostname()}-${node.id}`,
    };
    let session: JetSession | null = null;
    let routes: JetRoutes | null = null;
    let status: SessionStatus = { state: 'idle', detail: '' };
    let saveTimer: NodeJS.Immediate | null = null;

    function safeInt(field: string, value: unknown, fallback: number, min: number, max: number): number {
      try {
        return toInteger(field, value, fallback, min, max);
      } catch (err) {
        node.warn(`${(err as Error).message}; using ${fallback}`);
        return fallback;
      }
    }

    function tlsOptions(): ConnectionOptions | undefined {
      if (!toBool(def.useTls)) return undefined;
      const opts: Record<string, unknown> = {};
      const tlsNode = def.tls ? (RED.nodes.getNode(def.tls) as unknown as TlsConfigNode | null) : null;
      if (tlsNode && typeof tlsNode.addTLSOptions === 'function') tlsNode.addTLSOptions(opts);
      return opts as ConnectionOptions;
    }

    function fanOut(s: SessionStatus): void {
      status = s;
      for (const user of users.values()) user.onRouterStatus(s);
    }

    function loadDesired(): DesiredRoutes {
      const { routes: desired, rejected } = DesiredRoutes.fromJSON(node.context().get(DESIRED_KEY));
      if (rejected > 0) node.warn(`ignored ${rejected} stored route(s) that no longer validate`);
      return desired;
    }

    function saveDesiredSoon(): void {
      if (saveTimer) return;
      saveTimer = setImmediate(() => {
        saveTimer = null;
        if (routes) node.context().set(DESIRED_KEY, routes.desired.toJSON());
      });
    }

    function open(): void {
      const creds = node.credentials ?? {};
      if (!host) {
        fanOut({ state: 'disconnected', detail: 'no host configured in the jet-router node' });
        return;
      }
      session = new JetSession({
        host: settings.host,
        port: settings.port,
        username: creds.username ?? '',
        password: creds.password ?? '',
        clientId: settings.clientId,
        tls: tlsOptions(),
        requestTimeoutMs: settings.requestTimeoutMs,
        queueLimit: settings.queueLimit,
      });
      routes = new JetRoutes(session, loadDesired());
      session.on('state', fanOut);
      routes.on('desired', saveDesiredSoon);
      routes.on('replayed', (r: { routes: number; failed: number }) => {
        node.log(`re-added ${r.routes - r.failed} of ${r.routes} route(s) after login${r.failed ? `, ${r.failed} failed` : ''}`);
      });
      routes.on('replay-error', (spec: { table: string; prefix: string }, err: Error) => {
        node.warn(`could not re-add ${spec.table} ${spec.prefix}: ${err.message}`);
      });
      session.start();
    }

    async function shut(): Promise<void> {
      if (saveTimer) {
        clearImmediate(saveTimer);
        saveTimer = null;
        if (routes) node.context().set(DESIRED_KEY, routes.desired.toJSON());
      }
      const s = session;
      routes?.dispose();
      routes = null;
      session = null;
      if (s) await s.close(CLOSE_BOUND_MS - 1000);
      status = { state: 'idle', detail: '' };
    }

    Object.defineProperty(node, 'routes', { get: () => routes });
    Object.defineProperty(node, 'connectionStatus', { get: () => status });

    node.register = (user: RouterUser): void => {
      users.set(user.id, user);
      if (!session && users.size === 1) open();
      user.onRouterStatus(status);
    };

    node.deregister = (user: RouterUser, done: () => void): void => {
      users.delete(user.id);
      if (users.size > 0) {
        done();
        return;
      }
      bounded(shut(), CLOSE_BOUND_MS).then(done);
    };

    node.on('close', (removed: boolean, done: () => void) => {
      users.clear();
      bounded(shut(), CLOSE_BOUND_MS).then(done);
    });
  }

  RED.nodes.registerType('jet-router', JetRouter as never, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      notificationUsername: { type: 'text' },
      notificationPassword: { type: 'password' },
    },
  });
};

/** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      () => {
        clearTimeout(t);
        resolve();
      },
    );
  });
}
