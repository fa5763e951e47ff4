/**
 * The simulated router's JET gRPC server: the `jnx.jet` API of Junos 19.4 and later (docs/protocol.md
 * §6) — Authentication/Login, routing.base.Base (the purge timer) and routing.rib.Rib — on the
 * same Rib and with the same users as the Thrift server, so that both APIs see one router.
 *
 * Connections and sessions. A JET gRPC session is a client id logged in on one HTTP/2 connection:
 * Login(client_id) opens it, every later call names it with `client-id` metadata (as Juniper's own
 * RIB client sends on every call), and it ends when the connection goes away. A call whose
 * connection has no logged-in session for its `client-id` (none sent, never logged in, or logged
 * in on another connection) fails with gRPC status UNAUTHENTICATED, "Authorization failed".
 *
 * How the end of a connection is seen. grpc-js's Server has no public connection events (its
 * http2 sessions are private), and a call only tells its peer (`call.getPeer()`). So this server
 * never lets grpc-js bind a port: it listens with its own net.Server, files each accepted socket
 * under its peer string (`address:port`, exactly what getPeer() answers for the calls it carries)
 * and hands it to grpc-js through the public `Server.createConnectionInjector()`. The socket's
 * 'close' is then the end of the connection: no private hook, no keepalive guessing, nothing
 * per call. Under TLS grpc-js does the handshake on the injected socket (ServerCredentials.createSsl,
 * client-certificate check included), so the peer is still the TCP socket's.
 *
 * A real router notices a vanished client late (half-open TCP): `lingerMs` keeps an ended
 * connection's sessions for that long, holding their client ids ("Client Id X already exists"
 * to a new Login), before they end; endLingeringSessions() ends them at once.
 *
 * Routes belong to the client id (Rib api 'grpc'). When a session ends its client's routes are
 * purged after the client's purge time (RoutePurgeTimerAdd, seconds, 1 to 1000 as the IDL says:
 * any other time is refused INVALID_PARAMS; kept per client id until the server stops). A client
 * that never set one (or deleted it) gets `defaultPurgeTimeS`, the IDL's default of 120 s unless
 * a test asks for another (0: purged at once), so a reconnect finds the routes, as on a router. A
 * new Login of the same client id stops a pending purge; its RouteInitialize reports the routes as
 * num_client_routes, and they are its own again (RouteModify, RouteDelete, RouteGet).
 *
 * A slow router: `routeDelayMs` delays each answer by routeDelayMs per route processed, with a
 * timer. Calls of one session are processed one after the other in arrival order (a queue per
 * session), so a client that pipelines calls sees the delays add up, as flow control must handle.
 *
 * Decisions where the public record is silent (documented for the plugin's authors):
 * - A second Login of a client id on the connection that holds it is accepted (same session,
 *   initialized state kept); on any other connection it is refused while the session lives.
 * - A client id comes from LoginRequest.client_id, else from the `client-id` metadata; neither is
 *   a refused login.
 * - RouteGet streams routes of the caller's client id only (as Thrift RouteGet lists an app's),
 *   at most 1000 per reply; nothing matched is one reply with sub_code ROUTE_NOT_FOUND and no
 *   routes; `route_count` > 0 caps the number of routes; table ids are not supported (TABLE_INVALID).
 * - RouteModify / RouteDelete of a route another client (or a Thrift app) owns: ROUTE_NOT_FOUND;
 *   RouteUpdate of one: ROUTE_EXISTS (it adds or replaces only the client's own routes).
 * - The purge-timer calls need a Login, not RouteInitialize.
 */
import { EventEmitter } from 'events';
import * as net from 'net';
import * as grpc from '@grpc/grpc-js';
import * as ipaddr from 'ipaddr.js';
import { jetGrpc } from '../lib/grpc/proto';
import type { AuthenticationHandlers } from '../lib/gen-grpc/jnx/jet/authentication/Authentication';
import type { LoginResponse } from '../lib/gen-grpc/jnx/jet/authentication/LoginResponse';
import type { IpAddress } from '../lib/gen-grpc/jnx/jet/common/IpAddress';
import type { RpcStatus } from '../lib/gen-grpc/jnx/jet/common/RpcStatus';
import type { BaseHandlers } from '../lib/gen-grpc/jnx/jet/routing/base/Base';
import type { NetworkAddress, NetworkAddress__Output } from '../lib/gen-grpc/jnx/jet/routing/base/NetworkAddress';
import type { RouteTable__Output } from '../lib/gen-grpc/jnx/jet/routing/base/RouteTable';
import type { StatusCode__Output as BaseStatusCode } from '../lib/gen-grpc/jnx/jet/routing/base/StatusCode';
import type { RibHandlers } from '../lib/gen-grpc/jnx/jet/routing/rib/Rib';
import type { RouteDeleteRequest__Output } from '../lib/gen-grpc/jnx/jet/routing/rib/RouteDeleteRequest';
import type { RouteEntry, RouteEntry__Output } from '../lib/gen-grpc/jnx/jet/routing/rib/RouteEntry';
import type { RouteGetRequest__Output } from '../lib/gen-grpc/jnx/jet/routing/rib/RouteGetRequest';
import type { RouteGetResponse } from '../lib/gen-grpc/jnx/jet/routing/rib/RouteGetResponse';
import type { RouteMatch__Output } from '../lib/gen-grpc/jnx/jet/routing/rib/RouteMatch';
import type { RouteSetOperResponse } from '../lib/gen-grpc/jnx/jet/routing/rib/RouteSetOperResponse';
import type { RouteUpdateRequest__Output } from '../lib/gen-grpc/jnx/jet/routing/rib/RouteUpdateRequest';
import type { StatusCode__Output as RibStatusCode } from '../lib/gen-grpc/jnx/jet/routing/rib/StatusCode';
import {
  AddressFamily,
  checkNexthop,
  checkPrefix,
  DEFAULT_PREFERENCE,
  ErrCode,
  resolveTable,
  Rib,
  RibEntry,
  RibRoute,
  RouteOwner,
  SetMode,
} from './rib';
import { PURGE_TIME_MAX_S, PURGE_TIME_MIN_S, ROUTER_PURGE_TIME_S } from '../lib/core/defaults';
import { handlesSettled } from './settle';
import { Delays, listenOrCleanUp, TrackedSockets } from './sockets';

