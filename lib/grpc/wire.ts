/**
 * The gRPC connection of one JET session (docs/protocol.md §6): one HTTP/2 channel of its own (a new
 * TCP connection is a new, not-logged-in JET session) carrying the Authentication, Base and Rib
 * clients (and Management, made on first use), its credentials (TLS, server name), and the calls on
 * it with `client-id` metadata and a deadline. The channel is closed as soon as it leaves READY, so
 * grpc-js never reconnects silently under a logged-in session.
 */
import * as net from 'net';
import * as tls from 'tls';
import * as grpc from '@grpc/grpc-js';
import { BackendOptions, ConnectionLostError, Wire } from '../core/backend';
import { isLocal } from './codes';
import { jetGrpc } from './proto';
import { CLIENT_ID_METADATA, GRPC_KEEPALIVE_TIME_MS, GRPC_KEEPALIVE_TIMEOUT_MS } from './protocol';
import type { AuthenticationClient } from '../gen-grpc/jnx/jet/authentication/Authentication';
import type { BaseClient } from '../gen-grpc/jnx/jet/routing/base/Base';
import type { RibClient } from '../gen-grpc/jnx/jet/routing/rib/Rib';
import type { ManagementClient } from '../gen-grpc/jnx/jet/management/Management';

/** The largest setTimeout delay: grpc-js's idle timer must never fire (entering IDLE would drop the session). */
const NEVER_IDLE_MS = 0x7fffffff;

/** The channel's own settings, on top of the connection fields of BackendOptions. */
export interface GrpcChannelSettings {
  /** Keepalive ping interval (default {@link GRPC_KEEPALIVE_TIME_MS}). */
  keepaliveTimeMs?: number;
  /** How long a ping may wait for its answer before the connection counts as gone (default {@link GRPC_KEEPALIVE_TIMEOUT_MS}). */
  keepaliveTimeoutMs?: number;
  /** Ping an idle connection too (off by default: see {@link GRPC_KEEPALIVE_TIME_MS}). */
  keepaliveWithoutCalls?: boolean;
  /** More grpc-js channel options (tests); they win over ours. */
  channelOptions?: grpc.ChannelOptions;
}

/** Where a wire connects, and how. */
export type WireTarget = Pick<BackendOptions, 'host' | 'port' | 'tls' | 'clientId'> & GrpcChannelSettings;


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
    withoutAddressServername(connector);
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

/**
 * grpc-js (1.14) sends the channel's host as the TLS server name (SNI) when no server name is set,
 * an IP address too; TLS allows only host names there (RFC 6066), Node.js 24 warns (DEP0123) and
 * Node.js 26 refuses the connection. For a router given by its address, send no server name: Node.js
 * then checks the certificate against the address, as before. A server name from the TLS config
 * (grpc.ssl_target_name_override) is a name and stays. The connector keeps its TLS options in a
 * private `connectionOptions`; when a grpc-js version has none, nothing changes.
 */
function withoutAddressServername(connector: SecureConnector): void {
  const options = (connector as { connectionOptions?: tls.ConnectionOptions }).connectionOptions;
  if (options && typeof options.servername === 'string' && net.isIP(options.servername) !== 0) delete options.servername;
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
  private managementClient: ManagementClient | null = null;

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

  /** The Management client (docs/protocol.md §6) on this wire's channel, made on first use. */
  get management(): ManagementClient {
    if (!this.managementClient) {
      const Management = jetGrpc().jnx.jet.management.Management;
      // The channel is the wire's own: address and credentials are not used with channelOverride.
      this.managementClient = new Management(this.channel.getTarget(), grpc.credentials.createInsecure(), { channelOverride: this.channel });
    }
    return this.managementClient;
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

function channelTarget(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** Node's own TLS options (ca, cert, key, passphrase, pfx, ...) as grpc-js channel credentials; insecure without TLS. */
function channelCredentials(tlsOptions: tls.ConnectionOptions | undefined): grpc.ChannelCredentials {
  if (!tlsOptions) return grpc.credentials.createInsecure();
  const context = tlsOptions.secureContext ?? tls.createSecureContext(tlsOptions);
  const verify: grpc.VerifyOptions = {};
  if (tlsOptions.rejectUnauthorized !== undefined) verify.rejectUnauthorized = tlsOptions.rejectUnauthorized;
  if (tlsOptions.checkServerIdentity) verify.checkServerIdentity = tlsOptions.checkServerIdentity;
  return grpc.credentials.createFromSecureContext(context, verify);
}

/** The name the router's certificate must carry, when the TLS options give one other than the host. */
function tlsNameOptions(tlsOptions: tls.ConnectionOptions | undefined): grpc.ChannelOptions {
  const servername = tlsOptions?.servername;
  if (!servername) return {};
  return { 'grpc.ssl_target_name_override': servername, 'grpc.default_authority': servername };
}

/** A fresh channel (never shared with an earlier connection) and its three clients. Throws on bad TLS options. */
export function createWire(target: WireTarget): GrpcWire {
  const { host, port } = target;
  const services = jetGrpc().jnx.jet;
  const options: grpc.ChannelOptions = {
    // A connection of our own: a new TCP connection is a new JET session, never a shared one.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.enable_retries': 0,
    'grpc.enable_channelz': 0,
    'grpc.keepalive_time_ms': target.keepaliveTimeMs ?? GRPC_KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': target.keepaliveTimeoutMs ?? GRPC_KEEPALIVE_TIMEOUT_MS,
    'grpc.keepalive_permit_without_calls': target.keepaliveWithoutCalls ? 1 : 0,
    'grpc.client_idle_timeout_ms': NEVER_IDLE_MS,
    ...tlsNameOptions(target.tls),
    ...target.channelOptions,
  };
  const sockets = new ChannelSockets();
  const credentials = new TrackedCredentials(channelCredentials(target.tls), sockets);
  const rib = new services.routing.rib.Rib(channelTarget(host, port), credentials, options);
  const shared = { channelOverride: rib.getChannel() };
  const auth = new services.authentication.Authentication(channelTarget(host, port), credentials, shared);
  const base = new services.routing.base.Base(channelTarget(host, port), credentials, shared);
  return new GrpcWire(rib, auth, base, target.clientId, sockets);
}
