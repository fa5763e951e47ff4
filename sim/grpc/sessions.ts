/**
 * The simulated router's gRPC connections and sessions (docs/protocol.md §6). A JET gRPC session is
 * a client id logged in on one HTTP/2 connection: Login(client_id) opens it, every later call names
 * it with `client-id` metadata, and it ends when the connection goes away.
 *
 * A real router notices a vanished client late (half-open TCP): `lingerMs` keeps an ended
 * connection's sessions for that long, holding their client ids ("Client Id X already exists"
 * to a new Login), before they end; endLingering() ends them at once.
 *
 * Routes belong to the client id (Rib api 'grpc'). When a session ends its client's routes are
 * purged after the client's purge time (RoutePurgeTimerAdd, seconds, 1 to 1000 as the IDL says:
 * any other time is refused INVALID_PARAMS; kept per client id until the server stops). A client
 * that never set one (or deleted it) gets `defaultPurgeTimeS`, the IDL's default of 120 s unless
 * a test asks for another (0: purged at once), so a reconnect finds the routes, as on a router. A new
 * Login of the same client id stops a pending purge; its RouteInitialize reports the routes as
 * num_client_routes, and they are its own again.
 */
import { DEFAULT_PREFERENCE } from '../../lib/core/route-spec';
import { clientIdInUseMessage } from '../../lib/grpc/protocol';
import type { Rib, RibEntry, RouteOwner } from '../rib';
import { ROUTER_PURGE_TIME_S } from '../../lib/core/defaults';

/** Longest delay setTimeout keeps (a longer purge time keeps the routes until the server stops). */
const MAX_TIMER_MS = 0x7fffffff;

/** A connection (HTTP/2 over one TCP socket) as seen from outside. */
export interface GrpcConnectionInfo {
  readonly id: number;
  /** `address:port` of the client, as call.getPeer() gives it. */
  readonly peer: string;
}

/** A session (a client id logged in on a connection) as seen from outside. */
export interface GrpcSessionInfo {
  readonly id: number;
  readonly clientId: string;
  readonly user: string;
  readonly peer: string;
  readonly initialized: boolean;
  /** Its connection is gone, but it still holds its client id (lingerMs). */
  readonly lingering: boolean;
  readonly ended: boolean;
  /** Calls received and not answered yet. */
  readonly queued: number;
}

export class Connection implements GrpcConnectionInfo {
  closed = false;
  /** Sessions logged in on this connection, by client id. */
  readonly sessions = new Map<string, Session>();
  constructor(
    readonly id: number,
    readonly peer: string,
  ) {}
}

export class Session implements GrpcSessionInfo {
  initialized = false;
  lingering = false;
  ended = false;
  queued = 0;
  /** RouteInitialize's default_preferences[0] (raised to the lowest preference). */
  defaultPreference = DEFAULT_PREFERENCE;
  /** RouteInitialize asked for ADDRESS_BYTES in replies. */
  replyBytes = false;
  /** Tail of the session's call queue. */
  queue: Promise<void> = Promise.resolve();
  lingerTimer?: NodeJS.Timeout;
  constructor(
    readonly id: number,
    readonly clientId: string,
    readonly user: string,
    readonly connection: Connection,
  ) {}

  get peer(): string {
    return this.connection.peer;
  }

  get owner(): RouteOwner {
    return { sessionId: this.id, clientId: this.clientId, api: 'grpc' };
  }
}

export interface SessionTableOptions {
  rib: Rib;
  log: (line: string) => void;
  /** Purge time (s) of a client id that set none (default 120, the IDL's; 0: its routes go when its session ends). */
  defaultPurgeTimeS?: number;
  /** Length of one purge-time second in ms (default 1000). */
  purgeSecondMs?: number;
  /** How long a session outlives its connection (default 0). */
  lingerMs?: number;
  /** Whether the server is stopping: no lingering, no waiting purge then. */
  closing: () => boolean;
  /** After a session ended (its client's routes purged when that is immediate). */
  onSessionEnd: (session: Session) => void;
  /** After a client's routes were purged. */
  onPurge: (clientId: string, routes: RibEntry[]) => void;
}

/** The connections, the sessions holding client ids, and the purge times and timers of the client ids. */
export class SessionTable {
  private nextConnectionId = 0;
  private nextSessionId = 0;
  /** Open connections by peer string. */
  private readonly connections = new Map<string, Connection>();
  /** Sessions holding a client id (live or lingering). */
  private readonly byClient = new Map<string, Session>();
  /** Purge time (s) per client id, set by RoutePurgeTimerAdd. */
  private readonly purgeTimes = new Map<string, number>();
  /** Client ids whose routes wait for their purge time (null: kept until the server stops). */
  private readonly purgeTimers = new Map<string, NodeJS.Timeout | null>();

  constructor(private readonly options: SessionTableOptions) {}

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Snapshot of the sessions holding a client id (live and lingering). */
  list(): GrpcSessionInfo[] {
    return [...this.byClient.values()];
  }

  /** A new connection from `peer`. */
  connect(peer: string): Connection {
    const conn = new Connection(++this.nextConnectionId, peer);
    this.connections.set(peer, conn);
    return conn;
  }

  /** The open connection of `peer`. */
  connection(peer: string): Connection | undefined {
    return this.connections.get(peer);
  }

  /** The session `clientId` holds on the connection of `peer`. */
  sessionOf(peer: string, clientId: string): Session | undefined {
    return this.connections.get(peer)?.sessions.get(clientId);
  }