export type { RibStatusCode, BaseStatusCode };

/** The metadata key naming the session on every call. */
export const CLIENT_ID_METADATA = 'client-id';
/** Text of the UNAUTHENTICATED status of a call without a logged-in session. */
export const AUTHORIZATION_FAILED = 'Authorization failed';
/** Most routes (or keys) one RouteAdd / RouteModify / RouteUpdate / RouteDelete may carry. */
export const MAX_ROUTES_PER_REQUEST = 1000;
/** Most gateways of one route. */
export const MAX_GATEWAYS = 64;
/** Most routes in one RouteGet reply message (more go into further replies of the stream). */
export const ROUTES_PER_GET_REPLY = 1000;
/** Junos's lowest preference for a JET route: lower values are raised to it. */
export const MIN_PREFERENCE = 5;
/** Longest delay setTimeout keeps (a longer purge time keeps the routes until the server stops). */
const MAX_TIMER_MS = 0x7fffffff;

export interface GrpcTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA certificates used to verify client certificates (with requestCert). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask for a client certificate and reject clients without a valid one (mutual TLS). */
  requestCert?: boolean;
}

export interface GrpcServerOptions {
  rib: Rib;
  /** user name → password; default { lab: 'lab123' }. */
  users?: Record<string, string>;
  /** Serve TLS instead of clear text. */
  tls?: GrpcTlsOptions;
  log?: (line: string) => void;
  /** Delay each answer by this many ms per route processed (a slow router; default 0). */
  routeDelayMs?: number;
  /** Purge time (s) of a client id that set none (default 120, the IDL's; 0: its routes go when its session ends). */
  defaultPurgeTimeS?: number;
  /** Length of one purge-time second in ms (default 1000; tests shorten it). */
  purgeSecondMs?: number;
  /** How long a session outlives its connection, holding its client id (default 0: not at all). */
  lingerMs?: number;
  /** Bound on how long close() waits for sockets to close (default 2000 ms). */
  closeTimeoutMs?: number;
}

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

/** One call received ('call' event, before it is processed). */
export interface GrpcCallInfo {
  /** Method name, e.g. 'RouteAdd'. */
  method: string;
  peer: string;
  /** The `client-id` metadata ('' when none). */
  clientId: string;
  /** The session the call belongs to; undefined when it is refused (not logged in) or a Login. */
  sessionId?: number;
}

export interface GrpcServerEvents {
  listening: [port: number];
  connection: [connection: GrpcConnectionInfo];
  /** After the connection's sessions ended (or started lingering). */
  disconnect: [connection: GrpcConnectionInfo];
  login: [session: GrpcSessionInfo];
  /** After the purge of its client's routes when that is immediate. */
  sessionEnd: [session: GrpcSessionInfo];
  /** A client's routes were purged (purge time over, or the server stopped). */
  purge: [clientId: string, routes: RibEntry[]];
  call: [call: GrpcCallInfo];
}

export interface GrpcCounters {
  /** Calls received per method. */
  calls: Record<string, number>;
  /** Answers per method and sub_code name. */
  subCodes: Record<string, Record<string, number>>;
  logins: number;
  loginFailures: number;
  /** Calls refused with UNAUTHENTICATED. */
  unauthenticated: number;
  /** Connections accepted since start (or the last resetCounters). */
  connectionsTotal: number;
  /** Most calls one session had received and not yet answered at a time. */
  maxQueued: number;
}

const emptyCounters = (): GrpcCounters => ({
  calls: {},
  subCodes: {},
  logins: 0,
  loginFailures: 0,
  unauthenticated: 0,
  connectionsTotal: 0,
  maxQueued: 0,
});

class Connection implements GrpcConnectionInfo {
  closed = false;
  /** Sessions logged in on this connection, by client id. */
  readonly sessions = new Map<string, Session>();
  constructor(
    readonly id: number,
    readonly peer: string,
  ) {}
}

