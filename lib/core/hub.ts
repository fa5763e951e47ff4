/**
 * The router hub: what a jet-router config node owns, without Node-RED. Two shared channels over
 * one connection contract each, following the core MQTT broker node's pattern:
 *  - `rpc`: the request-response backend (gRPC or Thrift, lib/core/backend.ts) and its route
 *    client (lib/core/route-client.ts), used by the route nodes;
 *  - `notifications`: the notification session (lib/core/notification-channel.ts; MQTT, given by
 *    the owner), used by event nodes, with subscriptions counted per topic filter and per node.
 * A channel opens with its first user and closes after its last; every state change of a channel
 * is fanned out to its users; a user that leaves gets an empty status back. The route state is
 * loaded from and saved to a store the owner gives (a Node-RED context, a map, a file). A state
 * saved for another identity of the router node (host, port, API) is not replayed; its routes on
 * that router are deleted there (lib/core/retire.ts) before the node's own session starts, or kept
 * as a to-delete list until that router is reachable.
 */
import { EventEmitter } from 'events';
import { DEFAULT_CLOSE_BOUND_MS } from './defaults';
import { SessionStatus } from './backend';
import type { RouteBackend } from './backend';
import { JetRoutes, ReplayReport } from './route-client';
import { describeRouter, RouterIdentity, RouteState } from './route-state';
import { Retirement } from './retire';
import type { RouteSpec } from './route-spec';
import type { NotificationChannel, NotificationHandler } from './notification-channel';

export type Channel = 'rpc' | 'notifications';

export const IDLE: SessionStatus = Object.freeze({ state: 'idle', detail: '' }) as SessionStatus;

/** A node that uses a router: told every change of the state of the channel it uses. */
export interface HubUser {
  id: string;
  onRouterStatus(status: SessionStatus, channel: Channel): void;
}

/** What a channel needs of its connection: both sessions have it. */
export interface ChannelConnection extends EventEmitter {
  readonly status: SessionStatus;
  start(): void;
  close(timeoutMs?: number): Promise<void>;
}

/**
 * One shared, reference-counted connection. `open` makes the connection, or returns a sentence
 * saying why it cannot (then the users see it as `disconnected`).
 */
export class SharedChannel<C extends ChannelConnection> {
  private readonly users = new Map<string, HubUser>();
  private current: C | null = null;
  private statusValue: SessionStatus = IDLE;
  private readonly closing = new Set<Promise<void>>();

  constructor(
    readonly name: Channel,
    private readonly open: () => C | string,
    private readonly closeBoundMs: number,
    private readonly onClosing: (connection: C) => void = () => undefined,
    /** Starts a connection just made (default: at once); `show` tells the users a state meanwhile. */
    private readonly starter: (connection: C, show: (s: SessionStatus) => void) => void = (c) => c.start(),
  ) {}

  get connection(): C | null {
    return this.current;
  }

  get status(): SessionStatus {
    return this.statusValue;
  }

  get size(): number {
    return this.users.size;
  }

  has(userId: string): boolean {
    return this.users.has(userId);
  }

  /** Adds a user (once); opens the connection with the first; tells the user the state at once. */
  join(user: HubUser): C | null {
    this.users.set(user.id, user);
    if (!this.current && this.statusValue.state === 'idle') this.start();
    user.onRouterStatus(this.statusValue, this.name);
    return this.current;
  }

  /** Removes a user and resets its status; closes the connection after the last one. */
  leave(userId: string): Promise<void> {
    const user = this.users.get(userId);
    if (!user) return Promise.resolve();
    this.users.delete(userId);
    user.onRouterStatus(IDLE, this.name);
    return this.users.size === 0 ? this.shutdown() : Promise.resolve();
  }

  /** Closes the connection whoever still uses it; resolves within the bound. */
  close(): Promise<void> {
    this.users.clear();
    return this.shutdown();
  }

  /** Tells every user the current state again (something they show besides it changed). */
  refresh(): void {
    this.fanOut(this.statusValue);
  }

  private start(): void {
    const made = this.open();
    if (typeof made === 'string') {
      this.fanOut({ state: 'disconnected', detail: made });
      return;
    }
    this.current = made;
    // Only the current connection speaks for the channel: a closing one must not leave 'closed' behind.
    made.on('state', (s: SessionStatus) => {
      if (this.current === made) this.fanOut(s);
    });
    this.starter(made, (s) => {
      if (this.current === made) this.fanOut(s);
    });
  }