  /** A connection closed: its sessions end, or linger with lingerMs. */
  disconnect(conn: Connection): void {
    conn.closed = true;
    if (this.connections.get(conn.peer) === conn) this.connections.delete(conn.peer);
    const linger = this.options.closing() ? 0 : (this.options.lingerMs ?? 0);
    this.options.log(`grpc: connection ${conn.id} (${conn.peer}) closed`);
    for (const s of conn.sessions.values()) {
      if (linger <= 0) {
        this.end(s, `connection ${conn.id} closed`);
        continue;
      }
      s.lingering = true;
      s.lingerTimer = setTimeout(() => this.end(s, `connection ${conn.id} closed ${linger} ms ago`), linger);
      this.options.log(`grpc: session ${s.id} (client ${s.clientId}) lingers for ${linger} ms`);
    }
  }

  /**
   * Opens (or, on the connection that holds it, keeps) the session of `clientId`; a client id held
   * on another connection is refused with the router's words.
   */
  login(conn: Connection, clientId: string, user: string): Session | { refused: string } {
    const held = this.byClient.get(clientId);
    if (held && held.connection !== conn) return { refused: clientIdInUseMessage(clientId) };
    if (held) return held;
    const session = new Session(++this.nextSessionId, clientId, user, conn);
    conn.sessions.set(clientId, session);
    this.byClient.set(clientId, session);
    const pending = this.purgeTimers.get(clientId);
    if (pending !== undefined) {
      if (pending) clearTimeout(pending);
      this.purgeTimers.delete(clientId);
    }
    return session;
  }

  /** The purge time (s) that applies to a client id. */
  purgeTimeOf(clientId: string): number {
    return this.purgeTimes.get(clientId) ?? this.options.defaultPurgeTimeS ?? ROUTER_PURGE_TIME_S;
  }

  /** RoutePurgeTimerAdd (seconds) or, with undefined, RoutePurgeTimerDelete. */
  setPurgeTime(clientId: string, seconds: number | undefined): void {
    if (seconds === undefined) this.purgeTimes.delete(clientId);
    else this.purgeTimes.set(clientId, seconds);
  }

  /**
   * A restart of the router's JET daemon that keeps the RIB: every session is forgotten (its
   * connection stays open, and its calls fail "Authorization failed" from now on), nothing is
   * purged and no purge timer starts; a new Login of a client id starts a new session, whose
   * RouteInitialize counts the routes it kept. Returns how many sessions were forgotten.
   */
  forgetLogins(): number {
    const all = [...this.byClient.values()];
    for (const s of all) {
      s.ended = true;
      s.lingering = false;
      clearTimeout(s.lingerTimer);
      s.connection.sessions.delete(s.clientId);
      this.byClient.delete(s.clientId);
      this.options.log(`grpc: session ${s.id} (client ${s.clientId}) forgotten (JET daemon restart), its ${this.options.rib.clientRoutes(s.clientId).length} route(s) kept`);
    }
    return all.length;
  }

  /** Ends every lingering session now. */
  endLingering(): void {
    for (const s of [...this.byClient.values()]) if (s.lingering) this.end(s, 'lingering session dropped');
  }

  /** The server stopped: every session ends, every client's routes go, the purge times are forgotten. */
  stop(): void {
    for (const s of [...this.byClient.values()]) this.end(s, 'server stopped');
    for (const [clientId, t] of this.purgeTimers) {
      if (t) clearTimeout(t);
      this.purgeNow(clientId, 'server stopped');
    }
    this.purgeTimers.clear();
    this.purgeTimes.clear();
  }

  private end(s: Session, reason: string): void {
    if (s.ended) return;
    s.ended = true;
    s.lingering = false;
    clearTimeout(s.lingerTimer);
    if (this.byClient.get(s.clientId) === s) this.byClient.delete(s.clientId);
    const what = this.schedulePurge(s.clientId, `session ${s.id} ended`);
    this.options.log(`grpc: session ${s.id} (client ${s.clientId}) ended: ${reason}${what}`);
    this.options.onSessionEnd(s);
  }

  /** Purges a client's routes now, or after its purge time; returns a note for the log. */
  private schedulePurge(clientId: string, reason: string): string {
    const count = this.options.rib.clientRoutes(clientId).length;
    if (count === 0) return '';
    const seconds = this.purgeTimeOf(clientId);
    const ms = seconds * (this.options.purgeSecondMs ?? 1000);
    if (ms <= 0 || this.options.closing()) {
      this.purgeNow(clientId, reason);
      return `, ${count} route(s) purged`;
    }
    if (ms > MAX_TIMER_MS) {
      this.purgeTimers.set(clientId, null);
      return `, ${count} route(s) kept until the server stops (purge time ${seconds} s)`;
    }
    const timer = setTimeout(() => {
      this.purgeTimers.delete(clientId);
      this.purgeNow(clientId, `purge time ${seconds} s of client ${clientId} over`);
    }, ms);
    this.purgeTimers.set(clientId, timer);
    return `, ${count} route(s) kept for ${seconds} s`;
  }

  private purgeNow(clientId: string, reason: string): void {
    const purged = this.options.rib.purgeClient(clientId, reason);
    if (purged.length === 0) return;
    this.options.log(`grpc: client ${clientId}: ${purged.length} route(s) purged (${reason})`);
    this.options.onPurge(clientId, purged);
  }
}
