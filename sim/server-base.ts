/**
 * What the simulated router's request-response servers (Thrift, sim/thrift/; gRPC, sim/grpc/) share:
 * one RIB and the users, the log, counters, listening on a port, the accepted sockets and the
 * timers of a slow router's answers, and closing all of it within a bound.
 */
import { EventEmitter } from 'events';
import type * as net from 'net';
import type { Rib } from './rib';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_HOST, DEFAULT_USERS } from './defaults';
import { handlesSettled } from './settle';
import { Delays, listenOrCleanUp, TrackedSockets } from './sockets';

/** TLS of a simulated server. */
export interface SimTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA certificates used to verify client certificates (with requestCert). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask for a client certificate and reject clients without a valid one (mutual TLS). */
  requestCert?: boolean;
}

export interface SimServerOptions {
  rib: Rib;
  /** user name → password; default {@link DEFAULT_USERS}. */
  users?: Record<string, string>;
  /** Serve TLS instead of clear text. */
  tls?: SimTlsOptions;
  log?: (line: string) => void;
  /** A slow router: delay each route call's answer by this many ms per route (default 0). */
  routeDelayMs?: number;
  /** Bound on how long close() waits for sockets to close (default {@link DEFAULT_CLOSE_TIMEOUT_MS}). */
  closeTimeoutMs?: number;
}

/** What both servers count. */
export interface SimCounters {
  /** Calls received, per method name. */
  calls: Record<string, number>;
  /** Successful and refused logins. */
  logins: number;
  loginFailures: number;
  /** Connections accepted since start (or the last resetCounters). */
  connectionsTotal: number;
}

/** What a server's call handlers need of it. */
export interface SimCallContext<C extends SimCounters> {
  readonly rib: Rib;
  readonly counters: C;
  /** Timers of a slow router's answers. */
  readonly delays: Delays;
  /** ms per route of a route call's answer (0: at once). */
  readonly routeDelayMs: number;
  log(line: string): void;
  /** Whether `user` may log in with `password`. */
  accepts(user: string, password: string): boolean;
}

/** The listening server a subclass makes for listen(): what to undo when listening fails, and a note for the log line. */
export interface Listener {
  server: net.Server;
  cleanup?: () => void;
  note: string;
}

type ServerEvents<E> = E & { listening: [port: number] };

export abstract class SimServer<E extends Record<keyof E, unknown[]>, C extends SimCounters> extends EventEmitter<ServerEvents<E>> {
  readonly counters: C;
  protected readonly rib: Rib;
  protected readonly log: (line: string) => void;
  /** Every socket accepted (raw TCP ones too under TLS), with a promise of its 'close'. */
  protected readonly sockets: TrackedSockets;
  /** Timers of delayed answers, with what ends each early (close()). */
  protected readonly delays = new Delays();
  /** True while close() runs. */
  protected closing = false;
  private readonly users: Readonly<Record<string, string>>;
  private server?: net.Server;
  private boundPort = 0;

  protected constructor(
    /** 'thrift' or 'grpc': the prefix of log lines. */
    protected readonly name: string,
    protected readonly options: SimServerOptions,
    private readonly emptyCounters: () => C,
  ) {
    super();
    this.rib = options.rib;
    this.users = options.users ?? DEFAULT_USERS;
    this.log = options.log ?? ((): void => undefined);
    this.sockets = new TrackedSockets(this.log);
    this.counters = emptyCounters();
  }

  /** Port listened on (0 when not listening). */
  get port(): number {
    return this.server ? this.boundPort : 0;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  resetCounters(): void {
    Object.assign(this.counters, this.emptyCounters());
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(port: number, host = DEFAULT_HOST): Promise<number> {
    if (this.server) throw new Error(`${this.name} server already listening`);
    const { server, cleanup, note } = this.createListener();
    this.boundPort = await listenOrCleanUp(server, port, host, cleanup);
    server.on('error', (err: Error) => this.log(`${this.name}: server error: ${err.message}`));
    this.server = server;
    this.log(`${this.name}: listening on ${host}:${this.boundPort}${note}`);
    (this as EventEmitter<{ listening: [port: number] }>).emit('listening', this.boundPort);
    return this.boundPort;
  }

  /** Destroys every connection now. */
  closeAllConnections(): void {
    this.sockets.destroyAll();
  }

  /** Stops listening, drops every connection, ends the delayed answers and waits (bounded) until all are closed. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.closing = true;
    try {
      await this.sockets.closeWith(server, this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, this.name);
      this.stopped();
      this.delays.endAll();
      await handlesSettled();
    } finally {
      this.closing = false;
    }
    if (server) this.log(`${this.name}: closed`);
  }

  /** What the call handlers need of this server. */
  protected callContext(): SimCallContext<C> {
    return {
      rib: this.rib,
      counters: this.counters,
      delays: this.delays,
      routeDelayMs: this.options.routeDelayMs ?? 0,
      log: this.log,
      accepts: (user, password) => Object.prototype.hasOwnProperty.call(this.users, user) && this.users[user] === password,
    };
  }

  /** The server listen() binds, with its connection handling set up. */
  protected abstract createListener(): Listener;

  /** What else close() ends once every socket is closed (sessions, timers); nothing by default. */
  protected stopped(): void {}
}
