/**
 * jet-router: the config node that owns a router's two shared sessions, following the core MQTT
 * broker node's pattern: users register in their constructor and deregister on close; a channel
 * opens with its first user and closes after its last; every state change of a channel is fanned
 * out to the users of that channel.
 *  - rpc: the JET request-response session (Thrift), used by the route nodes; the desired routes
 *    live in this node's context and are re-added after every login;
 *  - notifications: the MQTT session to the router's notification broker, used by event nodes,
 *    with subscriptions counted per topic filter and per node.
 */
import * as os from 'os';
import type { NodeAPI } from 'node-red';
import type { ConnectionOptions } from 'tls';
import { JetSession, DEFAULT_JET_PORT, DEFAULT_QUEUE_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS, SessionStatus } from '../lib/jet/session';
import { JetRoutes } from '../lib/jet/routes';
import { DesiredRoutes } from '../lib/jet/desired';
import { DEFAULT_NOTIFICATION_PORT, NotificationSession } from '../lib/jet/notifications';
import { toInteger } from '../lib/routes/validate';
import { testConnection } from '../lib/jet/probe';
import type { Channel, JetRouterDef, JetRouterNode, RouterUser } from './shared/types';
import { toBool } from './shared/types';

const DESIRED_KEY = 'desiredRoutes';
const CLOSE_BOUND_MS = 4000;
const IDLE: SessionStatus = { state: 'idle', detail: '' };

interface TlsConfigNode {
  addTLSOptions(opts: Record<string, unknown>): void;
}

/** Admin apps the test-connection endpoint is registered on: once per runtime. */
const probeRegistered = new WeakSet<object>();

