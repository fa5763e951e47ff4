/**
 * The simulated JET router: one RIB behind both request-response servers, Thrift (docs/protocol.md §2,
 * Junos up to 16.1) and gRPC jnx.jet (§6, current Junos), with the same users; an MQTT broker
 * carrying the notifications and the RMON alarm engine that publishes them (§3, §4), the management
 * API (§6) on the gRPC port whose commits reconfigure that engine, and a small HTTP server to look at
 * the RIB, the alarms and the commits and to drive the interface rates. Used by the tests and by
 * `node dist/sim/cli.js`.
 *
 *   const sim = await JetSimulator.start({ log: console.log });
 *   // Thrift: sim.host:sim.thriftPort; gRPC: sim.host:sim.grpcPort; MQTT: sim.broker.url;
 *   // GET http://sim.host:sim.httpPort/rib
 *   await sim.rmon.setRate(541, 8288, true); // → SNMPD_RMON_EVENTLOG, rising
 *   await sim.stop();
 *
 * Either request-response server can be left off (`thriftPort: false`, `grpcPort: false`); its
 * object still exists, not listening (port 0).
 */
import { formatRibChange, Rib, RibChange } from './rib';
import { SimHttpServer } from './http';
import { ThriftServer, ThriftTlsOptions } from './thrift/server';
import { GrpcServer, GrpcTlsOptions } from './grpc/server';
import { BrokerTlsOptions, SimBroker } from './broker';
import { RmonAlarmSpec, RmonEngine } from './rmon';
import { formatOtherRoute, OtherRouteInput } from './other-routes';
import { addRmonRoutes } from './rmon-http';
import { ManagementModel, rmonStartConfig } from './management';
import { addManagementRoutes } from './management-http';
import { addGrpcRoutes } from './grpc/http';
import type { GrpcFaultSpec } from './grpc/faults';
import { DEFAULT_HOST, DEFAULT_USERS } from './defaults';

export * from './rib';
export * from './other-routes';
export * from './server-base';
export * from './thrift/server';
export * from './grpc/server';
export * from './grpc/wire';
export * from './grpc/faults';
export { ROUTES_PER_GET_REPLY } from './grpc/handlers';
export * from './http';
export * from './broker';
export * from './rmon';
export * from './rmon-http';
export * from './management-http';
export * from './management';

export interface JetSimulatorOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Thrift port; 0 (default) = a free port; false or null = no Thrift server. */
  thriftPort?: number | false | null;
  /** gRPC (jnx.jet) port; 0 (default) = a free port; false or null = no gRPC server. */
  grpcPort?: number | false | null;
  /** HTTP port; 0 (default) = a free port; false = no HTTP server (a fleet serves one for all its routers). */
  httpPort?: number | false;
  /** user name → password (default DEFAULT_USERS: lab / lab123). */
  users?: Record<string, string>;
  /** Serve Thrift over TLS. */
  tls?: ThriftTlsOptions;
  /** Serve gRPC over TLS (with `ca` and `requestCert`: mutual TLS). */
  grpcTls?: GrpcTlsOptions;
  /** A slow router: each route call's answer comes this many ms per route later (Thrift and gRPC; default 0). */
  routeDelayMs?: number;
  /** gRPC: how long a session outlives its connection, holding its client id (default 0). */
  grpcLingerMs?: number;
  /** gRPC: purge time (s) of a client that set none (default 120, the IDL's; 0: routes go with the session). */
  defaultPurgeTimeS?: number;
  /** gRPC: ms per purge-time second (default 1000; tests shorten it). */
  purgeSecondMs?: number;
  /** gRPC: faults in force from the start (sim/grpc/faults.ts; more through sim.grpc.faults or POST /grpc/faults). */
  grpcFaults?: GrpcFaultSpec[];
  /** gRPC: the status name of a call without a login (default UNAUTHENTICATED; a router's is not documented). */
  grpcNotLoggedInStatus?: string;
  /** MQTT port; 0 (default) = a free port. */
  mqttPort?: number;
  /** MQTT address (default: `host`). */
  mqttHost?: string;
  /** User name and password MQTT clients must give (default: none asked). */
  mqttAuth?: { username: string; password: string };
  /** Serve MQTT over TLS. */
  mqttTls?: BrokerTlsOptions;
  /**
   * Routes of other protocols in the routing table from the start (a static route from the CLI,
   * BGP): RouteGet returns them, JET never touches them (sim/other-routes.ts).
   */
  otherRoutes?: OtherRouteInput[];
  /** Host name in notifications (default 'jet-sim'). */
  hostname?: string;
  /** RMON alarms (default [DEFAULT_RMON_ALARM]: alarm 1 on ifIndex 541, 1024/1023, startup 'rising'). */
  alarms?: RmonAlarmSpec[];
  /** ifIndex → input rate at start (default { 541: 0 }). */
  interfaces?: Record<number, number>;
  /** Run the alarms' sampling timers (default true); false: only rmon.tick() / setRate(.., true) sample. */
  sampling?: boolean;
  /** Receives log lines: listeners, sessions, logins, a `show route`-like line per RIB change, MQTT clients, RMON events. */
  log?: (line: string) => void;
}

export class JetSimulator {
  readonly rib: Rib;
  readonly thrift: ThriftServer;
  readonly grpc: GrpcServer;
  readonly http: SimHttpServer;
  readonly broker: SimBroker;
  readonly rmon: RmonEngine;
  /** The management API's model (gRPC Management): interfaces, the committed RMON configuration, commits. */
  readonly management: ManagementModel;
  readonly host: string;
  private readonly onChange: (change: RibChange) => void;
  private stopped = false;

