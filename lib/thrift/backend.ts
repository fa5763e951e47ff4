/**
 * The Thrift JET backend (Junos up to 16.1, docs/protocol.md §2): a TCP or TLS connection carrying the
 * multiplexed AuthenticationService and RouteService, one route per call, pipelined. The session
 * skeleton (queue, window, deadlines, backoff, half-open) is lib/core/rpc-session.ts; this file is
 * the connection, the login and the route calls.
 */
import * as net from 'net';
import * as tls from 'tls';
import type { Duplex } from 'stream';
import { ChannelClosedError, RemoteError, ThriftChannel } from './channel';
import { describeSocketError, ignoreError, seconds, tlsServername } from '../net/socket';
import { AuthenticationLoginRequest } from '../gen/jet/AuthenticationLoginRequest';
import { LoginCheckArgs } from '../gen/jet/AuthenticationService';
import { LoginReplyReader } from './login';
import type { RouteResult } from '../gen/jet/RouteResult';
import { RouteAddArgs, RouteAddResult, RouteDeleteArgs, RouteDeleteResult, RouteGetArgs, RouteGetResult } from '../gen/jet/RouteService';
import type { RouteSpec } from '../core/route-spec';
import {
  BackendOptions,
  ConnectionLostError,
  Connector,
  InstalledRoute,
  LoginRejectedError,
  NotLoggedInError,
  OpOptions,
  ReadyInfo,
  RouteBackend,
  RouteReply,
  unanswered,
  failedCall,
  Wire,
} from '../core/backend';
import type { RouteOp } from '../core/route-status';
import { AUTH_SERVICE, describeErrCode, ERR, outcomeMessage, ROUTE_SERVICE, routeStatus } from './protocol';
import { installedOf, toRouteConfig } from './convert';
import { RpcSession } from '../core/rpc-session';
import { callGroup, CallGroup } from '../core/call-queue';
import { wrongApiMessage } from '../core/api-mismatch';
import { looksLikeHttp2 } from '../net/probe';

/** One-route calls pipelined at a time: enough to keep a fast router busy, few enough for a slow one to answer each within its deadline. */
export const THRIFT_MAX_IN_FLIGHT = 256;

export interface ThriftBackendOptions extends BackendOptions {
  /** Replaces the socket factory (tests). */
  connect?: () => Duplex;
  /** Service names, for routers that register them under other names. */
  authService?: string;
  routeService?: string;
}

/** One logged-in Thrift connection. */
export class ThriftWire implements Wire {
  received = 0;
  private listener: ((reason: string) => void) | null = null;
  private closedReason: string | null = null;

  constructor(
    readonly channel: ThriftChannel,
    readonly socket: Duplex,
  ) {
    socket.on('data', () => {
      this.received++;
    });
    channel.once('close', (reason: string) => {
      this.closedReason = reason;
      this.listener?.(reason);
    });
  }

  onClose(listener: (reason: string) => void): void {
    this.listener = listener;
    if (this.closedReason !== null) listener(this.closedReason);
  }

  close(reason: string): void {
    this.channel.close(reason);
  }
}

export class ThriftConnector implements Connector<ThriftWire> {
  readonly api = 'thrift' as const;

  constructor(private readonly opts: ThriftBackendOptions) {}

  open(timeoutMs: number): Promise<{ wire: ThriftWire; info: ReadyInfo }> {
    return new Promise((resolve, reject) => {
      let socket: Duplex;
      try {
        socket = this.opts.connect ? this.opts.connect() : this.openSocket();
      } catch (err) {
        reject(new Error(describeSocketError(err as Error)));
        return;
      }
      let done = false;
      let mismatch: string | null = null;
      const fail = (why: string | Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.on('error', ignoreError);
        socket.destroy();
        reject(why instanceof Error ? why : new Error(mismatch ?? why));
      };
      const timer = setTimeout(() => fail(`no connection and login within ${seconds(timeoutMs)} s`), timeoutMs);
      // Registered before the channel's own listener: an HTTP/2 answer is named before any framing error.
      const sniff = (chunk: Buffer): void => {
        socket.off('data', sniff);
        if (looksLikeHttp2(chunk)) {
          mismatch = wrongApiMessage('grpc');
          fail(mismatch);
        }
      };
      socket.on('data', sniff);
      const connectEvent = this.opts.tls && !this.opts.connect ? 'secureConnect' : 'connect';
      const onError = (err: Error): void => fail(describeSocketError(err));
      const onEarlyClose = (): void => fail('connection closed before it was established');
      socket.once('error', onError);
      socket.once('close', onEarlyClose);
      socket.once(connectEvent, () => {
        socket.off('error', onError);
        socket.off('close', onEarlyClose);
        if (done) return;
        if (socket instanceof net.Socket) socket.setKeepAlive(true, 30000);
        const channel = new ThriftChannel(socket);
        channel.once('close', (reason: string) => fail(reason));
        const login = new LoginCheckArgs({
          login_request: new AuthenticationLoginRequest({
            user_name: this.opts.username,
            password: this.opts.password,
            client_id: this.opts.clientId,
          }),
        });
        channel.call(this.opts.authService ?? AUTH_SERVICE, 'LoginCheck', login, LoginReplyReader).then(
          (reply) => {
            if (done) return;
            if (reply.result) {
              done = true;
              clearTimeout(timer);
              channel.removeAllListeners('close');
              resolve({ wire: new ThriftWire(channel, socket), info: {} });
            } else {
              const why = reply.message ? `: ${reply.message}` : '';
              done = true;
              clearTimeout(timer);
              channel.removeAllListeners('close');
              channel.close('login failed');
              reject(new LoginRejectedError(`login failed${why}`));
            }
          },
          (err: Error) => fail(mismatch ?? (err instanceof ChannelClosedError ? err.message : `login failed: ${err.message}`)),
        );
      });
    });
  }

