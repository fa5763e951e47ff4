/**
 * The request-response backend contract: what the route client (lib/core/route-client.ts), the router hub
 * and Test connection know of a JET session, whichever API it speaks (gRPC `jnx.jet`, docs/protocol.md §6,
 * or Thrift, §2). Nothing here speaks a protocol; lib/core/rpc-session.ts holds the one session
 * skeleton (connect, login, queue, deadlines, backoff, half-open detection, close) and each API
 * gives it a {@link Connector} and its {@link RouteOps}.
 */
import type { EventEmitter } from 'events';
import type { ConnectionOptions } from 'tls';
import type { BackoffOptions, SessionState, SessionStatus } from './reconnect';
import type { RouteSpec } from './route-spec';
import type { RouteStatus } from './route-status';
import type { JetApi } from './defaults';
import type { ManagementApi } from './management';

export type { JetApi };
export const JET_APIS: readonly JetApi[] = ['grpc', 'thrift'];


/** What the other API is called in words a user picks in the dialog. */
export const API_LABEL: Readonly<Record<JetApi, string>> = { grpc: 'gRPC', thrift: 'Thrift' };

/**
 * The API of a jet-router's flow JSON: a saved node without `api` is a router node from before
 * gRPC existed in this package and keeps speaking Thrift; a new node gets `grpc` from the editor.
 */
export function apiOf(value: unknown): JetApi {
  return value === 'grpc' ? 'grpc' : 'thrift';
}

export type { SessionState, SessionStatus };

export interface BackendOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  clientId: string;
  /** When set, the connection is TLS with these options (CA, client certificate and key, servername). */
  tls?: ConnectionOptions;
  /** A call's deadline, counted from when it is written to the connection; also bounds connect and login. */
  requestTimeoutMs: number;
  /** Calls that may wait while no session is up (calls re-queued after a drop included) before one is refused. */
  queueLimit: number;
  backoff?: BackoffOptions;
  /** gRPC only: seconds the router keeps this client's routes after its session ends (RoutePurgeTimerAdd); undefined: the router's default. */
  purgeTimeS?: number;
}

/** What a login told the route client; emitted with 'ready'. */
export interface ReadyInfo {
  /**
   * gRPC: RouteInitialize's num_client_routes, the routes the router still holds for this client
   * id from an earlier session. Thrift: undefined (the router drops the routes with the session).
   */
  clientRoutes?: number;
}

/** One route's answer, in words the route nodes report. */
export interface RouteReply {
  status: RouteStatus;
  /** The router's code: Thrift err_code, gRPC sub_code number; null when no answer came. */
  code: number | null;
  /** The code's name: `ROUTE_EXISTS`, `err_code 2`, ...; '' when no answer came. */
  codeName: string;
  /** For the user: what happened, with the router's own message when it gave one. */
  message: string;
  /**
   * false: the router never answered for this route (session down, deadline passed, queue full,
   * login refused, closed); `message` says why. The route client keeps an add's intent then.
   */
  answered: boolean;
}

/** The reply for a route the router never answered for (session down, deadline passed, queue full, closed): `err` says why. */
export function unanswered(err: Error): RouteReply {
  return { status: 'failed', code: null, codeName: '', message: err.message, answered: false };
}

/**
 * The reply for a route whose whole call the router refused with an error of the call itself
 * rather than a route code: a Thrift exception (`codeName` 'exception'), a gRPC status
 * (`codeName` its name, e.g. 'INVALID_ARGUMENT').
 */
export function failedCall(codeName: string, message: string): RouteReply {
  return { status: 'failed', code: null, codeName, message, answered: true };
}

export interface InstalledRoute {
  prefix: string;
  table: string;
  nexthops: string[];
  preference: number[];
  metric: number[];
}

export interface OpOptions {
  /**
   * Sent on one connection at most: fails (unanswered) instead of being sent again when the
   * connection drops before the answer (the desired-state replay: the next login replays anew).
   */
  once?: boolean;
}

/**
 * A request-response session to one router. Events: 'state' (SessionStatus) on every change;
 * 'ready' (ReadyInfo) after each login (and, on gRPC, RouteInitialize), before queued calls are
 * sent, so that a listener's calls (the desired-state replay) go first; 'warning' (text) for what
 * the user should know and that does not stop the session (gRPC: a refused RoutePurgeTimerAdd).
 */
