/**
 * A fleet of simulated routers in one process (`jet-sim --routers N`): N JetSimulator instances, each
 * with its own gRPC (and optionally Thrift) server, notification broker, RIB and RMON engine, on the
 * ports of the plan (sim/fleet-plan.ts: router k on BASE + k for each kind), and one HTTP server that
 * addresses each of them:
 *
 *   GET  /routers                                  → {routers: [{index, hostname, grpcPort, thriftPort, mqttPort, routes}]}
 *   GET  /routers/<k>/rib[?table=...]              → router k's RIB, as GET /rib
 *   POST /routers/<k>/interfaces/<ifIndex>/rate    → router k's rate, as POST /interfaces/<ifIndex>/rate
 *   GET  /routers/<k>/interfaces, /routers/<k>/alarms, POST /routers/<k>/events/rmon (as without the prefix)
 *   POST /routers/<k>/restart                      → router k restarts (its JET servers and broker)
 *   POST /restart                                  → every router restarts, all at once
 *   GET  /health, GET /rib, /interfaces, /alarms, /events/rmon → router 0 (the URLs of one router)
 *
 * A restart is the simulator's own: every session dropped, the gRPC routes purged (sim/index.ts
 * restartGrpc), the Thrift sessions' routes purged, every MQTT client dropped with its
 * subscriptions; alarm states and rates stay (the router's RMON configuration survives).
 * The routers' own HTTP servers are off; their log lines are prefixed with `router <k>: `.
 */
import { addRmonRoutes, HttpHandler, HttpError, JetSimulator, JetSimulatorOptions, ownerLabel, sendJson, SimHttpServer } from './index';
import { DEFAULT_HOST, DEFAULT_HOSTNAME } from './defaults';
import { DEFAULT_BASES, FleetBases, MAX_ROUTERS, planProblem, routerHostname, routerPorts, watchedAlarms, watchedIfIndexes } from './fleet-plan';

/** What every router of the fleet shares (their ports, host names and HTTP come from the fleet). */
export type FleetRouterOptions = Omit<JetSimulatorOptions, 'host' | 'thriftPort' | 'grpcPort' | 'mqttPort' | 'httpPort' | 'hostname' | 'log'>;

export interface JetFleetOptions {
  /** How many routers (1 .. MAX_ROUTERS). */
  routers: number;
  /** Address every server listens on (default 127.0.0.1; MQTT: `router.mqttHost` when set). */
  host?: string;
  /** The first port of each kind (default JET's: gRPC 32767, Thrift 9090, MQTT 1883); 0: any free port. */
  bases?: Partial<FleetBases>;
  /** The fleet's HTTP port (default 0: a free port). */
  httpPort?: number;
  /** Host name of the routers: `<hostname>-<k>`, or `<hostname>` in a fleet of one (default jet-sim). */
  hostname?: string;
  /**
   * Watched interfaces per router (see sim/fleet-plan.ts watchedAlarms): their alarms replace
   * `router.alarms`, and each of them starts idle; undefined: `router.alarms` (or the default alarm).
   */
  interfaces?: number;
  /** Options every router shares. */
  router?: FleetRouterOptions;
  /** Log lines of every router, prefixed `router <k>: `, and the fleet's own. */
  log?: (line: string) => void;
}

/** Where router k is reached. */
export interface FleetEndpoint {
  index: number;
  hostname: string;
  /** 0 when off. */
  grpcPort: number;
  /** 0 when off. */
  thriftPort: number;
  mqttPort: number;
}

/**
 * A registry of routes under a path prefix: addRmonRoutes() registers its routes through this as
 * it would on the server itself (it uses only addRoute), each path anchored under `prefix`.
 */
function mountedAt(http: SimHttpServer, prefix: string): SimHttpServer {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const at: Pick<SimHttpServer, 'addRoute'> = {
    addRoute(method: string, path: RegExp, handler: HttpHandler): void {
      if (!path.source.startsWith('^')) throw new Error(`fleet: cannot mount an unanchored path ${path}`);
      http.addRoute(method, new RegExp(`^${escaped}${path.source.slice(1)}`, path.flags), handler);
    },
  };
  return at as SimHttpServer;
}

export class JetFleet {
  readonly http: SimHttpServer;
  readonly host: string;
  private readonly log: (line: string) => void;
  private stopped = false;
  /** Restarts under way, by router. */
  private readonly restarting = new Map<number, Promise<void>>();

