/**
 * The simulated router's JET request-response server: Apache Thrift over TCP (or TLS) with a
 * buffered transport, the binary protocol and multiplexing ("AuthenticationService:LoginCheck",
 * "RouteService:RouteAdd", ...), as in docs/protocol.md section 2.
 *
 * Each connection is a JET session with its own state (logged in or not, user, client id, app
 * ids used) and its own generated Processors; it reads messages with MessageReader (no parse
 * exceptions on partial input), strips the service prefix and hands each call to the service's
 * Processor. When a connection closes, the routes added on it are purged from the RIB.
 *
 * Test hooks: setResponding(false) makes the server read calls and never answer (a half-open
 * peer); counters count calls, err codes, logins and replies; closeAllConnections() drops
 * every session; `routeDelayMs` makes a slow router (below).
 *
 * A slow router (`routeDelayMs` > 0): every call of a session then goes through that session's
 * queue, so calls are processed one after the other in the order read, and a route call's answer
 * comes routeDelayMs after it was processed (one timer, the event loop is never blocked). The
 * login goes through the queue too (no delay) so that answers keep their order. With 0 (the
 * default) handlers answer at once, as before.
 */
import { EventEmitter } from 'events';
import * as net from 'net';
import * as tls from 'tls';
import * as thrift from 'thrift';
import { MessageReader } from '../lib/thrift/framing';
import { encodeMessage, MessageType, openMessage } from '../lib/thrift/codec';
import {
  AuthenticationLoginReply,
  AuthenticationLoginRequest,
  AuthenticationService,
  FamilyType,
  GatewayAddress,
  NexthopInfo,
  RouteConfig,
  RouteGetReply,
  RouteResult,
  RouteService,
} from '../lib/gen/jet';
import { ErrCode, Rib, RibEntry } from './rib';
import { handlesSettled } from './settle';
import { Delays, listenOrCleanUp, TrackedSockets } from './sockets';

export const AUTH_SERVICE = 'AuthenticationService';
export const ROUTE_SERVICE = 'RouteService';

export interface ThriftTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA certificates used to verify client certificates (with requestCert). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask for a client certificate and reject clients without a valid one. */
  requestCert?: boolean;
}

export interface ThriftServerOptions {
  rib: Rib;
  /** user name → password; default { lab: 'lab123' }. */
  users?: Record<string, string>;
  /** Serve TLS instead of clear text. */
  tls?: ThriftTlsOptions;
  log?: (line: string) => void;
  /** Largest message accepted before the connection is dropped (default 16 MiB). */
  maxMessageSize?: number;
  /** Bound on how long close() waits for sockets to close (default 2000 ms). */
  closeTimeoutMs?: number;
  /** Delay each route call's answer by this many ms (a slow router; default 0). See the file comment. */
  routeDelayMs?: number;
}

/** A session (one connection) as seen from outside. */
export interface SessionInfo {
  readonly id: number;
  /** Peer address:port. */
  readonly remote: string;
  readonly loggedIn: boolean;
  readonly user?: string;
  readonly clientId?: string;
  /** app_id values used in route calls on this session. */
  readonly appIds: ReadonlySet<string>;
}

/** One call read from a connection ('call' event, emitted after the handler ran). */
export interface CallInfo {
  sessionId: number;
  /** Service prefix of the message name ('' when the name has none). */
  service: string;
  method: string;
  seqId: number;
  /** False when the server was not responding: the call was read, not processed, not answered. */
  answered: boolean;
}

export interface ThriftCounters {
  /** Calls read, per method name ("LoginCheck", "RouteAdd", ...; the full name for unknown services). */
  calls: Record<string, number>;
  /** err_code answered, per method: errCodes.RouteAdd[2] = adds answered "exists". */
  errCodes: Record<string, Record<number, number>>;
  /** Successful and failed LoginCheck calls. */
  logins: number;
  loginFailures: number;
  /** Connections accepted since start (or the last resetCounters). */
  connectionsTotal: number;
  /** Reply messages written, and how many of them were TApplicationExceptions. */
  replies: number;
  exceptions: number;
  /** Calls read while not responding (never answered). */
  unanswered: number;
  /** Connections dropped for bytes that are not binary-protocol messages. */
  framingErrors: number;
}

export interface ThriftServerEvents {
  listening: [port: number];
  connection: [session: SessionInfo];
  disconnect: [session: SessionInfo];
  call: [call: CallInfo];
}

interface Processor {
  process(input: thrift.TProtocol, output: thrift.TProtocol): void;
}