class Session implements GrpcSessionInfo {
  initialized = false;
  lingering = false;
  ended = false;
  queued = 0;
  /** RouteInitialize's default_preferences[0] (raised to MIN_PREFERENCE). */
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

// ---------------------------------------------------------------------------------------------
// Wire ↔ RIB (pure)

/** A conversion's answer: the value, or the sub code and message to answer. */
export type WireResult<T> = { ok: true; value: T } | { ok: false; code: RibStatusCode; message: string };

const wireError = (code: RibStatusCode, message: string): { ok: false; code: RibStatusCode; message: string } => ({ ok: false, code, message });

/**
 * The text and family of a NetworkAddress: `inet` or `inet6`, holding `addr_string` or
 * `addr_bytes` (4 or 16 bytes). The text is not checked here beyond the bytes' length.
 */
export function addressFromWire(a: NetworkAddress__Output | null | undefined): { ok: true; text: string; family: AddressFamily } | { ok: false; message: string } {
  const family: AddressFamily | undefined = a?.inet ? 'inet' : a?.inet6 ? 'inet6' : undefined;
  if (!a || !family) return { ok: false, message: a?.mpls ? 'MPLS addresses are not supported' : 'address is missing' };
  const ip = (family === 'inet' ? a.inet : a.inet6) as IpAddress;
  const bytes = ip.addr_bytes;
  if (ip.addr_format === 'addr_bytes' || (bytes !== undefined && bytes.length > 0 && !ip.addr_string)) {
    const b = Buffer.from((bytes ?? Buffer.alloc(0)) as Uint8Array);
    if (b.length !== 4 && b.length !== 16) return { ok: false, message: `addr_bytes of ${b.length} bytes (expected 4 or 16)` };
    return { ok: true, text: ipaddr.fromByteArray([...b]).toString(), family };
  }
  if (!ip.addr_string) return { ok: false, message: 'address is empty' };
  return { ok: true, text: ip.addr_string, family };
}

/** A route table: its name (default: the family's), which must hold `family`; table ids are not supported. */
export function tableFromWire(t: RouteTable__Output | null | undefined, family: AddressFamily): WireResult<string> {
  if (t?.route_table_format === 'id' || (t?.id && !t?.name)) return wireError('TABLE_INVALID', 'table ids are not supported by the simulator: give the table name');
  const r = resolveTable(t?.name?.name ?? '', family);
  return r.ok ? r : wireError('TABLE_INVALID', r.message);
}

export interface WireKey {
  table: string;
  /** Canonical CIDR. */
  prefix: string;
  family: AddressFamily;
}

/** What a RouteMatch names: (table, prefix), checked by lib/core/route-spec.ts as the Thrift side does. */
export function matchFromWire(m: RouteMatch__Output | null | undefined): WireResult<WireKey> {
  if (!m?.dest_prefix) return wireError('PREFIX_INVALID', 'dest_prefix is missing');
  const a = addressFromWire(m.dest_prefix);
  if (!a.ok) return wireError('PREFIX_INVALID', `dest_prefix: ${a.message}`);
  const len = m.dest_prefix_len ?? 0;
  if (len > (a.family === 'inet' ? 32 : 128)) return wireError('PREFIX_LEN_TOO_LONG', `prefix length ${len} is too long for ${a.family}`);
  const p = checkPrefix(`${a.text}/${len}`);
  if (!p.ok) return wireError('PREFIX_INVALID', p.message);
  if (p.value.family !== a.family) return wireError('PREFIX_INVALID', `${a.text} is not an ${a.family} address`);
  const t = tableFromWire(m.table, a.family);
  if (!t.ok) return t;
  return { ok: true, value: { table: t.value, prefix: p.value.prefix, family: a.family } };
}

/**
 * A RouteEntry as a RIB route: gateways (1 to 64, several = ECMP) of the prefix's family,
 * preferences[0] as the preference (raised to 5; `defaultPreference` when absent), metric 0
 * (the API has none).
 */
export function entryFromWire(e: RouteEntry__Output, defaultPreference = DEFAULT_PREFERENCE): WireResult<RibRoute> {
  const k = matchFromWire(e.key);
  if (!k.ok) return k;
  const { table, prefix, family } = k.value;
  const gateways = e.nexthop?.gateways ?? [];
  if (gateways.length === 0) return wireError('NEXTHOP_INVALID', `${prefix}: no gateways`);
  if (gateways.length > MAX_GATEWAYS) return wireError('NEXTHOP_LIMIT_EXCEED', `${prefix}: ${gateways.length} gateways (at most ${MAX_GATEWAYS})`);
  const nexthops: string[] = [];
  for (const g of gateways) {
    const a = addressFromWire(g.gateway_address);
    if (!a.ok) return wireError('GATEWAY_INVALID', `${prefix}: gateway_address: ${a.message}`);
    const n = checkNexthop(a.text, family, prefix);
    if (!n.ok) return wireError('GATEWAY_INVALID', n.message);
    if (a.family !== family) return wireError('GATEWAY_INVALID', `${prefix}: gateway ${a.text} is not an ${family} address`);
    nexthops.push(n.value);
  }
  const p = preferenceOf(e.attributes?.preferences);
  return {
    ok: true,
    value: { table, prefix, family, nexthops, preference: p ?? defaultPreference, metric: 0, appId: '' },
  };
}

/** preferences[0] of a preferences map, raised to MIN_PREFERENCE; undefined when absent. */
export function preferenceOf(map: { [key: number]: { value?: number } | null } | null | undefined): number | undefined {
  const v = map?.[0]?.value;
  return v === undefined || v === null ? undefined : Math.max(MIN_PREFERENCE, v);
}

function addressToWire(text: string, family: AddressFamily, bytes: boolean): NetworkAddress {
  const ip: IpAddress = bytes ? { addr_bytes: Buffer.from(ipaddr.parse(text).toByteArray()) } : { addr_string: text };
  return family === 'inet' ? { inet: ip } : { inet6: ip };
}

/** A RIB entry as a RouteGet RouteEntry (table by name; addresses as strings, or bytes). */
export function entryToWire(e: RibEntry, bytes = false): RouteEntry {
  const slash = e.prefix.lastIndexOf('/');
  return {
    key: {
      dest_prefix: addressToWire(e.prefix.slice(0, slash), e.family, bytes),
      dest_prefix_len: Number(e.prefix.slice(slash + 1)),
      table: { name: { name: e.table } },
    },
    nexthop: { gateways: e.nexthops.map((h) => ({ gateway_address: addressToWire(h, e.family, bytes) })) },
    attributes: { preferences: { 0: { value: e.preference } } },
  };
}

/** Whether CIDR `inner` lies within CIDR `outer` (same family; inner at least as long). */
export function prefixWithin(inner: string, outer: string): boolean {
  const [ia, il] = ipaddr.parseCIDR(inner);
  const [oa, ol] = ipaddr.parseCIDR(outer);
  return ia.kind() === oa.kind() && il >= ol && ia.match(oa, ol);
}

/** RpcStatus + sub_code: SUCCESS, or FAILURE with a message for any other sub code. */
function ribStatus(code: RibStatusCode, message?: string): { status: RpcStatus; sub_code: RibStatusCode } {
  return code === 'SUCCESS'
    ? { status: { code: 'SUCCESS', message: '' }, sub_code: code }
    : { status: { code: 'FAILURE', message: message || code }, sub_code: code };
}

function baseStatus(code: BaseStatusCode, message?: string): { status: RpcStatus; sub_code: BaseStatusCode } {
  return code === 'SUCCESS'
    ? { status: { code: 'SUCCESS', message: '' }, sub_code: code }
    : { status: { code: 'FAILURE', message: message || code }, sub_code: code };
}

/** The RIB's answer as a sub code. */
function subCodeOf(errCode: number): RibStatusCode {
  if (errCode === ErrCode.OK) return 'SUCCESS';
  if (errCode === ErrCode.EXISTS) return 'ROUTE_EXISTS';
  if (errCode === ErrCode.NOT_FOUND) return 'ROUTE_NOT_FOUND';
  return 'INTERNAL_ERROR';
}

/** RouteMatchType as its name (enums arrive as names; numbers accepted too). */
function matchTypeName(t: unknown): string {
  if (typeof t === 'number') return ['BEST', 'EXACT', 'EXACT_OR_LONGER'][t] ?? String(t);
  return String(t ?? 'BEST');
}

/** The `client-id` metadata of a call ('' when none). */
export function clientIdOf(metadata: grpc.Metadata): string {
  const v = metadata.get(CLIENT_ID_METADATA)[0];
  return typeof v === 'string' ? v : v ? v.toString('utf8') : '';
}

const toBuffer = (v: string | Buffer): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v));

