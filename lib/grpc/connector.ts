/**
 * Opening a gRPC JET session (docs/protocol.md §6), the {@link Connector} that lib/core/rpc-session.ts
 * calls on every (re)connect: a fresh wire (lib/grpc/wire.ts), then Login, RoutePurgeTimerAdd (when a
 * purge time is set) and RouteInitialize, all within the connect bound. A port that fails at the
 * HTTP/2 level is probed with a raw HTTP/2 preface: a Thrift JET port gets "speaks Thrift JET, not
 * gRPC", a TLS port reached in clear text "turn TLS on".
 */
import * as grpc from '@grpc/grpc-js';
import { BackendOptions, ConnectionLostError, Connector, ReadyInfo } from '../core/backend';
import { wrongApiMessage } from '../core/api-mismatch';
import { notHttp2, probeHttp2, probeTls } from '../net/probe';
import { seconds } from '../net/socket';
import { baseCode, isServiceError, isSuccess, ribCode, statusName } from './codes';
import { describeGrpcFailure, loginCallError, loginRejected, setupError, tlsExpectedMessage } from './errors';
import { createWire, GrpcChannelSettings, GrpcWire } from './wire';
import type { LoginResponse__Output } from '../gen-grpc/jnx/jet/authentication/LoginResponse';
import type { RoutePurgeTimerAddResponse__Output } from '../gen-grpc/jnx/jet/routing/base/RoutePurgeTimerAddResponse';
import type { RouteInitializeResponse__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteInitializeResponse';

/** Longest the connect bound keeps back for the HTTP/2 probe after a failed Login. */
const PROBE_RESERVE_MS = 1000;
const PROBE_MARGIN_MS = 50;

export interface GrpcBackendOptions extends BackendOptions, GrpcChannelSettings {}

export class GrpcConnector implements Connector<GrpcWire> {
  readonly api = 'grpc' as const;

  /** Told (once per connector) that the router refused RoutePurgeTimerAdd. */
  onWarning: (text: string) => void = () => undefined;
  private purgeRefusalTold = false;

  constructor(private readonly opts: GrpcBackendOptions) {}

  open(timeoutMs: number): Promise<{ wire: GrpcWire; info: ReadyInfo }> {
    const where = `${this.opts.host}:${this.opts.port}`;
    const started = Date.now();
    const deadline = started + timeoutMs;
    return new Promise((resolve, reject) => {
      let wire: GrpcWire;
      try {
        wire = createWire(this.opts);
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
    if (!isSuccess(reply.status)) throw loginRejected(reply.status?.message ?? '');
  }

  /** Why Login got no answer: a refused login, the wrong API on that port, or the connection in words. */
  private async loginFailure(err: Error, wire: GrpcWire, where: string, deadline: number, total: number, signal: AbortSignal): Promise<Error> {
    if (!isServiceError(err)) return err instanceof ConnectionLostError ? new Error(err.message) : err;
    const answered = loginCallError(err, where);
    if (answered) return answered;
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