class Session implements SessionInfo {
  loggedIn = false;
  /** The connection closed: queued calls are dropped unprocessed (their routes would never be purged). */
  closed = false;
  /** Tail of the call queue of a slow router (routeDelayMs > 0). */
  queue: Promise<unknown> = Promise.resolve();
  user?: string;
  clientId?: string;
  readonly appIds = new Set<string>();
  processors: Record<string, Processor> = {};
  output!: thrift.TProtocol;
  constructor(
    readonly id: number,
    readonly remote: string,
  ) {}
}

const emptyCounters = (): ThriftCounters => ({
  calls: {},
  errCodes: {},
  logins: 0,
  loginFailures: 0,
  connectionsTotal: 0,
  replies: 0,
  exceptions: 0,
  unanswered: 0,
  framingErrors: 0,
});

/** A protocol that answers `readMessageBegin` with the given header and reads the rest from `input`. */
function withHeader(input: thrift.TProtocol, header: thrift.TMessage): thrift.TProtocol {
  const proxy = Object.create(input) as thrift.TProtocol;
  proxy.readMessageBegin = (): thrift.TMessage => header;
  return proxy;
}

/**
 * Writes a TApplicationException struct. npm thrift's own TApplicationException.write() writes
 * `this.code`, which its constructor never sets (it sets `type`), so the type would be lost.
 */
function writeApplicationException(out: thrift.TProtocol, type: thrift.Thrift.TApplicationExceptionType, message: string): void {
  out.writeStructBegin('TApplicationException');
  out.writeFieldBegin('message', thrift.Thrift.Type.STRING, 1);
  out.writeString(message);
  out.writeFieldEnd();
  out.writeFieldBegin('type', thrift.Thrift.Type.I32, 2);
  out.writeI32(type);
  out.writeFieldEnd();
  out.writeFieldStop();
  out.writeStructEnd();
}

/** Whether a generated Processor has a method (it dispatches to `process_<name>`). */
function hasMethod(processor: Processor, method: string): boolean {
  return typeof (processor as unknown as Record<string, unknown>)[`process_${method}`] === 'function';
}

/** The RouteConfig a RouteGet reply carries for a RIB entry. */
export function entryToRouteConfig(e: RibEntry): RouteConfig {
  return new RouteConfig({
    app_id: e.appId,
    family_type: e.family === 'inet' ? FamilyType.af_inet : FamilyType.af_inet6,
    prefix: e.prefix,
    nexthops: e.nexthops.map((ip) => new NexthopInfo({ nexthop_address: new GatewayAddress({ nexthop_ip: ip }) })),
    table_name: e.table,
    preference: [e.preference],
    metric: [e.metric],
  });
}

export class ThriftServer extends EventEmitter<ThriftServerEvents> {
  readonly counters: ThriftCounters = emptyCounters();
  private readonly rib: Rib;
  private readonly users: Record<string, string>;
  private readonly log: (line: string) => void;
  private server?: net.Server;
  private boundPort = 0;
  private responding = true;
  private nextSessionId = 0;
  /** Every socket accepted (raw TCP ones too under TLS), with a promise of its 'close'. */
  private readonly sockets: TrackedSockets;
  private readonly sessions = new Map<net.Socket, Session>();
  /** Timers of delayed answers, with what ends each early (close()). */
  private readonly delays = new Delays();