  private shutdown(): Promise<void> {
    const c = this.current;
    this.current = null;
    this.statusValue = IDLE;
    if (!c) return Promise.all([...this.closing]).then(() => undefined);
    this.onClosing(c);
    const p = bounded(c.close(this.closeBoundMs - 500), this.closeBoundMs);
    this.closing.add(p);
    p.then(() => this.closing.delete(p));
    return p;
  }

  private fanOut(s: SessionStatus): void {
    this.statusValue = s;
    for (const user of this.users.values()) user.onRouterStatus(s, this.name);
  }
}

/** Where a hub keeps its route state. */
export interface RouteStateStore {
  load(): unknown;
  save(state: unknown): void;
}

export interface HubLog {
  log(text: string): void;
  warn(text: string): void;
}

export interface RouterHubOptions {
  router: RouterIdentity;
  /**
   * Makes a request-response backend to `router` (the node's own identity, or an earlier one whose
   * routes are deleted there), or says why there is none (no host set).
   */
  createBackend: (router: RouterIdentity) => RouteBackend | string;
  /** Makes the notification session (the owner picks the concrete one), or says why there is none. */
  createNotifications: () => NotificationChannel | string;
  store: RouteStateStore;
  log: HubLog;
  /** Bound for closing each channel (Node-RED waits 15 s for a node's close at most). */
  closeBoundMs?: number;
}

/**
 * Events: 'replay-refused' (count of desired routes the router refused at the last replay, for
 * the route nodes' status; 0 when a later replay was clean).
 */
export class RouterHub extends EventEmitter {
  readonly rpc: SharedChannel<RouteBackend>;
  readonly notifications: SharedChannel<NotificationChannel>;
  private routesValue: JetRoutes | null = null;
  private saveTimer: NodeJS.Immediate | null = null;
  private refusedValue = 0;
  /** Sessions deleting the routes left under earlier identities of the router node. */
  private readonly retirements = new Set<Retirement>();

  constructor(private readonly opts: RouterHubOptions) {
    super();
    const bound = opts.closeBoundMs ?? DEFAULT_CLOSE_BOUND_MS;
    this.rpc = new SharedChannel<RouteBackend>(
      'rpc',
      () => this.openRpc(),
      bound,
      () => this.closingRpc(),
      (backend, show) => this.startRpc(backend, show),
    );
    this.notifications = new SharedChannel<NotificationChannel>('notifications', () => opts.createNotifications(), bound);
  }

  /** The route client; exists while the rpc channel has users and a backend. */
  get routes(): JetRoutes | null {
    return this.routesValue;
  }

  /** Desired routes the router refused at the last replay (dropped, reported once). */
  get replayRefused(): number {
    return this.refusedValue;
  }

  /** A route node: opens the request-response session with the first one. */
  register(user: HubUser): void {
    this.rpc.join(user);
  }

  /** An event node: subscribes `filter` (counted per node); opens the notification session with the first one. */
  subscribe(user: HubUser, filter: string, handler: NotificationHandler): void {
    const session = this.notifications.join(user);
    session?.subscribe(user.id, filter, handler);
  }

  /** Removes the user from both channels; closes a channel after its last user. */
  deregister(userId: string): Promise<void> {
    if (this.notifications.has(userId)) this.notifications.connection?.unsubscribe(userId);
    return Promise.all([this.rpc.leave(userId), this.notifications.leave(userId)]).then(() => undefined);
  }

  /** Closes both channels (the config node stops). */
  close(): Promise<void> {
    return Promise.all([this.rpc.close(), this.notifications.close()]).then(() => undefined);
  }

