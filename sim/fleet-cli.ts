/**
 * The fleet part of the simulator's command line (sim/cli.ts): `--routers N` and `--interfaces M`,
 * their checks, and running a JetFleet (sim/fleet.ts) until SIGINT/SIGTERM. Without these options
 * the command line runs one JetSimulator exactly as before.
 */
import type { CliOptions } from './cli-options';
import type { JetSimulatorOptions } from './index';
import { JetFleet } from './fleet';
import { FIRST_IFINDEX, MAX_INTERFACES, MAX_ROUTERS, parseCountOption, PLAN_TEXT, planProblem } from './fleet-plan';
import { stopOnSignals } from './signals';

export const FLEET_USAGE = `  --routers N           a fleet: N simulated routers in one process (1..${MAX_ROUTERS}; default 1, one router as above),
                        each with its own RIB, JET servers, MQTT broker and RMON engine; the plan:
                        ${PLAN_TEXT};
                        host names <--hostname>-k; one HTTP server on --http-port: GET /routers, GET /routers/<k>/rib,
                        POST /routers/<k>/interfaces/<ifIndex>/rate, GET /routers/<k>/interfaces, /routers/<k>/alarms,
                        POST /routers/<k>/events/rmon, POST /routers/<k>/restart, POST /restart (every router at once);
                        the paths without /routers/<k> address router 0; --rate and --script apply to every router
  --interfaces M        watched interfaces per router (1..${MAX_INTERFACES}): alarm i on ifIn1SecRate.<${FIRST_IFINDEX - 1}+i> (rising 1024,
                        falling 1023, events and subtag from the ifIndex, startup rising), each interface idle;
                        instead of --alarm (npx jet-fleet-flow makes the flow for such a fleet)`;

/** Reads --routers / --interfaces values. */
export const parseRouters = (flag: string, v: string): number => parseCountOption(flag, v, MAX_ROUTERS);
export const parseInterfaces = (flag: string, v: string): number => parseCountOption(flag, v, MAX_INTERFACES);

/** True when the options ask for a fleet (more than one router, or watched interfaces). */
export function isFleet(cli: CliOptions): boolean {
  return (cli.routers ?? 1) > 1 || cli.interfaces !== undefined;
}

/**
 * Checks the fleet options against the others (`given`: the options as spelled) and applies the
 * plan's rule for Thrift: a fleet of more than one router serves it only when --thrift-port is given.
 * Throws an Error naming the problem.
 */
export function checkFleetArgs(out: CliOptions, given: ReadonlySet<string>): void {
  if (out.interfaces !== undefined && out.alarms !== undefined) throw new Error('--interfaces and --alarm contradict each other');
  const n = out.routers ?? 1;
  if (n > 1 && !given.has('--thrift-port')) {
    const tls = ['--tls-key', '--tls-cert', '--tls-ca'].find((o) => given.has(o));
    if (tls) throw new Error(`${tls} needs --thrift-port with --routers (a fleet serves Thrift only when given a base port)`);
    out.thrift = false;
  }
  const problem = planProblem({ grpc: out.grpc ? out.grpcPort : false, thrift: out.thrift ? out.thriftPort : false, mqtt: out.mqttPort }, n, out.httpPort);
  if (problem) throw new Error(`--routers ${n}: ${problem}`);
}

/** Starts the fleet that `cli` describes (`shared`: the one-router options, read once) and runs it until a signal. */
export async function runFleet(cli: CliOptions, shared: JetSimulatorOptions, log: (line: string) => void): Promise<void> {
  const { host, thriftPort, grpcPort, mqttPort, httpPort, hostname, log: _log, ...router } = shared;
  const fleet = await JetFleet.start({
    routers: cli.routers ?? 1,
    host,
    bases: { grpc: grpcPort ?? false, thrift: thriftPort ?? false, mqtt: mqttPort ?? 0 },
    httpPort: typeof httpPort === 'number' ? httpPort : 0,
    hostname,
    interfaces: cli.interfaces,
    router,
    log,
  });
  const at = `http://${fleet.host}:${fleet.httpPort}`;
  log(`JET simulator fleet: ${fleet.size} router(s), HTTP on ${at}/routers; users: ${Object.keys(cli.users).join(', ')}`);
  for (const e of fleet.endpoints()) {
    const kinds = [e.grpcPort ? `gRPC ${fleet.host}:${e.grpcPort}` : 'gRPC off', e.thriftPort ? `Thrift ${fleet.host}:${e.thriftPort}` : 'Thrift off', `MQTT ${cli.mqttHost ?? fleet.host}:${e.mqttPort}`];
    log(`router ${e.index} (${e.hostname}): ${kinds.join(', ')}`);
  }
  const alarms = fleet.router(0).rmon.alarms();
  const vars = alarms.map((a) => a.variable);
  log(`rmon: every router: ${alarms.length} alarm(s) (${vars.slice(0, 3).join(', ')}${vars.length > 3 ? ', ...' : ''})${cli.sampling ? '' : ', not sampling'}; POST ${at}/routers/<k>/interfaces/<ifIndex>/rate to change a rate`);
  if (cli.script.length > 0) for (const r of fleet.routers) r.rmon.playScript(cli.script);
  stopOnSignals(() => fleet.stop(), log);
}
