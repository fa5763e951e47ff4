/**
 * The simulated JET router (Thrift side): a RIB, the Thrift request-response server and a small
 * HTTP server to look at it. Used by the tests and by `node dist/sim/cli.js`.
 *
 *   const sim = await JetSimulator.start({ log: console.log });
 *   // connect to sim.host:sim.thriftPort, GET http://sim.host:sim.httpPort/rib
 *   await sim.stop();
 */
import { formatRibChange, Rib, RibChange } from './rib';
import { SimHttpServer } from './http';
import { ThriftServer, ThriftTlsOptions } from './thrift-server';

export * from './rib';
export * from './thrift-server';
export * from './http';

export interface JetSimulatorOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Thrift port; 0 (default) = a free port. */
  thriftPort?: number;
  /** HTTP port; 0 (default) = a free port. */
  httpPort?: number;
  /** user name → password (default { lab: 'lab123' }). */
  users?: Record<string, string>;
  /** Serve Thrift over TLS. */
  tls?: ThriftTlsOptions;
  /** Receives log lines: listeners, sessions, logins and a `show route`-like line per RIB change. */
  log?: (line: string) => void;
}

export class JetSimulator {
  readonly rib: Rib;
  readonly thrift: ThriftServer;
  readonly http: SimHttpServer;
  readonly host: string;
  private readonly onChange: (change: RibChange) => void;
  private stopped = false;

  private constructor(options: JetSimulatorOptions) {
    const log = options.log;
    this.host = options.host ?? '127.0.0.1';
    this.rib = new Rib();
    this.onChange = (change) => log?.(formatRibChange(change));
    this.rib.on('change', this.onChange);
    this.thrift = new ThriftServer({ rib: this.rib, users: options.users, tls: options.tls, log });
    this.http = new SimHttpServer({ rib: this.rib, log });
  }

  /** Starts both servers; on failure, whatever started is stopped again. */
  static async start(options: JetSimulatorOptions = {}): Promise<JetSimulator> {
    const sim = new JetSimulator(options);
    try {
      await sim.thrift.listen(options.thriftPort ?? 0, sim.host);
      await sim.http.listen(options.httpPort ?? 0, sim.host);
    } catch (err) {
      await sim.stop();
      throw err;
    }
    return sim;
  }

  /** Thrift port (0 once stopped). */
  get thriftPort(): number {
    return this.thrift.port;
  }

  /** HTTP port (0 once stopped). */
  get httpPort(): number {
    return this.http.port;
  }

  /**
   * Simulates a router restart on the Thrift side: stops the listener, drops every session
   * (their routes are purged), then listens again on the same port.
   */
  async restartThrift(): Promise<void> {
    if (this.stopped) throw new Error('simulator stopped');
    const port = this.thrift.port;
    await this.thrift.close();
    await this.thrift.listen(port, this.host);
  }

  /** Closes both servers and every connection (bounded wait); idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([this.thrift.close(), this.http.close()]);
    this.rib.off('change', this.onChange);
  }
}