  private openRpc(): RouteBackend | string {
    const backend = this.opts.createBackend(this.opts.router);
    if (typeof backend === 'string') return backend;
    const { log } = this.opts;
    const { state, rejected, foreign } = RouteState.fromJSON(this.opts.store.load(), this.opts.router);
    if (rejected > 0) log.warn(`ignored ${rejected} stored route(s) that no longer validate`);
    if (foreign && (foreign.routes > 0 || foreign.retiring > 0)) {
      const retiring = foreign.retiring > 0 ? `; its ${foreign.retiring} route(s) there are deleted there (kept as a to-delete list until that router is reachable)` : '';
      log.warn(
        `dropped ${foreign.routes} desired route(s) that belonged to ${foreign.router}: this node now programs ${describeRouter(this.opts.router)}, and they are not replayed there${retiring}`,
      );
    }
    if (foreign) this.opts.store.save(state.toJSON());
    const routes = new JetRoutes(backend, state);
    this.routesValue = routes;
    routes.on('desired', () => this.saveSoon());
    routes.on('replayed', (r: ReplayReport) => {
      const removed = r.removed ? `, removed ${r.removed} no longer desired` : '';
      const cleaned = r.cleaned ? `, after removing ${r.cleaned} route(s) of this client id that this node had no record of (RouteCleanup)` : '';
      log.log(`re-asserted ${r.routes - r.failed} of ${r.routes} desired route(s) after login${r.failed ? `, ${r.failed} refused and dropped` : ''}${removed}${cleaned}`);
      if (r.held) {
        log.warn(
          `${r.held} desired route(s) exist on the router as another's (another session with this app id, or this node's own old session the router has not dropped yet): ` +
            "not this node's; kept as desired and added again once that route is gone",
        );
      }
      this.setRefused(r.failed);
    });
    routes.on('unaccounted', (n: number) => {
      log.warn(
        `the router holds ${n} route(s) of this client id that this node has no record of (its saved state is gone: a restart with the memory context store?): ` +
          'they are kept; an add of one of them takes it as this node\'s, a delete removes it. A persistent context store keeps the record across restarts',
      );
    });
    routes.on('reconcile-failed', (n: number, message: string) => {
      log.warn(`could not remove ${n} route(s) of this client id that this node has no record of: ${message}`);
    });
    routes.on('replay-error', (spec: RouteSpec, message: string) => {
      log.warn(`the router refused desired route ${spec.table} ${spec.prefix} at the replay after login; it is dropped, not sent again: ${message}`);
    });
    return backend;
  }

  /**
   * Starts the node's own session, after the first attempt to delete the routes left under its
   * earlier identities (each on a session of its own) is over.
   */
  private startRpc(backend: RouteBackend, show: (s: SessionStatus) => void): void {
    const state = this.routesValue?.state;
    const lists = state ? [...state.retired] : [];
    let waiting = lists.length;
    let started = false;
    const go = (): void => {
      if (started) return;
      started = true;
      backend.start();
    };
    if (!state || waiting === 0) return go();
    show({ state: 'connecting', detail: backend.peer });
    const { log } = this.opts;
    const mine = (spec: RouteSpec): boolean =>
      state.desired.has(spec.appId, spec.table, spec.prefix) ||
      state.acknowledged.has(spec.appId, spec.table, spec.prefix) ||
      state.desired.otherApps(spec.appId, spec.table, spec.prefix).length > 0;
    for (const entry of lists) {
      const made = this.opts.createBackend(entry.router);
      if (typeof made === 'string') {
        if (--waiting === 0) go();
        continue;
      }
      const where = describeRouter(entry.router);
      const retirement = new Retirement(entry, made, mine);
      this.retirements.add(retirement);
      const over = (): void => {
        this.retirements.delete(retirement);
        state.dropRetired(entry);
        this.saveSoon();
      };
      retirement.once('settled', () => {
        if (--waiting === 0) go();
      });
      retirement.once('done', (n: number) => {
        log.log(`deleted ${n} route(s) this node had left on ${where}, its earlier router`);
        over();
      });
      retirement.once('gave-up', (why: string) => {
        log.warn(`gave up deleting ${entry.routes.size} route(s) left on ${where}: ${why}`);
        over();
      });
      retirement.once('kept', (why: string) => {
        this.retirements.delete(retirement);
        this.saveSoon();
        log.warn(`${entry.routes.size} route(s) left on ${where} could not be deleted (${why}): tried again at the next start of this node`);
      });
      retirement.start();
    }
  }

  private closingRpc(): void {
    for (const r of this.retirements) void r.close();
    this.retirements.clear();
    if (this.saveTimer) {
      clearImmediate(this.saveTimer);
      this.saveTimer = null;
    }
    if (this.routesValue) {
      this.opts.store.save(this.routesValue.state.toJSON());
      this.routesValue.dispose();
      this.routesValue = null;
    }
  }

  private saveSoon(): void {
    if (this.saveTimer) return;
    this.saveTimer = setImmediate(() => {
      this.saveTimer = null;
      if (this.routesValue) this.opts.store.save(this.routesValue.state.toJSON());
    });
  }

  private setRefused(n: number): void {
    if (n === this.refusedValue) return;
    this.refusedValue = n;
    this.emit('replay-refused', n);
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
export function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    const finish = (): void => {
      clearTimeout(t);
      resolve();
    };
    p.then(finish, finish);
  });
}