  private openSocket(): Duplex {
    const { host, port } = this.opts;
    if (this.opts.tls) {
      const socket = tls.connect({ ...this.opts.tls, host, port, servername: tlsServername(host, this.opts.tls.servername) });
      socket.setNoDelay(true);
      return socket;
    }
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    return socket;
  }
}

/** The RouteReply of one Thrift route answer. err 5 (not logged in) is thrown: the session logs in again and retries once. */
function replyOf(op: RouteOp, reply: RouteResult): RouteReply {
  const code = typeof reply.err_code === 'number' ? reply.err_code : ERR.FAILURE;
  return {
    status: routeStatus(op, code),
    code,
    codeName: describeErrCode(code),
    message: outcomeMessage(op, code, reply.message),
    answered: true,
  };
}

/** A call's failure as a route reply: an exception is the router's answer; anything else means no answer came. */
export function replyOfError(err: Error): RouteReply {
  return err instanceof RemoteError ? failedCall('exception', err.message) : unanswered(err);
}

export class ThriftBackend extends RpcSession<ThriftWire> implements RouteBackend {
  readonly api = 'thrift' as const;
  readonly carriesMetric = true;
  private readonly routeService: string;

  constructor(opts: ThriftBackendOptions) {
    super(new ThriftConnector(opts), { ...opts, maxInFlight: THRIFT_MAX_IN_FLIGHT });
    this.routeService = opts.routeService ?? ROUTE_SERVICE;
  }

  add(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    const group = callGroup();
    return Promise.all(specs.map((spec) => this.one('add', 'RouteAdd', spec, group, options)));
  }

  /** Thrift has no add-or-modify: RouteAdd, where "exists" leaves the route as the router has it. */
  assert(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    return this.add(specs, options);
  }

  delete(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    const group = callGroup();
    return Promise.all(specs.map((spec) => this.one('delete', 'RouteDelete', spec, group, options)));
  }

  async get(appId: string, table: string, prefix: string): Promise<InstalledRoute[]> {
    const reply = await this.call(
      'RouteGet',
      (wire) => wire.channel.call(this.routeService, 'RouteGet', new RouteGetArgs({ app_id: appId, table_name: table, prefix }), RouteGetResult),
    );
    const errCode = reply.err_code ?? ERR.SUCCESS;
    if (errCode !== ERR.SUCCESS && errCode !== ERR.NOT_FOUND) {
      throw new Error(`RouteGet ${table} ${prefix || '(all)'} failed: ${describeErrCode(errCode)} (err_code ${errCode})`);
    }
    return (reply.routes ?? []).map((r) => installedOf(r, table));
  }

  /** One route's call; the calls of one add or delete are one operation for the session's queue bounds. */
  private one(op: RouteOp, method: 'RouteAdd' | 'RouteDelete', spec: RouteSpec, group: CallGroup, options?: OpOptions): Promise<RouteReply> {
    const args = method === 'RouteAdd' ? new RouteAddArgs({ route_config: toRouteConfig(spec) }) : new RouteDeleteArgs({ route_config: toRouteConfig(spec) });
    const result = method === 'RouteAdd' ? RouteAddResult : RouteDeleteResult;
    return this.call(
      method,
      (wire) =>
        wire.channel.call(this.routeService, method, args, result).then(
          (reply) => {
            if (reply.err_code === ERR.NOT_LOGGED_IN) throw new NotLoggedInError(reply.message || 'err_code 5');
            return replyOf(op, reply);
          },
          (err: Error) => {
            if (err instanceof ChannelClosedError) throw new ConnectionLostError(err.message);
            throw err;
          },
        ),
      options,
      { group },
    ).catch(replyOfError);
  }
}