/** What a queued call's work produced: the reply, and how many routes it processed (the delay). */
interface Work<T> {
  reply: T;
  routes: number;
}

type SurfaceCall = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'cancelled' | 'getPeer' | 'metadata'>;

export class GrpcServer extends EventEmitter<GrpcServerEvents> {
  readonly counters: GrpcCounters = emptyCounters();
  private readonly rib: Rib;
  private readonly users: Record<string, string>;
  private readonly log: (line: string) => void;
  private server?: net.Server;
  private grpcServer?: grpc.Server;
  private injector?: grpc.ConnectionInjector;
  private boundPort = 0;
  private closing = false;
  private nextConnectionId = 0;
  private nextSessionId = 0;
  /** Every socket accepted, with a promise of its 'close'. */
  private readonly sockets: TrackedSockets;
  /** Open connections by peer string. */
  private readonly connections = new Map<string, Connection>();
  /** Sessions holding a client id (live or lingering). */
  private readonly sessionsByClient = new Map<string, Session>();
  /** Purge time (s) per client id, set by RoutePurgeTimerAdd. */
  private readonly purgeTimes = new Map<string, number>();
  /** Client ids whose routes wait for their purge time (null: kept until the server stops). */
  private readonly purgeTimers = new Map<string, NodeJS.Timeout | null>();
  /** Timers of delayed answers, with what ends each early (close()). */
  private readonly delays = new Delays();

