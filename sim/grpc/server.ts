/**
 * The simulated router's JET gRPC server: the `jnx.jet` API of Junos 19.4 and later (docs/protocol.md
 * §6) — Authentication/Login, routing.base.Base (the purge timer), routing.rib.Rib and management
 * — on the same Rib and with the same users as the Thrift server, so that both APIs see one router.
 * The calls are sim/grpc/handlers.ts and sim/grpc/management.ts (on the model of sim/management),
 * the sessions and purge timers sim/grpc/sessions.ts.
 *
 * How the end of a connection is seen. grpc-js's Server has no public connection events (its
 * http2 sessions are private), and a call only tells its peer (`call.getPeer()`). So this server
 * never lets grpc-js bind a port: it listens with its own net.Server, files each accepted socket
 * under its peer string (`address:port`, exactly what getPeer() answers for the calls it carries)
 * and hands it to grpc-js through the public `Server.createConnectionInjector()`. The socket's
 * 'close' is then the end of the connection: no private hook, no keepalive guessing, nothing
 * per call. Under TLS grpc-js does the handshake on the injected socket (ServerCredentials.createSsl,
 * client-certificate check included), so the peer is still the TCP socket's.
 */
import * as net from 'net';
import * as grpc from '@grpc/grpc-js';
import { jetGrpc } from '../../lib/grpc/proto';
import type { RibEntry } from '../rib';
import { Listener, SimServer, SimServerOptions, SimTlsOptions } from '../server-base';
import { ManagementModel } from '../management';
import { emptyGrpcCounters, GrpcCallInfo, GrpcCalls, GrpcCounters } from './handlers';
import { managementHandlers } from './management';
import { GrpcFaultInfo, GrpcFaults, GrpcFaultSpec, statusCode } from './faults';
import { GrpcConnectionInfo, GrpcSessionInfo, SessionTable } from './sessions';

export type { GrpcCallInfo, GrpcCounters, GrpcConnectionInfo, GrpcSessionInfo, GrpcFaultInfo, GrpcFaultSpec };
export type GrpcTlsOptions = SimTlsOptions;

export interface GrpcServerOptions extends SimServerOptions {
  /** Purge time (s) of a client id that set none (default 0: its routes go when its session ends). */
  defaultPurgeTimeS?: number;
  /** Length of one purge-time second in ms (default 1000; tests shorten it). */
  purgeSecondMs?: number;
  /** How long a session outlives its connection, holding its client id (default 0: not at all). */
  lingerMs?: number;
  /** The management API's model (interfaces, RMON configuration, commits); default a ManagementModel of its own. */
  management?: ManagementModel;
  /** Faults in force from the start (sim/grpc/faults.ts). */
  faults?: GrpcFaultSpec[];
  /** gRPC status name of a call without a logged-in session (default UNAUTHENTICATED). */
  notLoggedInStatus?: string;
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

/** A gRPC status by name (RangeError for an unknown one); UNAUTHENTICATED when none is given. */
export function notLoggedInStatus(name: string | undefined): grpc.status {
  return name === undefined ? grpc.status.UNAUTHENTICATED : statusCode(name);
}

const toBuffer = (v: string | Buffer): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v));

export class GrpcServer extends SimServer<GrpcServerEvents, GrpcCounters> {
  private grpcServer?: grpc.Server;
  private injector?: grpc.ConnectionInjector;
  private readonly sessions: SessionTable;
  private readonly calls: GrpcCalls;
  /** What the Management service serves: interfaces, the RMON configuration and its commits. */
  readonly management: ManagementModel;
  /** Answers given instead of the server's own (tests, --grpc-fault, POST /grpc/faults). */
  readonly faults = new GrpcFaults();

