/**
 * jet-router: the config node of one router. Thin glue: it reads its flow-JSON properties and
 * credentials and hands them to a lib/core/hub.ts RouterHub, which owns the two shared channels
 * (request-response over gRPC or Thrift, notifications over MQTT), their users and the route
 * state. Here: the Node-RED parts only (context store, logs, TLS config node, admin endpoint).
 *
 * The route state is read from the node's context with the callback form, which every context
 * store answers (lib/core/stored-state.ts): the route nodes join the hub, and their calls run,
 * once it is read; calls made before wait (at most queueLimit of them).
 */
import * as os from 'os';
import type { NodeAPI } from 'node-red';
import type { ConnectionOptions } from 'tls';
import { apiOf, RouteBackend } from '../lib/core/backend';
import {
  DEFAULT_CLOSE_BOUND_MS,
  DEFAULT_NOTIFICATION_PORT,
  DEFAULT_PORTS,
  DEFAULT_QUEUE_LIMIT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  PURGE_TIME_MAX_S,
  PURGE_TIME_MIN_S,
  ROUTER_PURGE_TIME_S,
} from '../lib/core/defaults';
import { createBackend } from '../lib/router/backends';
import { RouterHub, HubUser } from '../lib/core/hub';
import { StoredState } from '../lib/core/stored-state';
import { NotificationSession } from '../lib/mqtt/session';
import { show, toBool, toInteger } from '../lib/flow-props';
import { testConnection } from '../lib/router/probe';
import { ClientIdRegistry, defaultClientId, notificationClientId } from '../lib/core/client-id';
import { RouterIdentity, sameRouter } from '../lib/core/route-state';
import type { JetRouterDef, JetRouterNode } from './shared/types';
import { instanceKey, probeContext, TlsConfigNode } from './shared/probe-context';

const STATE_KEY = 'desiredRoutes';

/** Admin apps the test-connection endpoint is registered on: once per runtime. */
const probeRegistered = new WeakSet<object>();