export = function (RED: NodeAPI): void {
  registerTestConnection(RED);
  /**
   * The desired routes of each router node, kept while this runtime runs: Node-RED deletes a
   * node's context when the node stops (every full deploy, or any deploy that changes the router)
   * unless a persistent context store is configured, and the routes would then not come back on the
   * new session although the router dropped them with the old one.
   */
  const desiredAcrossDeploys = new Map<string, unknown>();

  function JetRouter(this: JetRouterNode, def: JetRouterDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const host = String(def.host ?? '').trim();
    const settings = {
      port: safeInt('port', def.port, DEFAULT_JET_PORT, 1, 65535),
      requestTimeoutMs: safeInt('requestTimeout', def.requestTimeout, DEFAULT_REQUEST_TIMEOUT_MS / 1000, 1, 3600) * 1000,
      queueLimit: safeInt('queueLimit', def.queueLimit, DEFAULT_QUEUE_LIMIT, 0, 1000000),
      clientId: String(def.clientId ?? '').trim() || `node-red-${os.hostname()}-${node.id}`,
      notificationHost: String(def.notificationHost ?? '').trim() || host,
      notificationPort: safeInt('notificationPort', def.notificationPort, DEFAULT_NOTIFICATION_PORT, 1, 65535),
    };
    const users: Record<Channel, Map<string, RouterUser>> = { rpc: new Map(), notifications: new Map() };
    const status: Record<Channel, SessionStatus> = { rpc: IDLE, notifications: IDLE };
    let session: JetSession | null = null;
    let routes: JetRoutes | null = null;
    let notifications: NotificationSession | null = null;
    let saveTimer: NodeJS.Immediate | null = null;

    function safeInt(field: string, value: unknown, fallback: number, min: number, max: number): number {
      try {
        return toInteger(field, value, fallback, min, max);
      } catch (err) {
        node.warn(`${(err as Error).message}; using ${fallback}`);
        return fallback;
      }
    }

    function tlsOptions(enabled: unknown): ConnectionOptions | undefined {
      if (!toBool(enabled)) return undefined;
      const opts: Record<string, unknown> = {};
      const tlsNode = def.tls ? (RED.nodes.getNode(def.tls) as unknown as TlsConfigNode | null) : null;
      if (tlsNode && typeof tlsNode.addTLSOptions === 'function') tlsNode.addTLSOptions(opts);
      return opts as ConnectionOptions;
    }

    function fanOut(channel: Channel, s: SessionStatus): void {
      status[channel] = s;
      for (const user of users[channel].values()) user.onRouterStatus(s, channel);
    }

    // ------------------------------------------------------------ rpc channel (Thrift)

    function saveDesired(): void {
      if (!routes) return;
      const stored = routes.desired.toJSON();
      node.context().set(DESIRED_KEY, stored);
      desiredAcrossDeploys.set(node.id, stored);
    }

    function saveDesiredSoon(): void {
      if (saveTimer) return;
      saveTimer = setImmediate(() => {
        saveTimer = null;
        saveDesired();
      });
    }

    function openRpc(): void {
      if (!host) {
        fanOut('rpc', { state: 'disconnected', detail: 'no host set in the jet-router node' });
        return;
      }
      const creds = node.credentials ?? {};
      let stored: unknown = node.context().get(DESIRED_KEY);
      if (stored === undefined && desiredAcrossDeploys.has(node.id)) {
        stored = desiredAcrossDeploys.get(node.id);
        node.context().set(DESIRED_KEY, stored);
      }
      const { routes: desired, rejected } = DesiredRoutes.fromJSON(stored);
      if (rejected > 0) node.warn(`ignored ${rejected} stored route(s) that no longer validate`);
      session = new JetSession({
        host,
        port: settings.port,
        username: creds.username ?? '',
        password: creds.password ?? '',
        clientId: settings.clientId,
        tls: tlsOptions(def.useTls),
        requestTimeoutMs: settings.requestTimeoutMs,
        queueLimit: settings.queueLimit,
      });
      routes = new JetRoutes(session, desired);
      // Only the current session speaks for the channel: a closing one must not leave 'closed' behind.
      const current = session;
      session.on('state', (s: SessionStatus) => {
        if (session === current) fanOut('rpc', s);
      });
      routes.on('desired', saveDesiredSoon);
      routes.on('replayed', (r: { routes: number; failed: number }) => {
        node.log(`re-added ${r.routes - r.failed} of ${r.routes} route(s) after login${r.failed ? `, ${r.failed} failed` : ''}`);
      });
      routes.on('replay-error', (spec: { table: string; prefix: string }, err: Error) => {
        node.warn(`could not re-add ${spec.table} ${spec.prefix}: ${err.message}`);
      });
      session.start();
    }

    async function closeRpc(): Promise<void> {
      if (saveTimer) {
        clearImmediate(saveTimer);
        saveTimer = null;
        saveDesired();
      }
      const s = session;
      routes?.dispose();
      routes = null;
      session = null;
      status.rpc = IDLE;
      if (s) await s.close(CLOSE_BOUND_MS - 1000);
    }

    // ------------------------------------------------------------ notification channel (MQTT)

    function openNotifications(): void {
      if (!settings.notificationHost) {
        fanOut('notifications', { state: 'disconnected', detail: 'no host set in the jet-router node' });
        return;
      }
      const creds = node.credentials ?? {};
      notifications = new NotificationSession({
        host: settings.notificationHost,
        port: settings.notificationPort,
        username: creds.notificationUsername,
        password: creds.notificationPassword,
        clientId: `${settings.clientId}-events`.slice(0, 64),
        tls: tlsOptions(def.notificationTls),
      });
      const current = notifications;
      notifications.on('state', (s: SessionStatus) => {
        if (notifications === current) fanOut('notifications', s);
      });
      notifications.on('warning', (text: string) => node.warn(text));
      notifications.start();
    }

    async function closeNotifications(): Promise<void> {
      const n = notifications;
      notifications = null;
      status.notifications = IDLE;
      if (n) await n.close(CLOSE_BOUND_MS - 1000);
    }

    // ------------------------------------------------------------ users

    Object.defineProperty(node, 'routes', { get: () => routes });
    Object.defineProperty(node, 'connectionStatus', { get: () => status.rpc });
    Object.defineProperty(node, 'notificationStatus', { get: () => status.notifications });
    Object.defineProperty(node, 'notifications', { get: () => notifications });
    Object.defineProperty(node, 'routerName', { get: () => def.name || host });

    node.register = (user: RouterUser): void => {
      users.rpc.set(user.id, user);
      if (!session) openRpc();
      user.onRouterStatus(status.rpc, 'rpc');
    };

    node.subscribe = (user: RouterUser, filter: string, handler: (topic: string, payload: Buffer) => void): void => {
      users.notifications.set(user.id, user);
      if (!notifications) openNotifications();
      notifications?.subscribe(user.id, filter, handler);
      user.onRouterStatus(status.notifications, 'notifications');
    };

    node.deregister = (user: RouterUser, done: () => void): void => {
      const closing: Array<Promise<void>> = [];
      if (users.rpc.delete(user.id) && users.rpc.size === 0) closing.push(closeRpc());
      if (users.notifications.delete(user.id)) {
        notifications?.unsubscribe(user.id);
        if (users.notifications.size === 0) closing.push(closeNotifications());
      }
      bounded(Promise.all(closing), CLOSE_BOUND_MS).then(done);
    };

    node.on('close', (removed: boolean, done: () => void) => {
      if (removed) desiredAcrossDeploys.delete(node.id);
      users.rpc.clear();
      users.notifications.clear();
      bounded(Promise.all([closeRpc(), closeNotifications()]), CLOSE_BOUND_MS).then(done);
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

/**
 * POST /jet-router/test-connection (admin API, permission jet-router.write): the dialog's
 * "Test connection" button. One login with the typed settings, nothing saved; lib/jet/probe.ts has
 * the contract. The body is never logged: it holds a password.
 */
function registerTestConnection(RED: NodeAPI): void {
  const admin = RED.httpAdmin as unknown as object | undefined;
  if (!admin || probeRegistered.has(admin)) return;
  probeRegistered.add(admin);
  RED.httpAdmin.post('/jet-router/test-connection', RED.auth.needsPermission('jet-router.write'), (req, res) => {
    testConnection(req.body, {
      storedCredentials: (id) => {
        const deployed = RED.nodes.getNode(id);
        if (!deployed || deployed.type !== 'jet-router') return null;
        return (RED.nodes.getCredentials(id) ?? {}) as { username?: string; password?: string };
      },
      tlsOptions: (id) => {
        const tlsNode = RED.nodes.getNode(id) as unknown as (TlsConfigNode & { type?: string }) | null;
        if (!tlsNode) return `the TLS config node ${id} is not deployed yet: deploy it, then test again`;
        if (typeof tlsNode.addTLSOptions !== 'function') return `node ${id} is not a TLS config node`;
        const opts: Record<string, unknown> = {};
        tlsNode.addTLSOptions(opts);
        return opts as ConnectionOptions;
      },
      defaultClientId: (id) => `node-red-${os.hostname()}-${id ?? 'test'}`,
    }).then(
      ({ status, body }) => res.status(status).json(body),
      (err: Error) => res.status(500).json({ ok: false, reason: 'other', message: err.message }),
    );
  });
}

/** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    const finish = (): void => {
      clearTimeout(t);
      resolve();
    };
    p.then(finish, finish);
  });
}