  /** Throws a RangeError on an invalid alarm or interface rate. */
  private constructor(options: JetSimulatorOptions) {
    const log = options.log;
    this.host = options.host ?? DEFAULT_HOST;
    this.rib = new Rib();
    for (const input of options.otherRoutes ?? []) {
      const added = this.rib.others.add(input);
      if (!added.ok) throw new RangeError(`other route ${input.prefix}: ${added.message}`);
      log?.(`rib: + ${formatOtherRoute(added.value)} (${added.value.protocol}, not JET's)`);
    }
    this.onChange = (change) => log?.(formatRibChange(change));
    this.rib.on('change', this.onChange);
    const users = options.users ?? DEFAULT_USERS;
    this.rmon = new RmonEngine({
      publish: (topic, payload) => this.broker.publish(topic, payload),
      alarms: options.alarms,
      interfaces: options.interfaces,
      hostname: options.hostname,
      log,
    });
    this.management = this.managementFor(this.rmon, log);
    this.thrift = new ThriftServer({ rib: this.rib, users, tls: options.tls, routeDelayMs: options.routeDelayMs, log });
    this.grpc = new GrpcServer({
      rib: this.rib,
      users,
      tls: options.grpcTls,
      routeDelayMs: options.routeDelayMs,
      lingerMs: options.grpcLingerMs,
      defaultPurgeTimeS: options.defaultPurgeTimeS,
      purgeSecondMs: options.purgeSecondMs,
      management: this.management,
      faults: options.grpcFaults,
      notLoggedInStatus: options.grpcNotLoggedInStatus,
      log,
    });
    this.http = new SimHttpServer({ rib: this.rib, log });
    this.broker = new SimBroker({ username: options.mqttAuth?.username, password: options.mqttAuth?.password, tls: options.mqttTls, log });
    addRmonRoutes(this.http, this.rmon);
    addGrpcRoutes(this.http, this.grpc);
    addManagementRoutes(this.http, { rib: this.rib, rmon: this.rmon, management: this.management });
  }

  /**
   * The management model whose committed `snmp rmon` is what the engine runs at start, and whose
   * every commit reconfigures the engine live (alarms it cannot run are logged and left out).
   */
  private managementFor(rmon: RmonEngine, log: ((line: string) => void) | undefined): ManagementModel {
    const start = rmonStartConfig(rmon.alarms());
    for (const s of start.skipped) log?.(`mgmt: alarm ${s.index} is not in the committed configuration (${s.reason}); the first commit removes it from the engine`);
    const model = new ManagementModel({ rmon: start.text });
    model.on('commit', (record, engine) => {
      log?.(`mgmt: commit ${record.sequence} by ${record.user}${record.comment ? `: ${record.comment}` : ''}`);
      for (const s of engine.skipped) log?.(`mgmt: alarm ${s.index} is not run by the simulator: ${s.reason}`);
      try {
        rmon.replaceAlarms(engine.alarms);
      } catch (err) {
        log?.(`mgmt: the RMON engine refused the committed alarms: ${(err as Error).message}`);
      }
    });
    return model;
  }

  /** Starts the servers, then the alarms' sampling; on failure, whatever started is stopped again. */
  static async start(options: JetSimulatorOptions = {}): Promise<JetSimulator> {
    const sim = new JetSimulator(options);
    try {
      // undefined: a free port; false or null: off (so not `??`, which would turn null into 0).
      const thriftPort = options.thriftPort === undefined ? 0 : options.thriftPort;
      if (thriftPort !== false && thriftPort !== null) await sim.thrift.listen(thriftPort, sim.host);
      const grpcPort = options.grpcPort === undefined ? 0 : options.grpcPort;
      if (grpcPort !== false && grpcPort !== null) await sim.grpc.listen(grpcPort, sim.host);
      if (options.httpPort !== false) await sim.http.listen(options.httpPort ?? 0, sim.host);
      await sim.broker.listen(options.mqttPort ?? 0, options.mqttHost ?? sim.host);
      if (options.sampling ?? true) sim.rmon.start();
    } catch (err) {
      await sim.stop();
      throw err;
    }
    return sim;
  }

  /** Thrift port (0 once stopped, or when off). */
  get thriftPort(): number {
    return this.thrift.port;
  }

  /** gRPC port (0 once stopped, or when off). */
  get grpcPort(): number {
    return this.grpc.port;
  }

  /** HTTP port (0 once stopped, or when off). */
  get httpPort(): number {
    return this.http.port;
  }

  /** MQTT port (0 once stopped). */
  get mqttPort(): number {
    return this.broker.port;
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

  /**
   * Simulates a restart of the router's JET daemon on the gRPC side: stops the listener, drops
   * every session and purges every gRPC route (those kept by a purge timer too) and the purge
   * times, then listens again on the same port.
   */
  async restartGrpc(): Promise<void> {
    if (this.stopped) throw new Error('simulator stopped');
    const port = this.grpc.port;
    if (port === 0) throw new Error('the gRPC server is off');
    await this.grpc.close();
    await this.grpc.listen(port, this.host);
  }

  /**
   * Simulates a restart of the router's MQTT broker: every client is dropped and its subscriptions
   * forgotten, then the broker listens again on the same port (alarm states and rates stay).
   */
  async restartBroker(): Promise<void> {
    if (this.stopped) throw new Error('simulator stopped');
    await this.broker.restart();
  }

  /** Stops the sampling, closes every server and connection (bounded wait); idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.rmon.stop();
    await Promise.all([this.thrift.close(), this.grpc.close(), this.http.close(), this.broker.close()]);
    this.rib.off('change', this.onChange);
  }
}
