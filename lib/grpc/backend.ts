/**
 * The gRPC JET backend (`jnx.jet`, every Junos from 19.4 to 24.4, docs/protocol.md §6): one HTTP/2
 * channel per connection carrying Authentication, Base (purge timer) and Rib, up to 1,000 routes
 * per request. The session skeleton (queue, window, deadlines, backoff, half-open, re-login) is
 * lib/core/rpc-session.ts; this file is the connection, the login and the route calls.
 *
 *  - every open() makes a fresh channel with its own subchannel (a new TCP connection is a new,
 *    not-logged-in JET session): the wire closes the channel as soon as it leaves READY, so grpc-js
 *    never reconnects silently under a logged-in session;
 *  - Login, RoutePurgeTimerAdd (when a purge time is set; a refusal is a 'warning', not a failed
 *    connect) and RouteInitialize, all within the connect bound; `client-id` metadata on every call;
 *  - a port that fails at the HTTP/2 level is probed with a raw HTTP/2 preface: a Thrift JET port
 *    gets "speaks Thrift JET, not gRPC";
 *  - a request's routes are processed in order and stop at the first error: routes before it
 *    succeeded, it gets the sub_code, the routes after it go again in a following request.
 */
import * as net from 'net';
import * as tls from 'tls';
import * as grpc from '@grpc/grpc-js';
import * as ipaddr from 'ipaddr.js';
import type { EnumTypeDefinition } from '@grpc/proto-loader';
import type { RouteSpec } from '../core/route-spec';
import {
  BackendOptions,
  ConnectionLostError,
  Connector,
  failedCall,
  InstalledRoute,
  LoginRejectedError,
  NotLoggedInError,
  OpOptions,
  ReadyInfo,
  RouteBackend,
  RouteReply,
  SessionError,
  unanswered,
  Wire,
} from '../core/backend';
import { RpcSession } from '../core/rpc-session';
import { noChangeMessage } from '../core/route-status';
import { wrongApiMessage } from '../core/api-mismatch';
import { jetGrpc } from './proto';
import { notHttp2, probeHttp2, probeTls } from '../net/probe';
import { seconds } from '../net/socket';
import type { AuthenticationClient } from '../gen-grpc/jnx/jet/authentication/Authentication';
import type { LoginResponse__Output } from '../gen-grpc/jnx/jet/authentication/LoginResponse';
import type { BaseClient } from '../gen-grpc/jnx/jet/routing/base/Base';
import type { NetworkAddress, NetworkAddress__Output } from '../gen-grpc/jnx/jet/routing/base/NetworkAddress';
import type { RoutePurgeTimerAddResponse__Output } from '../gen-grpc/jnx/jet/routing/base/RoutePurgeTimerAddResponse';
import type { RibClient } from '../gen-grpc/jnx/jet/routing/rib/Rib';
import type { RouteEntry, RouteEntry__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteEntry';
import type { RouteMatch } from '../gen-grpc/jnx/jet/routing/rib/RouteMatch';
import type { RouteGetResponse__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteGetResponse';
import type { RouteInitializeResponse__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteInitializeResponse';
import type { RouteSetOperResponse__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteSetOperResponse';

/** Requests written and unanswered at a time: each carries up to {@link GRPC_MAX_ROUTES_PER_REQUEST} routes. */
export const GRPC_MAX_IN_FLIGHT = 8;
/** Most routes one RouteAdd / RouteUpdate / RouteDelete request may carry (the API's limit). */
export const GRPC_MAX_ROUTES_PER_REQUEST = 1000;
/**
 * Keepalive ping interval while calls are open: a connection that stopped answering is found within
 * this plus the ping timeout. An idle connection is not pinged by default: gRPC's C core (what a
 * router's server most likely is) closes a connection that pings more often than every 5 minutes
 * without calls ("too_many_pings"), which would cost a re-login every idle minute. An idle
 * half-open connection is found by the next call's deadline instead.
 */
export const GRPC_KEEPALIVE_TIME_MS = 30000;
export const GRPC_KEEPALIVE_TIMEOUT_MS = 10000;
/** The metadata key carrying the client id on every call (Juniper's own RIB client sends it). */
export const CLIENT_ID_METADATA = 'client-id';
/** Longest the connect bound keeps back for the HTTP/2 probe after a failed Login. */
const PROBE_RESERVE_MS = 1000;
const PROBE_MARGIN_MS = 50;
/** The largest setTimeout delay: grpc-js's idle timer must never fire (entering IDLE would drop the session). */
const NEVER_IDLE_MS = 0x7fffffff;

export interface GrpcBackendOptions extends BackendOptions {
  /** Keepalive ping interval (default {@link GRPC_KEEPALIVE_TIME_MS}). */
  keepaliveTimeMs?: number;
  /** How long a ping may wait for its answer before the connection counts as gone (default {@link GRPC_KEEPALIVE_TIMEOUT_MS}). */
  keepaliveTimeoutMs?: number;
  /** Ping an idle connection too (off by default: see {@link GRPC_KEEPALIVE_TIME_MS}). */
  keepaliveWithoutCalls?: boolean;
  /** More grpc-js channel options (tests); they win over ours. */
  channelOptions?: grpc.ChannelOptions;
}

export type GrpcRouteMethod = 'RouteAdd' | 'RouteUpdate' | 'RouteDelete';
type GrpcOp = 'add' | 'assert' | 'delete';
const METHOD: Readonly<Record<GrpcOp, GrpcRouteMethod>> = { add: 'RouteAdd', assert: 'RouteUpdate', delete: 'RouteDelete' };

// ---------------------------------------------------------------- codes

interface CodeTable {
  byName: Map<string, number>;
  byNumber: Map<number, string>;
}

let ribCodes: CodeTable | null = null;
let baseCodes: CodeTable | null = null;

function tableOf(def: EnumTypeDefinition): CodeTable {
  const values = (def.type as { value?: { name: string; number: number }[] }).value ?? [];
  return {
    byName: new Map(values.map((v) => [v.name, v.number])),
    byNumber: new Map(values.map((v) => [v.number, v.name])),
  };
}

function codeOf(table: CodeTable, value: unknown): { code: number; name: string } {
  if (typeof value === 'number') return { code: value, name: table.byNumber.get(value) ?? `sub_code ${value}` };
  if (typeof value === 'string' && table.byName.has(value)) return { code: table.byName.get(value)!, name: value };
  if (value === undefined || value === null || value === '') return { code: 0, name: table.byNumber.get(0) ?? 'SUCCESS' };
  return { code: -1, name: String(value) };
}

/** A `jnx.jet.routing.rib.StatusCode` (a name, or a number the proto does not know) as its number and name. */
export function ribCode(value: unknown): { code: number; name: string } {
  ribCodes ??= tableOf(jetGrpc().jnx.jet.routing.rib.StatusCode);
  return codeOf(ribCodes, value);
}

/** A `jnx.jet.routing.base.StatusCode` as its number and name. */
export function baseCode(value: unknown): { code: number; name: string } {
  baseCodes ??= tableOf(jetGrpc().jnx.jet.routing.base.StatusCode);
  return codeOf(baseCodes, value);
}

function isSuccess(status: { code?: unknown } | null | undefined): boolean {
  const code = status?.code;
  return code === undefined || code === 'SUCCESS' || code === 0;
}

// ---------------------------------------------------------------- routes on the wire

/** An address as a `routing.base.NetworkAddress`, inet or inet6 by its own family. */
export function networkAddress(ip: string): NetworkAddress {
  return net.isIPv6(ip) ? { inet6: { addr_string: ip } } : { inet: { addr_string: ip } };
}

/** The RouteMatch (key) of a spec: prefix address and length, table by name. */
export function toRouteMatch(spec: RouteSpec): RouteMatch {
  const slash = spec.prefix.lastIndexOf('/');
  const addr = slash < 0 ? spec.prefix : spec.prefix.slice(0, slash);
  const len = slash < 0 ? (spec.family === 'inet6' ? 128 : 32) : Number(spec.prefix.slice(slash + 1));
  return {
    dest_prefix: spec.family === 'inet6' ? { inet6: { addr_string: addr } } : { inet: { addr_string: addr } },
    dest_prefix_len: len,
    table: { name: { name: spec.table } },
  };
}

/** The RouteEntry of a spec: key, one gateway per next hop (several: ECMP), preference. No metric: the API has none. */
export function toRouteEntry(spec: RouteSpec): RouteEntry {
  return {
    key: toRouteMatch(spec),
    nexthop: { gateways: spec.nexthops.map((ip) => ({ gateway_address: networkAddress(ip) })) },
    attributes: { preferences: { 0: { value: spec.preference } } },
  };
}

function addressText(address: NetworkAddress__Output | null | undefined): string {
  const ip = address?.inet ?? address?.inet6;
  if (!ip) return '';
  if (typeof ip.addr_string === 'string' && ip.addr_string !== '') return ip.addr_string;
  const bytes = ip.addr_bytes;
  if (bytes && (bytes.length === 4 || bytes.length === 16)) return ipaddr.fromByteArray([...bytes]).toString();
  return '';
}

/** A RouteGet answer's route, as the route client reads it. */
export function installedOf(entry: RouteEntry__Output, table: string): InstalledRoute {
  const key = entry.key;
  const pref = entry.attributes?.preferences?.[0];
  return {
    prefix: `${addressText(key?.dest_prefix)}/${key?.dest_prefix_len ?? 0}`,
    table: key?.table?.name?.name || table,
    nexthops: (entry.nexthop?.gateways ?? []).map((g) => addressText(g.gateway_address)).filter((ip) => ip !== ''),
    preference: pref && typeof pref.value === 'number' ? [pref.value] : [],
    metric: [],
  };
}

// ---------------------------------------------------------------- errors in words

/** The sentence for a clear-text connection to a port that answers TLS. */
export function tlsExpectedMessage(where: string): string {
  return `${where} answers TLS: turn TLS on for this jet-router (the router's JET gRPC service is set to ssl)`;
}

/** grpc-js's connection failure details in words a network engineer acts on. */
export function describeGrpcFailure(details: string, port: number): string {
  const raw = details
    .replace(/^No connection established\. Last error: /, '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/g, '')
    .replace(/\.?\s*Resolution note:\s*$/, '')
    .trim();
  // Without "Error [ERR_TLS_...]: ": the words, not the code (which still classifies below).
  const text = raw.replace(/^Error(?: \[[A-Z0-9_]+\])?: /, '');
  if (/ECONNREFUSED/.test(text)) {
    return `connection refused (is the JET gRPC service enabled on that address and port? set system services extension-service request-response grpc clear-text port ${port})`;
  }
  if (/ENOTFOUND|EAI_AGAIN|Name resolution failed|DNS resolution failed/i.test(text)) return 'host name not found';
  if (/ETIMEDOUT/.test(text)) return 'connection timed out';
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'host unreachable';
  if (/wrong version number|packet length too long|http request/i.test(text)) {
    return 'TLS error: the port does not answer TLS (is the router\'s JET gRPC service set to clear-text?)';
  }
  if (/certificate|\bSSL\b|\bTLS\b|self[- ]signed|UNABLE_TO|ERR_TLS|ERR_SSL|altnames|Hostname\/IP does not match|handshake|alert/i.test(raw)) {
    return `TLS error: ${text}`;
  }
  if (/ECONNRESET/.test(text)) return 'connection reset by the router';
  return `gRPC connection failed: ${text || 'no reason given'}`;
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

function statusName(code: number): string {
  return grpc.status[code] ?? `gRPC status ${code}`;
}

/** Whether a call's failure was made on this side or by the transport (not an answer of the router). */
function isLocal(code: number): boolean {
  return code === grpc.status.CANCELLED || code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

/** A gRPC status the router answered a route call with (not a connection failure). */
export class GrpcCallError extends Error {
  constructor(
    message: string,
    readonly codeName: string,
  ) {
    super(message);
    this.name = 'GrpcCallError';
  }
}

// ---------------------------------------------------------------- the connection

/**
 * The sockets of one channel. grpc-js never aborts an HTTP/2 handshake in progress when its
 * channel closes (a port that accepts and stays silent keeps the socket until the peer closes it),
 * nor closes a READY transport at once: the wire destroys its sockets itself when it closes.
 */
export class ChannelSockets {
  private readonly sockets = new Set<net.Socket>();
  private destroyed = false;

  add(socket: net.Socket): void {
    if (this.destroyed) {
      socket.destroy();
      return;
    }
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  get size(): number {
    return this.sockets.size;
  }

  destroyAll(): void {
    this.destroyed = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

type SecureConnector = ReturnType<grpc.ChannelCredentials['_createSecureConnector']>;

/** Channel credentials that hand every socket of the channel (TCP, then TLS) to a {@link ChannelSockets}. */
class TrackedCredentials extends grpc.ChannelCredentials {
  constructor(
    private readonly inner: grpc.ChannelCredentials,
    private readonly sockets: ChannelSockets,
  ) {
    super();
  }

  _isSecure(): boolean {
    return this.inner._isSecure();
  }

  _equals(other: grpc.ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(...args: Parameters<grpc.ChannelCredentials['_createSecureConnector']>): SecureConnector {
    const connector = this.inner._createSecureConnector(...args);
    const sockets = this.sockets;
    return {
      connect(socket) {
        sockets.add(socket);
        return connector.connect(socket).then((result) => {
          sockets.add(result.socket);
          return result;
        });
      },
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  }
}

type UnaryStart<T> = (metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<T>) => grpc.ClientUnaryCall;
type StreamStart<T> = (metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<T>;

/** One channel (one TCP or TLS connection) with its Authentication, Base and Rib clients. */
export class GrpcWire implements Wire {
  received = 0;
  readonly channel: grpc.Channel;
  private readonly active = new Set<grpc.Call>();
  private readonly listeners: ((reason: string) => void)[] = [];
  private closedReason: string | null = null;
  private wasReady = false;

  constructor(
    readonly rib: RibClient,
    readonly auth: AuthenticationClient,
    readonly base: BaseClient,
    private readonly clientId: string,
    private readonly sockets: ChannelSockets = new ChannelSockets(),
  ) {
    this.channel = rib.getChannel() as grpc.Channel;
    this.watch();
  }

  /** Why the connection is gone; null while it is open. */
  get closed(): string | null {
    return this.closedReason;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== null) {
      const reason = this.closedReason;
      process.nextTick(() => listener(reason));
      return;
    }
    this.listeners.push(listener);
  }

  close(reason: string): void {
    this.gone(reason);
  }

  /** A unary call with `client-id` metadata and `deadlineMs`; rejects with the grpc ServiceError (or ConnectionLostError once closed). */
  unary<T>(start: UnaryStart<T>, deadlineMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closedReason !== null) {
        reject(new ConnectionLostError(this.closedReason));
        return;
      }
      let call: grpc.ClientUnaryCall | null = null;
      let done = false;
      try {
        call = start(this.metadata(), { deadline: deadlineMs }, (err, value) => {
          done = true;
          if (call) this.active.delete(call);
          if (!err || !isLocal(err.code)) this.received++;
          if (err) reject(err);
          else resolve(value as T);
        });
      } catch (err) {
        reject(new ConnectionLostError(`the gRPC channel refused the call: ${(err as Error).message}`));
        return;
      }
      if (!done) this.active.add(call);
    });
  }

  /** A server-streaming call: `onData` gets every answer; resolves when the stream ends. */
  stream<T>(start: StreamStart<T>, deadlineMs: number, onData: (value: T) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closedReason !== null) {
        reject(new ConnectionLostError(this.closedReason));
        return;
      }
      let call: grpc.ClientReadableStream<T>;
      try {
        call = start(this.metadata(), { deadline: deadlineMs });
      } catch (err) {
        reject(new ConnectionLostError(`the gRPC channel refused the call: ${(err as Error).message}`));
        return;
      }
      this.active.add(call);
      let settled = false;
      call.on('data', (value: T) => {
        this.received++;
        if (settled) return;
        try {
          onData(value);
        } catch (err) {
          settled = true;
          this.active.delete(call);
          call.cancel();
          reject(err as Error);
        }
      });
      call.on('error', (err: grpc.ServiceError) => {
        this.active.delete(call);
        if (!isLocal(err.code)) this.received++;
        if (settled) return;
        settled = true;
        reject(err);
      });
      call.on('end', () => {
        this.active.delete(call);
        this.received++;
        if (settled) return;
        settled = true;
        resolve();
      });
    });
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set(CLIENT_ID_METADATA, this.clientId);
    return metadata;
  }

  /** Follows the channel: once READY, any other state means the connection is gone. */
  private watch(): void {
    if (this.closedReason !== null) return;
    const state = this.channel.getConnectivityState(false);
    if (state === grpc.connectivityState.READY) {
      this.wasReady = true;
    } else if (state === grpc.connectivityState.SHUTDOWN) {
      this.gone('the gRPC channel was shut down');
      return;
    } else if (this.wasReady) {
      // IDLE: the router closed the connection (or a keepalive ping went unanswered); TRANSIENT_FAILURE: it broke.
      this.gone('connection to the router lost');
      return;
    }
    this.channel.watchConnectivityState(state, Infinity, () => this.watch());
  }

  private gone(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    const calls = [...this.active];
    this.active.clear();
    for (const call of calls) call.cancel();
    try {
      this.channel.close();
    } catch {
      /* already shut down */
    }
    this.sockets.destroyAll();
    const listeners = this.listeners.splice(0);
    for (const listener of listeners) listener(reason);
  }
}

// ---------------------------------------------------------------- connect and log in

function channelTarget(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

export class GrpcConnector implements Connector<GrpcWire> {
  readonly api = 'grpc' as const;
  /** Told (once per connector) that the router refused RoutePurgeTimerAdd. */
  onWarning: (text: string) => void = () => undefined;
  private purgeRefusalTold = false;

  constructor(private readonly opts: GrpcBackendOptions) {}

  /** A fresh channel (never shared with an earlier connection) and its three clients. */
  createWire(): GrpcWire {
    const { host, port } = this.opts;
    const services = jetGrpc().jnx.jet;
    const options: grpc.ChannelOptions = {
      // A connection of our own: a new TCP connection is a new JET session, never a shared one.
      'grpc.use_local_subchannel_pool': 1,
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
      'grpc.keepalive_time_ms': this.opts.keepaliveTimeMs ?? GRPC_KEEPALIVE_TIME_MS,
      'grpc.keepalive_timeout_ms': this.opts.keepaliveTimeoutMs ?? GRPC_KEEPALIVE_TIMEOUT_MS,
      'grpc.keepalive_permit_without_calls': this.opts.keepaliveWithoutCalls ? 1 : 0,
      'grpc.client_idle_timeout_ms': NEVER_IDLE_MS,
      ...this.tlsNameOptions(),
      ...this.opts.channelOptions,
    };
    const sockets = new ChannelSockets();
    const credentials = new TrackedCredentials(this.credentials(), sockets);
    const rib = new services.routing.rib.Rib(channelTarget(host, port), credentials, options);
    const shared = { channelOverride: rib.getChannel() };
    const auth = new services.authentication.Authentication(channelTarget(host, port), credentials, shared);
    const base = new services.routing.base.Base(channelTarget(host, port), credentials, shared);
    return new GrpcWire(rib, auth, base, this.opts.clientId, sockets);
  }

  private credentials(): grpc.ChannelCredentials {
    const tlsOptions = this.opts.tls;
    if (!tlsOptions) return grpc.credentials.createInsecure();
    // Node's own TLS options (ca, cert, key, passphrase, pfx, ...) as one secure context.
    const context = tlsOptions.secureContext ?? tls.createSecureContext(tlsOptions);
    const verify: grpc.VerifyOptions = {};
    if (tlsOptions.rejectUnauthorized !== undefined) verify.rejectUnauthorized = tlsOptions.rejectUnauthorized;
    if (tlsOptions.checkServerIdentity) verify.checkServerIdentity = tlsOptions.checkServerIdentity;
    return grpc.credentials.createFromSecureContext(context, verify);
  }

  private tlsNameOptions(): grpc.ChannelOptions {
    const servername = this.opts.tls?.servername;
    if (!servername) return {};
    return { 'grpc.ssl_target_name_override': servername, 'grpc.default_authority': servername };
  }

  open(timeoutMs: number): Promise<{ wire: GrpcWire; info: ReadyInfo }> {
    const where = `${this.opts.host}:${this.opts.port}`;
    const started = Date.now();
    const deadline = started + timeoutMs;
    return new Promise((resolve, reject) => {
      let wire: GrpcWire;
      try {
        wire = this.createWire();
      } catch (err) {
        const message = (err as Error).message;
        reject(new Error(this.opts.tls ? `TLS error: ${message}` : message));
        return;
      }
      let done = false;
      const abort = new AbortController();
      const fail = (err: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        abort.abort();
        wire.close('connect failed');
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`no connection and login within ${seconds(timeoutMs)} s`)), timeoutMs);
      this.login(wire, where, started, deadline, abort.signal).then(
        async () => {
          if (done) return;
          // From here on the channel was READY: if it leaves READY, this session is gone.
          wire.onClose((reason) => fail(new Error(`${reason} during login`)));
          if (typeof this.opts.purgeTimeS === 'number') await this.purgeTimer(wire, deadline);
          if (done) return;
          const clientRoutes = await this.initialize(wire, deadline);
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ wire, info: { clientRoutes } });
        },
        (err: Error) => fail(err),
      ).catch((err: Error) => fail(err));
    });
  }

  private async login(wire: GrpcWire, where: string, started: number, deadline: number, signal: AbortSignal): Promise<void> {
    const total = deadline - started;
    // Keep back a little of the bound for the HTTP/2 probe a failed connection needs.
    const reserve = Math.min(PROBE_RESERVE_MS, Math.floor(total / 3));
    const request = { username: this.opts.username, password: this.opts.password, client_id: this.opts.clientId, group_id: '' };
    let reply: LoginResponse__Output;
    try {
      reply = await wire.unary<LoginResponse__Output>((md, o, cb) => wire.auth.Login(request, md, o, cb), deadline - reserve);
    } catch (err) {
      throw await this.loginFailure(err as Error, wire, where, deadline, total, signal);
    }
    if (!isSuccess(reply.status)) {
      const message = reply.status?.message ?? '';
      const why = message ? `: ${message}` : '';
      throw new LoginRejectedError(`login failed for user ${this.opts.username}${why}`, /client.?id\b.*already exist/i.test(message));
    }
  }

  /** Why Login got no answer: a refused login, the wrong API on that port, or the connection in words. */
  private async loginFailure(err: Error, wire: GrpcWire, where: string, deadline: number, total: number, signal: AbortSignal): Promise<Error> {
    if (!isServiceError(err)) return err instanceof ConnectionLostError ? new Error(err.message) : err;
    if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.PERMISSION_DENIED) {
      return new LoginRejectedError(`login failed for user ${this.opts.username}: ${err.details}`, /client.?id\b.*already exist/i.test(err.details));
    }
    if (err.code === grpc.status.UNIMPLEMENTED) {
      return new Error(`${where} does not serve the jnx.jet Authentication API (${err.details}): Junos 19.4 or later needed`);
    }
    if (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.DEADLINE_EXCEEDED && err.code !== grpc.status.CANCELLED) {
      return new Error(`login failed: ${statusName(err.code)}: ${err.details}`);
    }
    // The connection failed at the HTTP/2 level (or never got an HTTP/2 answer): is it a Thrift port?
    const reason = wire.closed ?? err.details;
    wire.close('login failed');
    const probe = await probeHttp2({
      host: this.opts.host,
      port: this.opts.port,
      tls: this.opts.tls,
      // Settles before the connect bound's own timer, so that its answer is the one given.
      timeoutMs: Math.max(100, deadline - Date.now() - PROBE_MARGIN_MS),
      signal,
    });
    if (probe === 'closed' && !this.opts.tls) {
      // A TLS server closes at the preface too: tell "turn TLS on" from "this is Thrift".
      const tlsProbe = await probeTls({
        host: this.opts.host,
        port: this.opts.port,
        timeoutMs: Math.max(100, Math.min(PROBE_RESERVE_MS, deadline - Date.now() - PROBE_MARGIN_MS)),
        signal,
      });
      if (tlsProbe === 'tls') return new Error(tlsExpectedMessage(where));
    }
    if (notHttp2(probe)) return new Error(wrongApiMessage('thrift'));
    if (err.code === grpc.status.DEADLINE_EXCEEDED) return new Error(`no connection and login within ${seconds(total)} s`);
    return new Error(describeGrpcFailure(reason, this.opts.port));
  }

  /**
   * RoutePurgeTimerAdd. A refusal, for whatever reason (the time out of the IDL's range, a router
   * without the call), does not fail the connect: that would log in again and be refused again,
   * forever. The router's default purge time applies; the first refusal is told. Only a lost
   * connection fails the connect, as for any call of the login.
   */
  private async purgeTimer(wire: GrpcWire, deadline: number): Promise<void> {
    const time = this.opts.purgeTimeS!;
    let refusal: string;
    try {
      const reply = await wire.unary<RoutePurgeTimerAddResponse__Output>((md, o, cb) => wire.base.RoutePurgeTimerAdd({ time }, md, o, cb), deadline);
      if (isSuccess(reply.status)) return;
      refusal = `${baseCode(reply.sub_code).name}${reply.status?.message ? `: ${reply.status.message}` : ''}`;
    } catch (err) {
      const lost = !isServiceError(err) || [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED].includes(err.code);
      if (lost) throw setupError('RoutePurgeTimerAdd', err as Error, this.opts.port);
      refusal = `${statusName(err.code)}: ${err.details}`;
    }
    if (this.purgeRefusalTold) return;
    this.purgeRefusalTold = true;
    this.onWarning(`RoutePurgeTimerAdd ${time} s refused: ${refusal}; the router keeps this client's routes for its own default purge time after a session ends`);
  }

  private async initialize(wire: GrpcWire, deadline: number): Promise<number> {
    let reply: RouteInitializeResponse__Output;
    try {
      reply = await wire.unary<RouteInitializeResponse__Output>((md, o, cb) => wire.rib.RouteInitialize({}, md, o, cb), deadline);
    } catch (err) {
      throw setupError('RouteInitialize', err as Error, this.opts.port);
    }
    const sub = ribCode(reply.sub_code);
    if (!isSuccess(reply.status) && sub.name !== 'ALREADY_INITIALIZED') {
      const message = reply.status?.message ? `: ${reply.status.message}` : '';
      throw new Error(`RouteInitialize failed: ${sub.name}${message}`);
    }
    return reply.num_client_routes ?? 0;
  }
}

/** A failure of a call made while opening the session, in words. */
function setupError(method: string, err: Error, port: number): Error {
  if (err instanceof ConnectionLostError) return new Error(`${err.message} during login`);
  if (!isServiceError(err)) return err;
  if (err.code === grpc.status.UNIMPLEMENTED) {
    return new Error(`the router does not implement ${method} (${err.details}): the jnx.jet RIB API of Junos 19.4 or later is needed`);
  }
  if (err.code === grpc.status.UNAVAILABLE) return new Error(`${describeGrpcFailure(err.details, port)} (during ${method})`);
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return new Error(`no answer to ${method} within the connect bound`);
  return new Error(`${method} failed: ${statusName(err.code)}: ${err.details}`);
}

// ---------------------------------------------------------------- the backend

/** How one request ended: routes [0, completed) succeeded; `failure` is route `completed`'s reply (null: resend from there). */
interface RequestOutcome {
  completed: number;
  failure: RouteReply | null;
}

function successReply(op: GrpcOp): RouteReply {
  return { status: op === 'delete' ? 'deleted' : 'added', code: 0, codeName: 'SUCCESS', message: op === 'delete' ? 'deleted' : 'added', answered: true };
}

/** The reply of the route a request stopped at. */
export function subCodeReply(method: GrpcRouteMethod, subCode: unknown, routerMessage: string): RouteReply {
  const sub = ribCode(subCode);
  if (method === 'RouteAdd' && sub.name === 'ROUTE_EXISTS') {
    return { status: 'unchanged', code: sub.code, codeName: sub.name, message: noChangeMessage('route already exists', routerMessage), answered: true };
  }
  if (method === 'RouteDelete' && sub.name === 'ROUTE_NOT_FOUND') {
    return { status: 'unchanged', code: sub.code, codeName: sub.name, message: noChangeMessage('route not found', routerMessage), answered: true };
  }
  // A failure without a sub_code is a failure all the same.
  const name = sub.code === 0 ? 'FAILURE' : sub.name;
  const code = sub.code === 0 ? 1 : sub.code;
  return { status: 'failed', code, codeName: name, message: `${method} failed: ${name}${routerMessage ? `: ${routerMessage}` : ''}`, answered: true };
}

/** A route call's failure as a route reply: no answer (session), or the router's gRPC error for the whole call. */
export function grpcReplyOfError(err: Error): RouteReply {
  if (err instanceof GrpcCallError) return failedCall(err.codeName, err.message);
  return unanswered(err);
}

export class GrpcBackend extends RpcSession<GrpcWire> implements RouteBackend {
  readonly api = 'grpc' as const;
  /** `jnx.jet` routes have no metric: the route client warns when one is given. */
  readonly carriesMetric = false;

  constructor(opts: GrpcBackendOptions) {
    const connector = new GrpcConnector(opts);
    super(connector, { ...opts, maxInFlight: GRPC_MAX_IN_FLIGHT });
    connector.onWarning = (text) => this.emit('warning', text);
  }

  add(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    return this.batch('add', specs, options);
  }

  /** RouteUpdate: adds the routes or makes them be as given. */
  assert(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    return this.batch('assert', specs, options);
  }

  delete(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    return this.batch('delete', specs, options);
  }

  /**
   * RouteGet, EXACT match: the route(s) of this client id at `table`/`prefix` (every route of the
   * table when `prefix` is ''). `appId` is not part of gRPC: routes belong to the client id.
   */
  async get(_appId: string, table: string, prefix: string): Promise<InstalledRoute[]> {
    const all = prefix === '';
    const family = (all ? /inet6/.test(table) : prefix.includes(':')) ? 'inet6' : 'inet';
    const match = all ? (family === 'inet6' ? '::/0' : '0.0.0.0/0') : prefix;
    const key = toRouteMatch({ appId: '', prefix: match, family, table, nexthops: [], preference: 0, metric: 0 });
    const match_type = all ? ('EXACT_OR_LONGER' as const) : ('EXACT' as const);
    const request = { key, match_type, active_only: false, reply_table_format: 'TABLE_STRING' as const, route_count: 0 };
    return this.call('RouteGet', async (wire, deadlineMs) => {
      const routes: InstalledRoute[] = [];
      let notFound = false;
      try {
        await wire.stream<RouteGetResponse__Output>(
          (md, o) => wire.rib.RouteGet(request, md, o),
          deadlineMs,
          (reply) => {
            const sub = ribCode(reply.sub_code);
            if (sub.name === 'ROUTE_NOT_FOUND') {
              notFound = true;
              return;
            }
            if (sub.name === 'NOT_INITIALIZED') throw new NotLoggedInError(`RouteGet: NOT_INITIALIZED${reply.status?.message ? `: ${reply.status.message}` : ''}`);
            if (!isSuccess(reply.status) || sub.code !== 0) {
              throw new Error(`RouteGet ${table} ${prefix || '(all)'} failed: ${sub.name}${reply.status?.message ? `: ${reply.status.message}` : ''}`);
            }
            for (const entry of reply.routes ?? []) routes.push(installedOf(entry, table));
          },
        );
      } catch (err) {
        throw await this.callError('RouteGet', err as Error, wire);
      }
      return notFound && routes.length === 0 ? [] : routes;
    });
  }

  /**
   * Gathers the small calls of one event-loop turn (one message of one route each, a burst of
   * events) into shared requests of up to 1,000 routes, in the order they were made: one gRPC call
   * costs far more than one route in it. A call of 1,000 routes or more goes as it is. Each caller
   * gets its own replies. Never rejects.
   */
  private batch(op: GrpcOp, specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    if (specs.length === 0) return Promise.resolve([]);
    const once = options?.once === true;
    if (specs.length >= GRPC_MAX_ROUTES_PER_REQUEST) {
      this.flushGathered();
      return this.send(op, specs, options);
    }
    return new Promise<RouteReply[]>((resolve) => {
      // A flush is due whenever something is gathered: the first call gathered schedules it.
      const flushDue = this.gathered.length > 0;
      let open = this.gathered[this.gathered.length - 1];
      // Only the last open batch takes more: calls stay in the order they were made.
      if (!open || open.op !== op || open.once !== once || open.specs.length + specs.length > GRPC_MAX_ROUTES_PER_REQUEST) {
        open = { op, once, specs: [], waiters: [] };
        this.gathered.push(open);
      }
      open.waiters.push({ from: open.specs.length, count: specs.length, resolve });
      for (const spec of specs) open.specs.push(spec);
      if (!flushDue) {
        // A lone call (nothing in flight) goes at the end of its tick, as the Thrift channel writes:
        // waiting for the end of the event-loop turn would only add latency to a single event.
        // Calls in a burst (others in flight) wait for the turn's end and share a request.
        const { inFlight, queued } = this.load;
        if (inFlight === 0 && queued === 0) process.nextTick(() => this.flushGathered());
        else this.flushTimer = setImmediate(() => this.flushGathered());
      }
    });
  }

  private gathered: Array<{ op: GrpcOp; once: boolean; specs: RouteSpec[]; waiters: Array<{ from: number; count: number; resolve: (r: RouteReply[]) => void }> }> = [];
  private flushTimer: NodeJS.Immediate | null = null;

  private flushGathered(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    const batches = this.gathered;
    this.gathered = [];
    for (const b of batches) {
      void this.send(b.op, b.specs, { once: b.once }).then((replies) => {
        for (const w of b.waiters) w.resolve(w.from === 0 && w.count === replies.length ? replies : replies.slice(w.from, w.from + w.count));
      });
    }
  }

  /** Runs `specs` in requests of up to 1,000 routes; one reply per spec, in order. Never rejects. */
  private async send(op: GrpcOp, specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    const replies: RouteReply[] = new Array<RouteReply>(specs.length);
    const runs: Promise<void>[] = [];
    for (let start = 0; start < specs.length; start += GRPC_MAX_ROUTES_PER_REQUEST) {
      runs.push(this.run(op, specs, start, Math.min(start + GRPC_MAX_ROUTES_PER_REQUEST, specs.length), replies, options));
    }
    await Promise.all(runs);
    return replies;
  }

  /** Sends specs[from, end) and, after a route the router stopped at, the rest in a following request, until all have a reply. */
  private async run(op: GrpcOp, specs: readonly RouteSpec[], from: number, end: number, replies: RouteReply[], options?: OpOptions): Promise<void> {
    const method = METHOD[op];
    while (from < end) {
      const part = specs.slice(from, end);
      let outcome: RequestOutcome;
      try {
        outcome = await this.call(method, (wire, deadlineMs) => this.request(wire, op, part, deadlineMs), options);
      } catch (err) {
        const reply = grpcReplyOfError(err as Error);
        for (let i = from; i < end; i++) replies[i] = reply;
        return;
      }
      const ok = successReply(op);
      for (let i = 0; i < outcome.completed; i++) replies[from + i] = ok;
      from += outcome.completed;
      if (outcome.failure) replies[from++] = outcome.failure;
    }
  }

  /** One RouteAdd / RouteUpdate / RouteDelete request on the wire. */
  private async request(wire: GrpcWire, op: GrpcOp, specs: readonly RouteSpec[], deadlineMs: number): Promise<RequestOutcome> {
    const method = METHOD[op];
    let reply: RouteSetOperResponse__Output;
    try {
      if (op === 'delete') {
        const request = { keys: specs.map(toRouteMatch) };
        reply = await wire.unary<RouteSetOperResponse__Output>((md, o, cb) => wire.rib.RouteDelete(request, md, o, cb), deadlineMs);
      } else {
        const request = { routes: specs.map(toRouteEntry) };
        reply = await wire.unary<RouteSetOperResponse__Output>(
          (md, o, cb) => (op === 'add' ? wire.rib.RouteAdd(request, md, o, cb) : wire.rib.RouteUpdate(request, md, o, cb)),
          deadlineMs,
        );
      }
    } catch (err) {
      throw await this.callError(method, err as Error, wire);
    }
    const sub = ribCode(reply.sub_code);
    // A complete success: every route, whether or not the router counted them in operations_completed.
    if (isSuccess(reply.status) && (sub.code === 0 || sub.name === 'SUCCESS_REBOUND')) return { completed: specs.length, failure: null };
    const completed = Math.max(0, Math.min(Math.floor(Number(reply.operations_completed) || 0), specs.length - 1));
    const routerMessage = reply.status?.message ?? '';
    if (sub.name === 'NOT_INITIALIZED') {
      // The router lost our RouteInitialize (its JET daemon restarted): log in again and send the rest once more.
      if (completed === 0) throw new NotLoggedInError(`${method}: NOT_INITIALIZED${routerMessage ? `: ${routerMessage}` : ''}`);
      return { completed, failure: null };
    }
    return { completed, failure: subCodeReply(method, reply.sub_code, routerMessage) };
  }

  /**
   * A gRPC error of a call, for the session: UNAUTHENTICATED → NotLoggedInError (log in again,
   * retry once); the transport → ConnectionLostError; our deadline → left to the session's own
   * timer (which tells a slow router from a half-open connection); anything else is the router's
   * answer (GrpcCallError).
   */
  private async callError(method: string, err: Error, wire: GrpcWire): Promise<Error> {
    if (!isServiceError(err)) return err;
    switch (err.code) {
      case grpc.status.UNAUTHENTICATED:
        return new NotLoggedInError(`${method}: ${err.details || 'Authorization failed'}`);
      case grpc.status.UNAVAILABLE:
      case grpc.status.CANCELLED:
        return new ConnectionLostError(wire.closed ?? (err.details ? describeGrpcFailure(err.details, this.opts.port) : 'connection to the router lost'));
      case grpc.status.DEADLINE_EXCEEDED:
        // The session's timer for this call fires at the same moment: let it decide first.
        await new Promise((resolve) => setTimeout(resolve, 100));
        return new SessionError(`${method}: no reply from the router within ${this.seconds()} s`, 'timeout');
      default:
        return new GrpcCallError(`${method} failed: ${statusName(err.code)}: ${err.details}`, statusName(err.code));
    }
  }
}