  private constructor(
    readonly routers: readonly JetSimulator[],
    options: JetFleetOptions,
  ) {
    this.host = options.host ?? DEFAULT_HOST;
    this.log = options.log ?? ((): void => undefined);
    this.http = new SimHttpServer({ rib: routers[0].rib, log: this.log });
    addRmonRoutes(this.http, routers[0].rmon);
    this.http.addRoute('GET', /^\/routers$/, (_req, res) => sendJson(res, 200, { routers: this.endpoints().map((e) => ({ ...e, routes: this.router(e.index).rib.size })) }));
    this.http.addRoute('GET', /^\/routers\/(\d{1,4})\/rib$/, (_req, res, m, url) => {
      const rib = this.routerOf(m[1]).rib;
      const table = url.searchParams.get('table') ?? undefined;
      sendJson(res, 200, { routes: rib.entries(table).map((e) => ({ ...e, owner: ownerLabel(e) })) });
    });
    this.http.addRoute('POST', /^\/routers\/(\d{1,4})\/restart$/, async (_req, res, m) => {
      const k = Number(m[1]);
      this.routerOf(m[1]);
      await this.restart(k);
      sendJson(res, 200, { restarted: [k] });
    });
    this.http.addRoute('POST', /^\/restart$/, async (_req, res) => {
      await this.restartAll();
      sendJson(res, 200, { restarted: this.routers.map((_r, k) => k) });
    });
    routers.forEach((r, k) => addRmonRoutes(mountedAt(this.http, `/routers/${k}`), r.rmon));
  }

  /**
   * Starts every router (all at once), then the HTTP server. Throws a RangeError for a bad count or
   * plan, and whatever a server throws (port in use...), after stopping what had started.
   */
  static async start(options: JetFleetOptions): Promise<JetFleet> {
    const n = options.routers;
    if (!Number.isInteger(n) || n < 1 || n > MAX_ROUTERS) throw new RangeError(`routers must be a whole number 1..${MAX_ROUTERS} (got ${String(n)})`);
    const bases: FleetBases = { ...DEFAULT_BASES, ...options.bases };
    const problem = planProblem(bases, n, options.httpPort);
    if (problem) throw new RangeError(problem);
    const log = options.log;
    const shared: FleetRouterOptions = { ...options.router };
    if (options.interfaces !== undefined) {
      shared.alarms = watchedAlarms(options.interfaces);
      shared.interfaces = { ...Object.fromEntries(watchedIfIndexes(options.interfaces).map((i) => [i, 0])), ...options.router?.interfaces };
    }
    const started = await Promise.allSettled(
      Array.from({ length: n }, (_, k) => {
        const ports = routerPorts(bases, k);
        return JetSimulator.start({
          ...shared,
          host: options.host,
          grpcPort: ports.grpc,
          thriftPort: ports.thrift,
          mqttPort: ports.mqtt,
          httpPort: false,
          hostname: routerHostname(options.hostname ?? DEFAULT_HOSTNAME, k, n),
          log: log && ((line: string): void => log(`router ${k}: ${line}`)),
        });
      }),
    );
    const routers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(routers.map((r) => r.stop()));
      throw failed.reason;
    }
    const fleet = new JetFleet(routers, options);
    try {
      await fleet.http.listen(options.httpPort ?? 0, fleet.host);
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  get size(): number {
    return this.routers.length;
  }

  /** The fleet's HTTP port (0 once stopped). */
  get httpPort(): number {
    return this.http.port;
  }

  /** Router k; throws a RangeError when there is none. */
  router(k: number): JetSimulator {
    const r = Number.isInteger(k) ? this.routers[k] : undefined;
    if (!r) throw new RangeError(`no router ${k} (routers 0..${this.routers.length - 1})`);
    return r;
  }

  /** Where each router is reached, by index. */
  endpoints(): FleetEndpoint[] {
    return this.routers.map((r, index) => ({ index, hostname: r.rmon.hostname, grpcPort: r.grpcPort, thriftPort: r.thriftPort, mqttPort: r.mqttPort }));
  }

  /**
   * Router k restarted: its gRPC and Thrift servers (those that are on) and its broker, at once. A
   * restart asked for while router k is restarting is that restart.
   */
  restart(k: number): Promise<void> {
    const r = this.router(k);
    const running = this.restarting.get(k);
    if (running) return running;
    this.log(`fleet: restarting router ${k}`);
    const grpc = r.grpcPort !== 0;
    const thrift = r.thriftPort !== 0;
    const done = Promise.all([grpc ? r.restartGrpc() : undefined, thrift ? r.restartThrift() : undefined, r.restartBroker()])
      .then(() => undefined)
      .finally(() => this.restarting.delete(k));
    this.restarting.set(k, done);
    return done;
  }

  /** Every router restarted, all at once. */
  async restartAll(): Promise<void> {
    await Promise.all(this.routers.map((_r, k) => this.restart(k)));
  }

  /** Stops the HTTP server and every router (bounded, as each server's close); idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([this.http.close(), ...this.routers.map((r) => r.stop())]);
  }

  /** Router `k` of a URL (HttpError 404 when there is none). */
  private routerOf(k: string): JetSimulator {
    try {
      return this.router(Number(k));
    } catch (err) {
      throw new HttpError(404, (err as Error).message);
    }
  }
}