export interface RouteBackend extends EventEmitter {
  readonly api: JetApi;
  readonly status: SessionStatus;
  /** `host:port` (never the user name: status reaches dashboards). */
  readonly peer: string;
  /** Whether the API carries a route metric (gRPC `jnx.jet` has none). */
  readonly carriesMetric: boolean;
  /** Calls waiting for a session or for room, and calls written and not yet answered. */
  readonly load: { queued: number; inFlight: number };
  start(): void;
  /** Fails every waiting call, drops the connection, stops reconnecting; resolves within `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
  /** Adds routes; one reply per spec, in order. Never rejects. */
  add(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]>;
  /**
   * Makes routes be as specified, whether present or not, for the desired-state replay (gRPC
   * RouteUpdate; Thrift RouteAdd, where "exists" is `unchanged`). One reply per spec. Never rejects.
   */
  assert(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]>;
  /** Deletes routes; one reply per spec, in order. Never rejects. */
  delete(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]>;
  /**
   * The routes at `table`/`prefix` (exact match) as the router's lookup returns them: on gRPC every
   * protocol's (a static route from the CLI, BGP, direct) and nothing names their owner, so an
   * answer proves presence, never ownership. Rejects when there is no answer or the router refuses.
   */
  get(appId: string, table: string, prefix: string): Promise<InstalledRoute[]>;
  /**
   * Removes every route of this client on the router (gRPC RouteCleanup): the reconcile after a
   * login that found more routes of this client id than the route state knows. Undefined where the
   * API has none (Thrift: the router drops an application's routes with its session). Never rejects.
   */
  cleanup?(options?: OpOptions): Promise<RouteReply>;
  /** The router's management API on this session (gRPC); undefined where the API has none (Thrift). */
  readonly management?: ManagementApi;
}

export class SessionError extends Error {
  constructor(
    message: string,
    readonly code: 'timeout' | 'queue-full' | 'login-failed' | 'closed' | 'disconnected',
  ) {
    super(message);
    this.name = 'SessionError';
  }
}

// ---------------------------------------------------------------- what each API gives the session

/** One connected, logged-in connection, as lib/core/rpc-session.ts drives it. */
export interface Wire {
  /** Ends the connection; must be safe to call more than once. */
  close(reason: string): void;
  /** Registers the one listener the session needs: called once when the connection is gone, for any reason. */
  onClose(listener: (reason: string) => void): void;
  /**
   * How many times the connection received something (answers, data): a call whose deadline passes
   * while this went up since the call was written is slow, not half-open, and the connection stays.
   * A counter, not a time: an answer and a write in the same millisecond stay apart.
   */
  readonly received: number;
}

/**
 * The router refused the login (wrong user or password, client id refused): the session waits the
 * backoff cap. The message starts with "login failed" and does not name the user (it reaches the status).
 */
export class LoginRejectedError extends Error {
  constructor(
    message: string,
    /** true for a refusal that clears by itself (gRPC "Client Id ... already exists"): normal backoff, same id. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'LoginRejectedError';
  }
}

/** The connection is gone (or unusable) for a call on it: the session treats the call as unanswered. */
export class ConnectionLostError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ConnectionLostError';
  }
}

/** The router answered that this connection is not logged in (Thrift err 5): log in again, retry once. */
export class NotLoggedInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotLoggedInError';
  }
}

export interface Connector<W extends Wire> {
  readonly api: JetApi;
  /**
   * Connects and logs in (gRPC: then RoutePurgeTimerAdd when set, then RouteInitialize). Resolves
   * with the connection and what the login told; rejects with {@link LoginRejectedError} for a
   * refused login, or with an Error whose message says why the connection failed (refused,
   * timeout, TLS, "this port speaks gRPC: set API to gRPC"...). Settles within `timeoutMs`,
   * leaving nothing open when it rejects.
   */
  open(timeoutMs: number): Promise<{ wire: W; info: ReadyInfo }>;
}

/** A call the session runs on a wire: resolves with the answer, rejects ConnectionLostError / NotLoggedInError / any Error. */
export type WireCall<W extends Wire, T> = (wire: W, deadlineMs: number) => Promise<T>;

/** Runs a call through the session's queue, window and deadline (lib/core/rpc-session.ts `call`). */
export type CallRunner<W extends Wire> = <T>(name: string, fn: WireCall<W, T>, options?: OpOptions) => Promise<T>;