  constructor(private readonly options: GrpcServerOptions) {
    super();
    this.rib = options.rib;
    this.users = options.users ?? { lab: 'lab123' };
    this.log = options.log ?? ((): void => undefined);
    this.sockets = new TrackedSockets(this.log);
  }

  /** Port listened on (0 when not listening). */
  get port(): number {
    return this.server ? this.boundPort : 0;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Snapshot of the sessions holding a client id (live and lingering). */
  sessionList(): GrpcSessionInfo[] {
    return [...this.sessionsByClient.values()];
  }

  /** The purge time (s) that applies to a client id. */
  purgeTimeOf(clientId: string): number {
    return this.purgeTimes.get(clientId) ?? this.options.defaultPurgeTimeS ?? ROUTER_PURGE_TIME_S;
  }

  /** How many `method` calls were answered with `subCode`. */
  subCodeCount(method: string, subCode: string): number {
    return this.counters.subCodes[method]?.[subCode] ?? 0;
  }

  resetCounters(): void {
    Object.assign(this.counters, emptyCounters());
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    if (this.server) throw new Error('grpc server already listening');
    const jet = jetGrpc();
    const grpcServer = new grpc.Server();
    grpcServer.addService(jet.jnx.jet.authentication.Authentication.service, this.authHandlers());
    grpcServer.addService(jet.jnx.jet.routing.base.Base.service, this.baseHandlers());
    grpcServer.addService(jet.jnx.jet.routing.rib.Rib.service, this.ribHandlers());
    const injector = grpcServer.createConnectionInjector(this.credentials());
    const server = net.createServer((socket) => this.onConnection(socket, injector));
    this.boundPort = await listenOrCleanUp(server, port, host, () => {
      injector.destroy();
      grpcServer.forceShutdown();
    });
    server.on('error', (err: Error) => this.log(`grpc: server error: ${err.message}`));
    this.server = server;
    this.grpcServer = grpcServer;
    this.injector = injector;
    this.log(`grpc: listening on ${host}:${this.boundPort}${this.options.tls ? ` (TLS${this.options.tls.requestCert ? ', client certificates required' : ''})` : ''}`);
    this.emit('listening', this.boundPort);
    return this.boundPort;
  }

  /** Destroys every connection now (their sessions end, or linger with lingerMs). */
  closeAllConnections(): void {
    this.sockets.destroyAll();
  }

  /** Ends every lingering session now, as a router that finally noticed its clients are gone. */
  endLingeringSessions(): void {
    for (const s of [...this.sessionsByClient.values()]) if (s.lingering) this.endSession(s, 'lingering session dropped');
  }

  /**
   * Stops as a router's JET daemon stops: stops listening, drops every connection and session,
   * purges every gRPC route (also those waiting for their purge time), forgets the purge times,
   * and waits (bounded) until all sockets are closed.
   */
  async close(): Promise<void> {
    const server = this.server;
    if (!server && !this.grpcServer) return;
    this.server = undefined;
    this.closing = true;
    try {
      await this.sockets.closeWith(server, this.options.closeTimeoutMs ?? 2000, 'grpc');
      for (const s of [...this.sessionsByClient.values()]) this.endSession(s, 'server stopped');
      for (const [clientId, t] of this.purgeTimers) {
        if (t) clearTimeout(t);
        this.purgeNow(clientId, 'server stopped');
      }
      this.purgeTimers.clear();
      this.purgeTimes.clear();
      this.delays.endAll();
      this.injector?.destroy();
      this.grpcServer?.forceShutdown();
      this.injector = undefined;
      this.grpcServer = undefined;
      await handlesSettled();
    } finally {
      this.closing = false;
    }
    this.log('grpc: closed');
  }

  private credentials(): grpc.ServerCredentials {
    const t = this.options.tls;
    if (!t) return grpc.ServerCredentials.createInsecure();
    const cas = t.ca === undefined ? [] : Array.isArray(t.ca) ? t.ca : [t.ca];
    const ca = cas.length > 0 ? Buffer.from(cas.map((c) => toBuffer(c).toString('utf8')).join('\n')) : null;
    return grpc.ServerCredentials.createSsl(ca, [{ private_key: toBuffer(t.key), cert_chain: toBuffer(t.cert) }], t.requestCert ?? false);
  }

  private onConnection(socket: net.Socket, injector: grpc.ConnectionInjector): void {
    const conn = new Connection(++this.nextConnectionId, `${socket.remoteAddress}:${socket.remotePort}`);
    this.sockets.track(socket, `grpc: connection ${conn.id}`);
    socket.once('close', () => this.onConnectionClosed(conn));
    this.connections.set(conn.peer, conn);
    this.counters.connectionsTotal++;
    this.log(`grpc: connection ${conn.id} from ${conn.peer}`);
    this.emit('connection', conn);
    injector.injectConnection(socket);
  }

  private onConnectionClosed(conn: Connection): void {
    conn.closed = true;
    if (this.connections.get(conn.peer) === conn) this.connections.delete(conn.peer);
    const linger = this.closing ? 0 : (this.options.lingerMs ?? 0);
    this.log(`grpc: connection ${conn.id} (${conn.peer}) closed`);
    for (const s of conn.sessions.values()) {
      if (linger <= 0) {
        this.endSession(s, `connection ${conn.id} closed`);
        continue;
      }
      s.lingering = true;
      s.lingerTimer = setTimeout(() => this.endSession(s, `connection ${conn.id} closed ${linger} ms ago`), linger);
      this.log(`grpc: session ${s.id} (client ${s.clientId}) lingers for ${linger} ms`);
    }
    this.emit('disconnect', conn);
  }

  private endSession(s: Session, reason: string): void {
    if (s.ended) return;
    s.ended = true;
    s.lingering = false;
    clearTimeout(s.lingerTimer);
    if (this.sessionsByClient.get(s.clientId) === s) this.sessionsByClient.delete(s.clientId);
    const what = this.schedulePurge(s.clientId, `session ${s.id} ended`);
    this.log(`grpc: session ${s.id} (client ${s.clientId}) ended: ${reason}${what}`);
    this.emit('sessionEnd', s);
  }

  /** Purges a client's routes now, or after its purge time; returns a note for the log. */
  private schedulePurge(clientId: string, reason: string): string {
    const count = this.rib.clientRoutes(clientId).length;
    if (count === 0) return '';
    const seconds = this.purgeTimeOf(clientId);
    const ms = seconds * (this.options.purgeSecondMs ?? 1000);
    if (ms <= 0 || this.closing) {
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
    const purged = this.rib.purgeClient(clientId, reason);
    if (purged.length === 0) return;
    this.log(`grpc: client ${clientId}: ${purged.length} route(s) purged (${reason})`);
    this.emit('purge', clientId, purged);
  }

  /** The session of a call (its connection and its `client-id`), or undefined: counted and logged as refused. */
  private authorize(method: string, call: SurfaceCall): Session | undefined {
    this.counters.calls[method] = (this.counters.calls[method] ?? 0) + 1;
    const peer = call.getPeer();
    const clientId = clientIdOf(call.metadata);
    const session = clientId ? this.connections.get(peer)?.sessions.get(clientId) : undefined;
    this.emit('call', { method, peer, clientId, sessionId: session?.id });
    if (!session) {
      this.counters.unauthenticated++;
      this.log(`grpc: ${method} from ${peer} ${clientId ? `(client ${clientId}) not logged in on this connection` : 'without client-id metadata'}: ${AUTHORIZATION_FAILED}`);
    }
    return session;
  }

  private countSub(method: string, subCode: string): void {
    const perMethod = (this.counters.subCodes[method] ??= {});
    perMethod[subCode] = (perMethod[subCode] ?? 0) + 1;
  }

  /**
   * Runs `work` after the session's earlier calls, then answers its reply routes × routeDelayMs
   * later. Work of a session whose connection closed meanwhile is dropped (a router drops it too,
   * and routes added for a gone session would outlive their purge).
   */
  private enqueue<T extends { sub_code?: unknown }>(
    session: Session,
    method: string,
    call: SurfaceCall,
    work: () => Work<T>,
    answer: (reply: T) => void,
    fail: (err: grpc.ServerErrorResponse | grpc.StatusObject) => void,
  ): void {
    session.queued++;
    this.counters.maxQueued = Math.max(this.counters.maxQueued, session.queued);
    session.queue = session.queue
      .then(async () => {
        if (session.connection.closed) return;
        const { reply, routes } = work();
        this.countSub(method, String(reply.sub_code));
        await this.delays.pause(routes * (this.options.routeDelayMs ?? 0));
        if (!call.cancelled) answer(reply);
      })
      .catch((err: Error) => {
        this.log(`grpc: ${method} of client ${session.clientId} failed: ${err.stack ?? err.message}`);
        if (!call.cancelled) fail({ code: grpc.status.INTERNAL, details: err.message, metadata: new grpc.Metadata() });
      })
      .finally(() => {
        session.queued--;
      });
  }


  /** A unary handler of a logged-in session: refused UNAUTHENTICATED without one, else queued. */
  private unary<Req, Res extends { sub_code?: unknown }>(
    method: string,
    work: (session: Session, request: Req) => Work<Res>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const session = this.authorize(method, call);
      if (!session) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: AUTHORIZATION_FAILED });
        return;
      }
      this.enqueue(
        session,
        method,
        call,
        () => work(session, call.request),
        (reply) => callback(null, reply),
        (err) => callback(err),
      );
    };
  }

  private authHandlers(): AuthenticationHandlers {
    return {
      Login: (call, callback) => {
        this.counters.calls.Login = (this.counters.calls.Login ?? 0) + 1;
        const req = call.request;
        const peer = call.getPeer();
        const clientId = req.client_id || clientIdOf(call.metadata);
        this.emit('call', { method: 'Login', peer, clientId: clientIdOf(call.metadata) });
        const refuse = (message: string): void => {
          this.counters.loginFailures++;
          this.log(`grpc: login of ${JSON.stringify(req.username)} (client ${clientId || '?'}) from ${peer} refused: ${message}`);
          const reply: LoginResponse = { status: { code: 'FAILURE', message } };
          callback(null, reply);
        };
        const conn = this.connections.get(peer);
        if (!conn || conn.closed) return refuse(`connection ${peer} is not known to the simulator`);
        const user = req.username;
        if (!Object.prototype.hasOwnProperty.call(this.users, user) || this.users[user] !== req.password) {
          return refuse('Authentication failed: invalid user name or password');
        }
        if (!clientId) return refuse('client_id is missing');
        const held = this.sessionsByClient.get(clientId);
        if (held && held.connection !== conn) return refuse(`Client Id ${clientId} already exists`);
        let session = held;
        if (!session) {
          session = new Session(++this.nextSessionId, clientId, user, conn);
          conn.sessions.set(clientId, session);
          this.sessionsByClient.set(clientId, session);
          const pending = this.purgeTimers.get(clientId);
          if (pending !== undefined) {
            if (pending) clearTimeout(pending);
            this.purgeTimers.delete(clientId);
          }
        }
        this.counters.logins++;
        const kept = this.rib.clientRoutes(clientId).length;
        this.log(`grpc: session ${session.id}: ${user} logged in (client ${clientId}) from ${peer}${kept ? `; ${kept} route(s) of the client kept` : ''}`);
        this.emit('login', session);
        const reply: LoginResponse = { status: { code: 'SUCCESS', message: '' } };
        callback(null, reply);
      },
    };
  }

  private baseHandlers(): BaseHandlers {
    return {
      RoutePurgeTimerAdd: this.unary('RoutePurgeTimerAdd', (session, req) => {
        if (req.time < PURGE_TIME_MIN_S || req.time > PURGE_TIME_MAX_S) {
          return { reply: baseStatus('INVALID_PARAMS', `time ${req.time} s is out of range ${PURGE_TIME_MIN_S}..${PURGE_TIME_MAX_S}`), routes: 0 };
        }
        this.purgeTimes.set(session.clientId, req.time);
        this.log(`grpc: client ${session.clientId}: purge time ${req.time} s`);
        return { reply: baseStatus('SUCCESS'), routes: 0 };
      }),
      RoutePurgeTimerGet: this.unary('RoutePurgeTimerGet', (session) => ({
        reply: { ...baseStatus('SUCCESS'), time: this.purgeTimeOf(session.clientId) },
        routes: 0,
      })),
      RoutePurgeTimerDelete: this.unary('RoutePurgeTimerDelete', (session) => {
        this.purgeTimes.delete(session.clientId);
        return { reply: baseStatus('SUCCESS'), routes: 0 };
      }),
    };
  }

  private ribHandlers(): RibHandlers {
    const notInitialized = (): ReturnType<typeof ribStatus> => ribStatus('NOT_INITIALIZED', 'RouteInitialize must be called first');
    return {
      RouteInitialize: this.unary('RouteInitialize', (session, req) => {
        const num_client_routes = this.rib.clientRoutes(session.clientId).length;
        if (session.initialized) {
          return { reply: { ...ribStatus('ALREADY_INITIALIZED', 'already initialized'), num_client_routes }, routes: 0 };
        }
        session.initialized = true;
        session.defaultPreference = preferenceOf(req.default_preferences) ?? DEFAULT_PREFERENCE;
        session.replyBytes = (req.default_response_address_format as unknown) === 'ADDRESS_BYTES' || (req.default_response_address_format as unknown) === 1;
        this.log(`grpc: session ${session.id} (client ${session.clientId}) initialized, ${num_client_routes} route(s) of the client`);
        return { reply: { ...ribStatus('SUCCESS'), num_client_routes }, routes: 0 };
      }),
      RouteCleanup: this.unary('RouteCleanup', (session) => {
        if (!session.initialized) return { reply: notInitialized(), routes: 0 };
        const removed = this.rib.purgeClient(session.clientId, `RouteCleanup of client ${session.clientId}`);
        return { reply: ribStatus('SUCCESS'), routes: removed.length };
      }),
      RouteAdd: this.unary('RouteAdd', (session, req) => this.setRoutes(session, req, 'add')),
      RouteModify: this.unary('RouteModify', (session, req) => this.setRoutes(session, req, 'modify')),
      RouteUpdate: this.unary('RouteUpdate', (session, req) => this.setRoutes(session, req, 'update')),
      RouteDelete: this.unary('RouteDelete', (session, req) => this.deleteRoutes(session, req)),
      RouteGet: (call) => {
        const session = this.authorize('RouteGet', call);
        if (!session) {
          call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: AUTHORIZATION_FAILED });
          return;
        }
        this.enqueue(
          session,
          'RouteGet',
          call,
          () => {
            const replies = this.getRoutes(session, call.request);
            return { reply: { replies, sub_code: replies[0].sub_code }, routes: replies.reduce((n, r) => n + (r.routes?.length ?? 0), 0) || 1 };
          },
          ({ replies }) => {
            for (const r of replies) call.write(r);
            call.end();
          },
          (err) => call.emit('error', err),
        );
      },
    };
  }

  /** RouteAdd / RouteModify / RouteUpdate: in order, stopping at the first error. */
  private setRoutes(session: Session, req: RouteUpdateRequest__Output, mode: SetMode): Work<RouteSetOperResponse> {
    const entries = req.routes ?? [];
    const fail = (code: RibStatusCode, message: string, done: number, tried: number): Work<RouteSetOperResponse> => ({
      reply: { ...ribStatus(code, message), operations_completed: done },
      routes: tried,
    });
    if (!session.initialized) return { reply: { ...ribStatus('NOT_INITIALIZED', 'RouteInitialize must be called first'), operations_completed: 0 }, routes: 0 };
    if (entries.length === 0) return fail('REQUEST_INVALID', 'no routes', 0, 0);
    if (entries.length > MAX_ROUTES_PER_REQUEST) return fail('TOO_MANY_OPS', `${entries.length} routes (at most ${MAX_ROUTES_PER_REQUEST} per request)`, 0, 0);
    let done = 0;
    for (const e of entries) {
      const r = entryFromWire(e, session.defaultPreference);
      if (!r.ok) return fail(r.code, `routes[${done}]: ${r.message}`, done, done + 1);
      const res = this.rib.set(r.value, session.owner, mode);
      if (res.errCode !== ErrCode.OK) return fail(subCodeOf(res.errCode), `routes[${done}]: ${res.message ?? ''}`, done, done + 1);
      done++;
    }
    return { reply: { ...ribStatus('SUCCESS'), operations_completed: done }, routes: done };
  }

  private deleteRoutes(session: Session, req: RouteDeleteRequest__Output): Work<RouteSetOperResponse> {
    const keys = req.keys ?? [];
    const fail = (code: RibStatusCode, message: string, done: number, tried: number): Work<RouteSetOperResponse> => ({
      reply: { ...ribStatus(code, message), operations_completed: done },
      routes: tried,
    });
    if (!session.initialized) return fail('NOT_INITIALIZED', 'RouteInitialize must be called first', 0, 0);
    if (keys.length === 0) return fail('REQUEST_INVALID', 'no keys', 0, 0);
    if (keys.length > MAX_ROUTES_PER_REQUEST) return fail('TOO_MANY_OPS', `${keys.length} keys (at most ${MAX_ROUTES_PER_REQUEST} per request)`, 0, 0);
    let done = 0;
    for (const m of keys) {
      const k = matchFromWire(m);
      if (!k.ok) return fail(k.code, `keys[${done}]: ${k.message}`, done, done + 1);
      const res = this.rib.remove(k.value.table, k.value.prefix, session.owner);
      if (res.errCode !== ErrCode.OK) return fail(subCodeOf(res.errCode), `keys[${done}]: ${res.message ?? ''}`, done, done + 1);
      done++;
    }
    return { reply: { ...ribStatus('SUCCESS'), operations_completed: done }, routes: done };
  }

  /** RouteGet's replies (at least one): the client's routes matching the request. */
  private getRoutes(session: Session, req: RouteGetRequest__Output): RouteGetResponse[] {
    if (!session.initialized) return [{ ...ribStatus('NOT_INITIALIZED', 'RouteInitialize must be called first'), routes: [] }];
    const type = matchTypeName(req.match_type);
    let found: RibEntry[];
    if (type === 'EXACT_OR_LONGER' && !req.key?.dest_prefix) {
      // No prefix: every route of the client in the table (both default tables when none is named).
      const name = req.key?.table?.name?.name;
      if (req.key?.table?.route_table_format === 'id') return [{ ...ribStatus('TABLE_INVALID', 'table ids are not supported by the simulator'), routes: [] }];
      found = this.rib.clientRoutes(session.clientId).filter((e) => (name ? e.table === name : e.table === 'inet.0' || e.table === 'inet6.0'));
    } else {
      const k = matchFromWire(req.key);
      if (!k.ok) return [{ ...ribStatus(k.code, k.message), routes: [] }];
      const { table, prefix } = k.value;
      const mine = (): RibEntry[] => this.rib.clientRoutes(session.clientId, table);
      if (type === 'EXACT') {
        // One lookup, not a scan: a client reading back each of 20,000 routes stays linear.
        const e = this.rib.get(table, prefix);
        found = e && e.api === 'grpc' && e.clientId === session.clientId ? [e] : [];
      } else if (type === 'EXACT_OR_LONGER') found = mine().filter((e) => prefixWithin(e.prefix, prefix));
      else if (type === 'BEST') {
        const containing = mine().filter((e) => prefixWithin(prefix, e.prefix));
        const best = containing.sort((a, b) => Number(b.prefix.split('/')[1]) - Number(a.prefix.split('/')[1]))[0];
        found = best ? [best] : [];
      } else return [{ ...ribStatus('REQUEST_INVALID', `unknown match_type ${type}`), routes: [] }];
    }
    if (req.route_count > 0) found = found.slice(0, req.route_count);
    if (found.length === 0) return [{ ...ribStatus('ROUTE_NOT_FOUND', 'no route matches'), routes: [] }];
    const replies: RouteGetResponse[] = [];
    for (let i = 0; i < found.length; i += ROUTES_PER_GET_REPLY) {
      replies.push({ ...ribStatus('SUCCESS'), routes: found.slice(i, i + ROUTES_PER_GET_REPLY).map((e) => entryToWire(e, session.replyBytes)) });
    }
    return replies;
  }
}