export = function (RED: NodeAPI): void {
  registerTestConnection(RED);
  /**
   * The route state of each router node, kept while this runtime runs: Node-RED deletes a node's
   * context when the node stops (every full deploy, or any deploy that changes the router) unless
   * a persistent context store is configured, and the routes would then not come back on the new
   * session although the router dropped them with the old one.
   */
  const stateAcrossDeploys = new Map<string, unknown>();
  /** The client ids of the running router nodes: two on one router lock each other out. */
  const clientIds = new ClientIdRegistry<JetRouterNode>();

  function JetRouter(this: JetRouterNode, def: JetRouterDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const api = apiOf(def.api);
    const host = String(def.host ?? '').trim();
    const port = safeInt('port', def.port, DEFAULT_PORTS[api], 1, 65535);
    const clientId = String(def.clientId ?? '').trim() || defaultClientId(os.hostname(), instanceKey(RED), node.id);
    const notificationHost = String(def.notificationHost ?? '').trim() || host;
    const notificationPort = safeInt('notificationPort', def.notificationPort, DEFAULT_NOTIFICATION_PORT, 1, 65535);
    const purgeText = String(def.purgeTime ?? '').trim();
    const purgeTimeS = api === 'grpc' ? purgeTime(purgeText) : undefined;
    if (api !== 'grpc' && purgeText !== '') node.warn(`purgeTime ${purgeText} is ignored: it is a gRPC setting, and this router uses Thrift`);

    function safeInt(field: string, value: unknown, fallback: number, min: number, max: number): number {
      try {
        return toInteger(field, value, fallback, min, max);
      } catch (err) {
        node.warn(`${(err as Error).message}; using ${fallback}`);
        return fallback;
      }
    }

    /**
     * The purge time to send (RoutePurgeTimerAdd), or undefined for the router's default: empty, or
     * a value outside the API's range (an imported flow), which the router would refuse at every
     * login (docs/protocol.md §6).
     */
    function purgeTime(text: string): number | undefined {
      if (text === '') return undefined;
      try {
        return toInteger('purgeTime', text, ROUTER_PURGE_TIME_S, PURGE_TIME_MIN_S, PURGE_TIME_MAX_S);
      } catch {
        node.warn(
          `purgeTime: ${show(text)} is not a whole number of seconds ${PURGE_TIME_MIN_S}..${PURGE_TIME_MAX_S} (the range of RoutePurgeTimerAdd); ` +
            `not sent: the router keeps this client's routes for its own default purge time (${ROUTER_PURGE_TIME_S} s) after a session ends`,
        );
        return undefined;
      }
    }

    function tlsOptions(enabled: unknown): ConnectionOptions | undefined {
      if (!toBool(enabled)) return undefined;
      const opts: Record<string, unknown> = {};
      const tlsNode = def.tls ? (RED.nodes.getNode(def.tls) as unknown as TlsConfigNode | null) : null;
      if (tlsNode && typeof tlsNode.addTLSOptions === 'function') tlsNode.addTLSOptions(opts);
      return opts as ConnectionOptions;
    }

    const queueLimit = safeInt('queueLimit', def.queueLimit, DEFAULT_QUEUE_LIMIT, 0, 1000000);
    /** Route nodes registered before the route state was read: they join the hub once it is. */
    const waitingUsers = new Map<string, HubUser>();
    /** The route state as last read or saved: the hub reads it whenever its request-response channel opens. */
    let current: unknown;
    const stored = new StoredState({
      store: node.context(),
      key: STATE_KEY,
      what: 'route state',
      maxWaiting: queueLimit,
      warn: (text) => node.warn(text),
      log: (text) => node.log(text),
      loadFailed: (reason) => {
        // Short: a status is clipped; the warning says the rest.
        const status = { state: 'disconnected' as const, detail: `context store: ${reason}` };
        for (const user of waitingUsers.values()) user.onRouterStatus(status, 'rpc');
      },
    });

    const hub = new RouterHub({
      router: { api, host, port },
      // The identity is this node's, or an earlier one's whose routes are deleted there (re-pointing).
      createBackend: (to: RouterIdentity = { api, host, port }): RouteBackend | string => {
        if (!to.host) return 'no host set in the jet-router node';
        const creds = node.credentials ?? {};
        const backend = createBackend(to.api, {
          host: to.host,
          port: to.port,
          username: creds.username ?? '',
          password: creds.password ?? '',
          clientId,
          tls: tlsOptions(def.useTls),
          requestTimeoutMs: safeInt('requestTimeout', def.requestTimeout, DEFAULT_REQUEST_TIMEOUT_MS / 1000, 1, 3600) * 1000,
          queueLimit,
          purgeTimeS: sameRouter(to, { api, host, port }) ? purgeTimeS : undefined,
        });
        backend.on('warning', (text: string) => node.warn(text));
        return backend;
      },
      createNotifications: (): NotificationSession | string => {
        if (!notificationHost) return 'no host set in the jet-router node';
        const creds = node.credentials ?? {};
        const session = new NotificationSession({
          host: notificationHost,
          port: notificationPort,
          username: creds.notificationUsername,
          password: creds.notificationPassword,
          clientId: notificationClientId(clientId),
          tls: tlsOptions(def.notificationTls),
        });
        session.on('warning', (text: string) => node.warn(text));
        return session;
      },
      store: {
        load: () => current,
        save: (state) => {
          current = state;
          stored.save(state);
          stateAcrossDeploys.set(node.id, state);
        },
      },
      log: { log: (text) => node.log(text), warn: (text) => node.warn(text) },
      closeBoundMs: DEFAULT_CLOSE_BOUND_MS,
    });
    // The route nodes show how many desired routes the last replay dropped: tell them again.
    hub.on('replay-refused', () => hub.rpc.refresh());

    stored.load((value) => {
      // The context store's copy, else this runtime's (the memory store lost it when the node stopped).
      current = value;
      if (current === undefined && stateAcrossDeploys.has(node.id)) {
        current = stateAcrossDeploys.get(node.id);
        stored.save(current);
      }
      const users = [...waitingUsers.values()];
      waitingUsers.clear();
      for (const user of users) hub.register(user);
    });

    Object.defineProperty(node, 'api', { get: () => api });
    Object.defineProperty(node, 'identity', { get: () => ({ api, host, port }) });
    // Test connection sends the stored password only with these TLS settings.
    const tlsId = String(def.tls ?? '').trim();
    Object.defineProperty(node, 'tlsSettings', { get: () => ({ useTls: toBool(def.useTls), tls: tlsId !== '' && tlsId !== '_ADD_' ? tlsId : undefined }) });
    Object.defineProperty(node, 'hub', { get: () => hub });
    Object.defineProperty(node, 'routes', { get: () => hub.routes });
    Object.defineProperty(node, 'replayRefused', { get: () => hub.replayRefused });
    Object.defineProperty(node, 'routerName', { get: () => def.name || host });

    node.register = (user: HubUser): void => {
      if (stored.isLoaded) hub.register(user);
      else waitingUsers.set(user.id, user);
    };
    node.subscribe = (user, filter, handler): void => hub.subscribe(user, filter, handler);
    node.deregister = (user: HubUser, done: () => void): void => {
      waitingUsers.delete(user.id);
      hub.deregister(user.id).then(done);
    };
    node.whenStateLoaded = (run, refuse): void => stored.whenLoaded(run, refuse);

    // Two router nodes with one client id on one router lock each other out (gRPC) and drop each
    // other (MQTT): say so at deploy, in both nodes, naming the other (a copied node keeps its id).
    const endpoints = [`${host}:${port}`, `${notificationHost}:${notificationPort}`];
    const label = (n: JetRouterNode): string => `jet-router ${JSON.stringify(n.routerName || n.id)} (${n.id})`;
    for (const other of clientIds.claim(clientId, { owner: node, endpoints })) {
      const why = 'two sessions with one client id on one router lock each other out (gRPC) and drop each other (MQTT): give each router node its own client id (or leave it empty)';
      node.warn(`client id ${JSON.stringify(clientId)} is also used by ${label(other)}: ${why}`);
      other.warn(`client id ${JSON.stringify(clientId)} is also used by ${label(node)}: ${why}`);
    }

    node.on('close', (removed: boolean, done: () => void) => {
      clientIds.release(clientId, node);
      waitingUsers.clear();
      hub
        .close()
        .then(() => stored.flush(DEFAULT_CLOSE_BOUND_MS))
        .then(() => {
          stored.close();
          if (removed) stateAcrossDeploys.delete(node.id);
          hub.removeAllListeners();
          done();
        });
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
 * "Test connection" button. One login with the typed settings, nothing saved; lib/router/probe.ts has
 * the contract. The body is never logged: it holds a password.
 */
function registerTestConnection(RED: NodeAPI): void {
  const admin = RED.httpAdmin as unknown as object | undefined;
  if (!admin || probeRegistered.has(admin)) return;
  probeRegistered.add(admin);
  RED.httpAdmin.post('/jet-router/test-connection', RED.auth.needsPermission('jet-router.write'), (req, res) => {
    testConnection(req.body, probeContext(RED)).then(
      ({ status, body }) => res.status(status).json(body),
      (err: Error) => res.status(500).json({ ok: false, reason: 'other', message: err.message }),
    );
  });
}