  constructor(options: GrpcServerOptions) {
    super('grpc', options, emptyGrpcCounters);
    this.sessions = new SessionTable({
      rib: this.rib,
      log: this.log,
      defaultPurgeTimeS: options.defaultPurgeTimeS,
      purgeSecondMs: options.purgeSecondMs,
      lingerMs: options.lingerMs,
      closing: () => this.closing,
      onSessionEnd: (session) => this.emit('sessionEnd', session),
      onPurge: (clientId, routes) => this.emit('purge', clientId, routes),
    });
    for (const f of options.faults ?? []) this.faults.add(f);
    this.calls = new GrpcCalls({
      ...this.callContext(),
      sessions: this.sessions,
      faults: this.faults,
      notLoggedInStatus: notLoggedInStatus(options.notLoggedInStatus),
      onCall: (call) => this.emit('call', call),
      onLogin: (session) => this.emit('login', session),
    });
    this.management = options.management ?? new ManagementModel();
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.sessions.connectionCount;
  }

  /** Snapshot of the sessions holding a client id (live and lingering). */
  sessionList(): GrpcSessionInfo[] {
    return this.sessions.list();
  }

  /** The purge time (s) that applies to a client id. */
  purgeTimeOf(clientId: string): number {
    return this.sessions.purgeTimeOf(clientId);
  }

  /** How many `method` calls were answered with `subCode`. */
  subCodeCount(method: string, subCode: string): number {
    return this.counters.subCodes[method]?.[subCode] ?? 0;
  }

  /**
   * Forgets every login, as a restart of the router's JET daemon that keeps the RIB: the open
   * connections stay, their calls fail "Authorization failed", the routes stay the client ids'.
   */
  forgetLogins(): number {
    return this.sessions.forgetLogins();
  }

  /** Ends every lingering session now, as a router that finally noticed its clients are gone. */
  endLingeringSessions(): void {
    this.sessions.endLingering();
  }

  /**
   * close() stops as a router's JET daemon stops: once every connection is closed, every session
   * ends, every gRPC route is purged (also those waiting for their purge time) and the purge times
   * are forgotten.
   */
  protected override stopped(): void {
    this.sessions.stop();
    this.shutdown();
  }

  /** Ends grpc-js's server (it never listened: the sockets are ours). */
  private shutdown(): void {
    this.injector?.destroy();
    this.grpcServer?.forceShutdown();
    this.injector = undefined;
    this.grpcServer = undefined;
  }

  protected createListener(): Listener {
    const jet = jetGrpc();
    const grpcServer = new grpc.Server();
    grpcServer.addService(jet.jnx.jet.authentication.Authentication.service, this.calls.authentication());
    grpcServer.addService(jet.jnx.jet.routing.base.Base.service, this.calls.base());
    grpcServer.addService(jet.jnx.jet.routing.rib.Rib.service, this.calls.rib());
    grpcServer.addService(
      jet.jnx.jet.management.Management.service,
      managementHandlers({ authorize: (method, call) => this.calls.authorize(method, call), model: this.management, log: this.log }),
    );
    const injector = grpcServer.createConnectionInjector(this.credentials());
    this.grpcServer = grpcServer;
    this.injector = injector;
    const server = net.createServer((socket) => this.onConnection(socket, injector));
    const t = this.options.tls;
    return { server, cleanup: () => this.shutdown(), note: t ? ` (TLS${t.requestCert ? ', client certificates required' : ''})` : '' };
  }

  private credentials(): grpc.ServerCredentials {
    const t = this.options.tls;
    if (!t) return grpc.ServerCredentials.createInsecure();
    const cas = t.ca === undefined ? [] : Array.isArray(t.ca) ? t.ca : [t.ca];
    const ca = cas.length > 0 ? Buffer.from(cas.map((c) => toBuffer(c).toString('utf8')).join('\n')) : null;
    return grpc.ServerCredentials.createSsl(ca, [{ private_key: toBuffer(t.key), cert_chain: toBuffer(t.cert) }], t.requestCert ?? false);
  }

  private onConnection(socket: net.Socket, injector: grpc.ConnectionInjector): void {
    const conn = this.sessions.connect(`${socket.remoteAddress}:${socket.remotePort}`);
    this.sockets.track(socket, `grpc: connection ${conn.id}`);
    socket.once('close', () => {
      this.sessions.disconnect(conn);
      this.emit('disconnect', conn);
    });
    this.counters.connectionsTotal++;
    this.log(`grpc: connection ${conn.id} from ${conn.peer}`);
    this.emit('connection', conn);
    injector.injectConnection(socket);
  }
}