  constructor(private readonly options: ThriftServerOptions) {
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

  /** Live sessions (connections). */
  get connections(): number {
    return this.sessions.size;
  }

  /** Snapshot of the live sessions. */
  sessionList(): SessionInfo[] {
    return [...this.sessions.values()];
  }

  /** False: read calls and never answer them (they are not processed either). */
  setResponding(on: boolean): void {
    this.responding = on;
    this.log(`thrift: ${on ? 'responding' : 'NOT responding (calls are read and never answered)'}`);
  }

  get isResponding(): boolean {
    return this.responding;
  }

  /** How many `method` calls were answered with `errCode`. */
  errCount(method: string, errCode: number): number {
    return this.counters.errCodes[method]?.[errCode] ?? 0;
  }

  resetCounters(): void {
    Object.assign(this.counters, emptyCounters());
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    if (this.server) throw new Error('thrift server already listening');
    const t = this.options.tls;
    const server: net.Server = t
      ? tls.createServer({ key: t.key, cert: t.cert, ca: t.ca, requestCert: t.requestCert ?? false, rejectUnauthorized: t.requestCert ?? false })
      : net.createServer();
    server.on('connection', (raw: net.Socket) => {
      this.sockets.track(raw, 'thrift');
      if (!t) this.onSession(raw);
    });
    if (t) {
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        this.sockets.track(socket, 'thrift');
        this.onSession(socket);
      });
      server.on('tlsClientError', (err: Error) => this.log(`thrift: TLS handshake failed: ${err.message}`));
    }
    this.boundPort = await listenOrCleanUp(server, port, host);
    server.on('error', (err: Error) => this.log(`thrift: server error: ${err.message}`));
    this.server = server;
    this.log(`thrift: listening on ${host}:${this.boundPort}${t ? ' (TLS)' : ''}`);
    this.emit('listening', this.boundPort);
    return this.boundPort;
  }

  /** Destroys every connection now (their routes are purged as they close). */
  closeAllConnections(): void {
    this.sockets.destroyAll();
  }

  /** Stops listening, drops every connection and waits (bounded) until all are closed. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await this.sockets.closeWith(server, this.options.closeTimeoutMs ?? 2000, 'thrift');
    this.delays.endAll();
    await handlesSettled();
    if (server) this.log('thrift: closed');
  }

  private onSession(socket: net.Socket): void {
    const session = new Session(++this.nextSessionId, `${socket.remoteAddress}:${socket.remotePort}`);
    this.sessions.set(socket, session);
    this.counters.connectionsTotal++;
    socket.setNoDelay(true);
    const transport = new thrift.TBufferedTransport(undefined, (buf?: Buffer) => {
      if (buf) this.send(socket, buf);
    });
    session.output = new thrift.TBinaryProtocol(transport);
    session.processors = {
      [AUTH_SERVICE]: new AuthenticationService.Processor(this.authHandler(session)),
      [ROUTE_SERVICE]: new RouteService.Processor(this.routeHandler(session)),
    };
    const reader = new MessageReader(this.options.maxMessageSize);
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch (err) {
        this.counters.framingErrors++;
        this.log(`thrift: session ${session.id}: ${(err as Error).message}; dropping the connection`);
        socket.destroy();
        return;
      }
      for (const message of messages) {
        if (socket.destroyed) return;
        try {
          this.dispatch(session, socket, message);
        } catch (err) {
          this.log(`thrift: session ${session.id}: ${(err as Error).message}; dropping the connection`);
          socket.destroy();
          return;
        }
      }
    });
    socket.once('close', () => {
      session.closed = true;
      this.sessions.delete(socket);
      const purged = this.rib.purgeSession(session.id, `session ${session.id} closed`);
      this.log(`thrift: session ${session.id} (${session.remote}) closed${purged.length ? `, ${purged.length} route(s) purged` : ''}`);
      this.emit('disconnect', session);
    });
    this.log(`thrift: session ${session.id} connected from ${session.remote}`);
    this.emit('connection', session);
  }

  /** Writes one reply message unless the server stopped responding or the socket is gone. */
  private send(socket: net.Socket, message: Buffer): void {
    if (!this.responding || socket.destroyed || !socket.writable) return;
    this.counters.replies++;
    // Strict binary protocol: the message type is the low byte of the version word.
    if ((message.readInt32BE(0) & 0xff) === MessageType.EXCEPTION) this.counters.exceptions++;
    socket.write(message);
  }

  private sendException(socket: net.Socket, name: string, seqId: number, type: thrift.Thrift.TApplicationExceptionType, text: string): void {
    this.send(socket, encodeMessage(name, MessageType.EXCEPTION, seqId, (out) => writeApplicationException(out, type, text)));
  }

  private dispatch(session: Session, socket: net.Socket, message: Buffer): void {
    const { header, input } = openMessage(message);
    const sep = header.name.indexOf(':');
    const service = sep >= 0 ? header.name.slice(0, sep) : '';
    const method = sep >= 0 ? header.name.slice(sep + 1) : header.name;
    const processor = Object.hasOwn(session.processors, service) ? session.processors[service] : undefined;
    const key = processor ? method : header.name;
    this.counters.calls[key] = (this.counters.calls[key] ?? 0) + 1;
    const answered = this.responding;
    if (!answered) {
      this.counters.unanswered++;
    } else if (header.type !== MessageType.CALL && header.type !== MessageType.ONEWAY) {
      this.sendException(socket, header.name, header.seqId, thrift.Thrift.TApplicationExceptionType.INVALID_MESSAGE_TYPE, `unexpected message type ${header.type}`);
    } else if (!processor) {
      this.log(`thrift: session ${session.id}: unknown service in ${JSON.stringify(header.name)}`);
      this.sendException(
        socket,
        header.name,
        header.seqId,
        thrift.Thrift.TApplicationExceptionType.UNKNOWN_METHOD,
        sep >= 0 ? `unknown service ${service}` : `${header.name}: not a multiplexed call (expected Service:Method)`,
      );
    } else if (!hasMethod(processor, method)) {
      // The generated Processor would answer this too, but through npm thrift's write(), which drops the type.
      this.sendException(socket, header.name, header.seqId, thrift.Thrift.TApplicationExceptionType.UNKNOWN_METHOD, `unknown method ${method} of ${service}`);
    } else {
      // The Processor runs the handler synchronously, then writes the reply from a promise.
      processor.process(withHeader(input, { fname: method, mtype: header.type, rseqid: header.seqId }), session.output);
    }
    this.emit('call', { sessionId: session.id, service, method, seqId: header.seqId, answered });
  }

  private countErr(method: string, code: number): void {
    const perMethod = (this.counters.errCodes[method] ??= {});
    perMethod[code] = (perMethod[code] ?? 0) + 1;
  }

  /**
   * Runs a call's handler: at once (no route delay), or after the session's earlier calls, its
   * answer `routes(result)` × routeDelayMs later. Dropped unanswered when the session closed first.
   */
  private paced<T>(session: Session, work: () => T, routes: (result: T) => number): T | Promise<T> {
    const delayMs = this.options.routeDelayMs ?? 0;
    if (delayMs <= 0) return work();
    const run = session.queue.then(async () => {
      if (session.closed) throw new Error('session closed');
      const result = work();
      const ms = routes(result) * delayMs;
      await this.delays.pause(ms);
      return result;
    });
    session.queue = run.catch(() => undefined);
    return run;
  }

  private authHandler(session: Session): AuthenticationService.IHandler {
    return {
      LoginCheck: (req: AuthenticationLoginRequest): AuthenticationLoginReply | Promise<AuthenticationLoginReply> =>
        this.paced(session, () => this.loginCheck(session, req), () => 0),
    };
  }

  private loginCheck(session: Session, req: AuthenticationLoginRequest): AuthenticationLoginReply {
    const user = req.user_name ?? '';
    const ok = Object.prototype.hasOwnProperty.call(this.users, user) && this.users[user] === (req.password ?? '');
    if (!ok) {
      session.loggedIn = false;
      this.counters.loginFailures++;
      this.log(`thrift: session ${session.id}: login of ${JSON.stringify(user)} refused`);
      return new AuthenticationLoginReply({ result: false, message: 'invalid user name or password' });
    }
    session.loggedIn = true;
    session.user = user;
    session.clientId = req.client_id || `session-${session.id}`;
    this.counters.logins++;
    this.log(`thrift: session ${session.id}: ${user} logged in (client ${session.clientId})`);
    return new AuthenticationLoginReply({ result: true, message: 'login successful' });
  }

  private routeHandler(session: Session): RouteService.IHandler {
    const notLoggedIn = 'not logged in: call AuthenticationService:LoginCheck first';
    const owner = (): { sessionId: number; clientId: string } => ({ sessionId: session.id, clientId: session.clientId ?? '' });
    const noteApp = (appId: string | undefined): void => {
      if (appId) session.appIds.add(appId);
    };
    const routeResult = (method: string, errCode: number, message?: string): RouteResult => {
      this.countErr(method, errCode);
      return new RouteResult({ err_code: errCode, message });
    };
    const one = (r: RouteResult): number => (r.err_code === ErrCode.NOT_LOGGED_IN ? 0 : 1);
    return {
      RouteAdd: (cfg: RouteConfig): RouteResult | Promise<RouteResult> =>
        this.paced(
          session,
          () => {
            if (!session.loggedIn) return routeResult('RouteAdd', ErrCode.NOT_LOGGED_IN, notLoggedIn);
            noteApp(cfg.app_id);
            const r = this.rib.add(cfg, owner());
            return routeResult('RouteAdd', r.errCode, r.message);
          },
          one,
        ),
      RouteDelete: (cfg: RouteConfig): RouteResult | Promise<RouteResult> =>
        this.paced(
          session,
          () => {
            if (!session.loggedIn) return routeResult('RouteDelete', ErrCode.NOT_LOGGED_IN, notLoggedIn);
            noteApp(cfg.app_id);
            const r = this.rib.delete(cfg);
            return routeResult('RouteDelete', r.errCode, r.message);
          },
          one,
        ),
      RouteGet: (appId: string, table: string, prefix: string): RouteGetReply | Promise<RouteGetReply> =>
        this.paced(
          session,
          () => {
            if (!session.loggedIn) {
              this.countErr('RouteGet', ErrCode.NOT_LOGGED_IN);
              return new RouteGetReply({ err_code: ErrCode.NOT_LOGGED_IN, routes: [], message: notLoggedIn });
            }
            noteApp(appId);
            const r = this.rib.list(appId, table, prefix);
            this.countErr('RouteGet', r.errCode);
            return new RouteGetReply({ err_code: r.errCode, routes: r.routes.map(entryToRouteConfig), message: r.message });
          },
          (r) => (r.err_code === ErrCode.NOT_LOGGED_IN ? 0 : Math.max(1, r.routes?.length ?? 0)),
        ),
    };
  }
}
