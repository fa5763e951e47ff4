#!/usr/bin/env node
/**
 * Runs the simulated JET router until SIGINT/SIGTERM (see USAGE):
 *
 *   node dist/sim/cli.js [--host 127.0.0.1] [--thrift-port 9090 | --no-thrift] [--grpc-port 32767 | --no-grpc]
 *                        [--http-port 8080] [--mqtt-port 1883] [--user lab:lab123 ...]
 *                        [--tls-key FILE --tls-cert FILE [--tls-ca FILE]]
 *                        [--grpc-tls-key FILE --grpc-tls-cert FILE [--grpc-tls-ca FILE]]
 *                        [--route-delay MS] [--purge-time S] [--grpc-linger MS] [--grpc-fault SPEC ...]
 *                        [--other-route SPEC ...]
 *                        [--alarm SPEC ...] [--rate IFINDEX:RATE ...] [--script STEPS]
 *                        [--routers N] [--interfaces M]   (a fleet: sim/fleet-cli.ts)
 */
import * as fs from 'fs';
import { parseArgs as parseArgv, type ParseArgsConfig } from 'util';
import { DEFAULT_NOTIFICATION_PORT, DEFAULT_PORTS, ROUTER_PURGE_TIME_S } from '../lib/core/defaults';
import { DEFAULT_HOST, DEFAULT_HOSTNAME, DEFAULT_HTTP_PORT, DEFAULT_USERS } from './defaults';
import { JetSimulator, JetSimulatorOptions } from './index';
import type { SimTlsOptions } from './server-base';
import { parseFault, statusName } from './grpc/faults';
import { DEFAULT_INTERFACES, RMON_TOPIC } from './rmon';
import { parseAlarm, parseOtherRoute, parseRate, parseScript, splitPair } from './cli-values';
import { checkFleetArgs, FLEET_USAGE, isFleet, parseInterfaces, parseRouters, runFleet } from './fleet-cli';
import type { CliOptions } from './cli-options';
import { stopOnSignals } from './signals';

export { parseAlarm, parseOtherRoute, parseRate, parseScript };

export const USAGE = `usage: node dist/sim/cli.js [options]
  --host ADDR           address to listen on (default ${DEFAULT_HOST})
  --thrift-port N       JET Thrift port (default ${DEFAULT_PORTS.thrift}; 0 = any free port)
  --grpc-port N         JET gRPC (jnx.jet) port (default ${DEFAULT_PORTS.grpc}, as Junos; 0 = any free port)
  --no-thrift           no Thrift server
  --no-grpc             no gRPC server
  --http-port N         HTTP port for the status page (/) and /rib, /health, /interfaces, /alarms, /events/rmon,
                        /commits (default ${DEFAULT_HTTP_PORT}; 0 = any free port)
  --mqtt-port N         MQTT (notification) port (default ${DEFAULT_NOTIFICATION_PORT}; 0 = any free port)
  --mqtt-host ADDR      address for MQTT (default: --host)
  --user NAME:PASSWORD  accepted login, repeatable (default ${Object.entries(DEFAULT_USERS).map(([user, password]) => `${user}:${password}`).join(' ')})
  --mqtt-user NAME:PASSWORD  MQTT clients must give this user and password (default: none asked)
  --tls-key FILE        serve Thrift over TLS with this private key (PEM) ...
  --tls-cert FILE       ... and this certificate (PEM)
  --tls-ca FILE         CA (PEM) to verify client certificates with (asks clients for one)
  --grpc-tls-key FILE   serve gRPC over TLS with this private key (PEM) ...
  --grpc-tls-cert FILE  ... and this certificate (PEM)
  --grpc-tls-ca FILE    CA (PEM) to verify gRPC client certificates with (mutual TLS: clients must have one)
  --route-delay MS      a slow router: each route call (Thrift and gRPC) is answered MS ms per route later,
                        the calls of one session one after the other (default 0)
  --purge-time S        gRPC: seconds a client's routes outlive its session when it set no purge timer
                        (RoutePurgeTimerAdd); default ${ROUTER_PURGE_TIME_S}, as the API; 0 = purged when the session ends
  --grpc-linger MS      gRPC: how long the session of a vanished client still holds its client id
                        (new logins with that id are refused meanwhile; default 0)
  --grpc-fault SPEC     gRPC: answer chosen calls with a gRPC status or a sub-code, repeatable. SPEC: key=value
                        pairs joined by commas: method (names joined by |, or *), status (gRPC status name) or
                        sub-code (routing.rib sub-code name), details, count (calls; default 1), for (ms), e.g.
                        "method=RouteAdd|RouteUpdate,sub-code=TRY_AGAIN,for=10000". At run time: /grpc/faults
                        (GET, DELETE; POST {method, status|subCode, details, count, forMs}); POST
                        /grpc/forget-logins forgets every login (a JET daemon restart; the RIB is kept)
  --grpc-unauth-status NAME  gRPC: status of a call without a login (default UNAUTHENTICATED)
  --other-route SPEC    a route of another protocol in the routing table, repeatable: a static route from
                        the CLI, BGP, direct. RouteGet (a lookup) returns it with the JET routes at its prefix,
                        naming no owner; JET never adds, deletes or purges it, and a JET route at the same
                        prefix is another route. SPEC as Junos writes it: PREFIX next-hop ADDR [next-hop ADDR]
                        [preference N] [protocol static|bgp|ospf|isis|direct|local] [table T]; protocol static
                        and its preference by default, e.g. --other-route "1.1.1.1/32 next-hop 10.9.9.9".
                        Also POST /rib/others with {"prefix", "nexthops", "preference", "protocol", "table"},
                        DELETE /rib/others?prefix=...
  --mqtt-tls-key FILE   serve MQTT over TLS with this private key (PEM) ...
  --mqtt-tls-cert FILE  ... and this certificate (PEM)
  --hostname NAME       router host name in notifications (default ${DEFAULT_HOSTNAME})
  --alarm SPEC          an RMON alarm, repeatable; replaces the default alarm
                        (1:541:1024:1023, interval 1 s, event 541 both ways, subtag IFINDEX541, startup rising).
                        SPEC is INDEX:IFINDEX:RISING[:FALLING] (interval 1 s, events and subtag from IFINDEX,
                        startup rising-alarm, falling 20% below rising when not given), or
                        key=value pairs separated by commas, keys as in Junos:
                          index, variable (ifIn1SecRate.N) or ifindex (N), interval (s),
                          rising-threshold, falling-threshold (default 20% below rising),
                          rising-event-index, falling-event-index, event-index (both; default the ifIndex, 0 = none),
                          sample-type (absolute-value | delta-value),
                          startup-alarm (rising-alarm | falling-alarm | rising-or-falling-alarm; default rising-alarm),
                          syslog-subtag (default IFINDEX<ifIndex>; empty = none)
                        e.g. --alarm index=2,ifindex=600,rising-threshold=5000,startup-alarm=rising-or-falling-alarm
  --rate IFINDEX:RATE   initial input rate of an interface, repeatable (default 541:0)
  --script STEPS        scripted traffic: comma-separated T:IFINDEX=RATE steps, at T seconds after start set the
                        rate and sample at once, e.g. "0:541=0,5:541=8288,10:541=0"
  --no-sampling         no periodic sampling (only HTTP rate changes and script steps sample)
${FLEET_USAGE}
  --help                this text`;

function parsePort(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new Error(`${name}: not a port number: ${value}`);
  return Number(value);
}

/** A whole number ≥ 0 (ms, s). */
function parseCount(name: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new Error(`${name}: not a whole number ≥ 0: ${value}`);
  return Number(value);
}

/** What an option does to the parsed options, given its value and how it was spelled (for messages). */
type Setter = (out: CliOptions, value: string, flag: string) => unknown;

/** The options that take a value, each with what it does to the parsed options (in the order given). */
const VALUE_OPTIONS: Readonly<Record<string, Setter>> = {
  host: (o, v) => (o.host = v),
  'thrift-port': (o, v, f) => (o.thriftPort = parsePort(f, v)),
  'grpc-port': (o, v, f) => (o.grpcPort = parsePort(f, v)),
  'http-port': (o, v, f) => (o.httpPort = parsePort(f, v)),
  'mqtt-port': (o, v, f) => (o.mqttPort = parsePort(f, v)),
  'mqtt-host': (o, v) => (o.mqttHost = v),
  user: (o, v, f) => {
    const [name, password] = splitPair(f, v, ':', 'NAME:PASSWORD');
    o.users[name] = password;
  },
  'mqtt-user': (o, v, f) => {
    const [username, password] = splitPair(f, v, ':', 'NAME:PASSWORD');
    o.mqttUser = { username, password };
  },
  'tls-key': (o, v) => (o.tlsKey = v),
  'tls-cert': (o, v) => (o.tlsCert = v),
  'tls-ca': (o, v) => (o.tlsCa = v),
  'grpc-tls-key': (o, v) => (o.grpcTlsKey = v),
  'grpc-tls-cert': (o, v) => (o.grpcTlsCert = v),
  'grpc-tls-ca': (o, v) => (o.grpcTlsCa = v),
  'route-delay': (o, v, f) => (o.routeDelayMs = parseCount(f, v)),
  'purge-time': (o, v, f) => (o.purgeTimeS = parseCount(f, v)),
  'grpc-linger': (o, v, f) => (o.grpcLingerMs = parseCount(f, v)),
  'other-route': (o, v) => o.otherRoutes.push(parseOtherRoute(v)),
  'grpc-fault': (o, v) => o.grpcFaults.push(parseFault(v)),
  'grpc-unauth-status': (o, v, f) => (o.grpcUnauthStatus = statusName(f, v)),
  'mqtt-tls-key': (o, v) => (o.mqttTlsKey = v),
  'mqtt-tls-cert': (o, v) => (o.mqttTlsCert = v),
  hostname: (o, v) => (o.hostname = v),
  alarm: (o, v) => (o.alarms ??= []).push(parseAlarm(v)),
  rate: (o, v) => {
    const [ifIndex, rate] = parseRate(v);
    o.rates[ifIndex] = rate;
  },
  script: (o, v) => o.script.push(...parseScript(v)),
  routers: (o, v, f) => (o.routers = parseRouters(f, v)),
  interfaces: (o, v, f) => (o.interfaces = parseInterfaces(f, v)),
};

/** The options that take none. */
const FLAGS: Readonly<Record<string, (out: CliOptions) => unknown>> = {
  help: (o) => (o.help = true),
  'no-thrift': (o) => (o.thrift = false),
  'no-grpc': (o) => (o.grpc = false),
  'no-sampling': (o) => (o.sampling = false),
};

/** The options of each server that its off switch contradicts. */
const OFF_SWITCHES = [
  ['--no-thrift', ['--thrift-port', '--tls-key', '--tls-cert', '--tls-ca']],
  ['--no-grpc', ['--grpc-port', '--grpc-tls-key', '--grpc-tls-cert', '--grpc-tls-ca', '--purge-time', '--grpc-linger', '--grpc-fault', '--grpc-unauth-status']],
] as const;

/** util.parseArgs's reading of the options above (every value option repeatable: each use is applied in order). */
const PARSE_OPTIONS: ParseArgsConfig['options'] = {
  ...Object.fromEntries(Object.keys(VALUE_OPTIONS).map((name) => [name, { type: 'string', multiple: true } as const])),
  ...Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'boolean', multiple: true } as const])),
  help: { type: 'boolean', short: 'h', multiple: true },
};

/** Parses the command line (without node and script); throws an Error with a message on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const out: CliOptions = {
    host: DEFAULT_HOST,
    thriftPort: DEFAULT_PORTS.thrift,
    thrift: true,
    grpcPort: DEFAULT_PORTS.grpc,
    grpc: true,
    httpPort: DEFAULT_HTTP_PORT,
    mqttPort: DEFAULT_NOTIFICATION_PORT,
    users: {},
    routeDelayMs: 0,
    purgeTimeS: ROUTER_PURGE_TIME_S,
    grpcLingerMs: 0,
    otherRoutes: [],
    grpcFaults: [],
    hostname: DEFAULT_HOSTNAME,
    rates: {},
    script: [],
    sampling: true,
    help: false,
  };
  // Not strict: the tokens say what was given and this reads them, so that the messages are ours.
  const { tokens } = parseArgv({ args: [...argv], options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const given = new Set<string>();
  for (const token of tokens) {
    if (token.kind === 'positional') throw new Error(`unknown argument: ${token.value}`);
    if (token.kind === 'option-terminator') throw new Error('unknown argument: --');
    const flag = token.rawName;
    const setValue = Object.hasOwn(VALUE_OPTIONS, token.name) ? VALUE_OPTIONS[token.name] : undefined;
    const setFlag = Object.hasOwn(FLAGS, token.name) ? FLAGS[token.name] : undefined;
    given.add(flag);
    if (setValue) {
      // A value is the next argument unless that is another option ("--host --http-port 1").
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) throw new Error(`${flag} needs a value`);
      setValue(out, token.value, flag);
    } else if (setFlag) {
      if (token.value !== undefined) throw new Error(`${flag} takes no value`);
      setFlag(out);
    } else {
      throw new Error(`unknown argument: ${flag}`);
    }
  }
  if (!given.has('--user')) out.users = { ...DEFAULT_USERS };
  if ((out.tlsKey === undefined) !== (out.tlsCert === undefined)) throw new Error('--tls-key and --tls-cert go together');
  if (out.tlsCa !== undefined && out.tlsKey === undefined) throw new Error('--tls-ca needs --tls-key and --tls-cert');
  if ((out.grpcTlsKey === undefined) !== (out.grpcTlsCert === undefined)) throw new Error('--grpc-tls-key and --grpc-tls-cert go together');
  if (out.grpcTlsCa !== undefined && out.grpcTlsKey === undefined) throw new Error('--grpc-tls-ca needs --grpc-tls-key and --grpc-tls-cert');
  for (const [off, opts] of OFF_SWITCHES) {
    const clash = given.has(off) ? opts.find((o) => given.has(o)) : undefined;
    if (clash) throw new Error(`${clash} and ${off} contradict each other`);
  }
  if ((out.mqttTlsKey === undefined) !== (out.mqttTlsCert === undefined)) throw new Error('--mqtt-tls-key and --mqtt-tls-cert go together');
  const indexes = (out.alarms ?? []).map((a) => a.index);
  const dup = indexes.find((x, i) => indexes.indexOf(x) !== i);
  if (dup !== undefined) throw new Error(`--alarm: alarm ${dup} given twice`);
  checkFleetArgs(out, given);
  return out;
}

/** A request-response server's TLS from its files; with a CA, clients must show a certificate it signed. */
function tlsFiles(key: string | undefined, cert: string | undefined, ca: string | undefined): SimTlsOptions | undefined {
  if (key === undefined || cert === undefined) return undefined;
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert), ca: ca !== undefined ? fs.readFileSync(ca) : undefined, requestCert: ca !== undefined };
}

/** Simulator options for parsed CLI options (reads the TLS files). */
export function toSimulatorOptions(cli: CliOptions, log: (line: string) => void): JetSimulatorOptions {
  return {
    host: cli.host,
    thriftPort: cli.thrift ? cli.thriftPort : false,
    grpcPort: cli.grpc ? cli.grpcPort : false,
    routeDelayMs: cli.routeDelayMs,
    defaultPurgeTimeS: cli.purgeTimeS,
    grpcLingerMs: cli.grpcLingerMs,
    otherRoutes: cli.otherRoutes,
    grpcFaults: cli.grpcFaults,
    grpcNotLoggedInStatus: cli.grpcUnauthStatus,
    grpcTls: tlsFiles(cli.grpcTlsKey, cli.grpcTlsCert, cli.grpcTlsCa),
    httpPort: cli.httpPort,
    mqttPort: cli.mqttPort,
    mqttHost: cli.mqttHost,
    users: cli.users,
    mqttAuth: cli.mqttUser,
    mqttTls:
      cli.mqttTlsKey !== undefined && cli.mqttTlsCert !== undefined
        ? { key: fs.readFileSync(cli.mqttTlsKey), cert: fs.readFileSync(cli.mqttTlsCert) }
        : undefined,
    hostname: cli.hostname,
    alarms: cli.alarms,
    interfaces: { ...DEFAULT_INTERFACES, ...cli.rates },
    sampling: cli.sampling,
    log,
    tls: tlsFiles(cli.tlsKey, cli.tlsCert, cli.tlsCa),
  };
}

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (cli.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  if (isFleet(cli)) return runFleet(cli, toSimulatorOptions(cli, log), log);
  const sim = await JetSimulator.start(toSimulatorOptions(cli, log));
  const thriftText = cli.thrift ? `Thrift on ${sim.host}:${sim.thriftPort}${cli.tlsKey ? ' (TLS)' : ''}` : 'Thrift off';
  const grpcText = cli.grpc ? `gRPC (jnx.jet) on ${sim.host}:${sim.grpcPort}${cli.grpcTlsKey ? (cli.grpcTlsCa ? ' (mutual TLS)' : ' (TLS)') : ''}` : 'gRPC off';
  log(`JET simulator: ${thriftText}, ${grpcText}, HTTP on http://${sim.host}:${sim.httpPort}/rib; users: ${Object.keys(cli.users).join(', ')}`);
  if (cli.routeDelayMs > 0) log(`JET simulator: slow router, route calls answered ${cli.routeDelayMs} ms per route later`);
  if (cli.grpc) log(`JET simulator: management API on the gRPC port (show interfaces, show configuration snmp rmon, ConfigSet of snmp rmon); commits on http://${sim.host}:${sim.httpPort}/commits`);
  log(`JET simulator: MQTT on ${sim.broker.url}${cli.mqttUser ? ` (user ${cli.mqttUser.username})` : ''}, RMON events on ${RMON_TOPIC}; POST http://${sim.host}:${sim.httpPort}/interfaces/<ifIndex>/rate to change a rate`);
  for (const a of sim.rmon.alarms()) {
    log(
      `rmon: alarm ${a.index} ${a.variable} rising ${a.rising} falling ${a.falling} every ${a.intervalS} s (${a.sampleType}), ` +
        `events ${a.risingEventIndex}/${a.fallingEventIndex}, startup ${a.startup}, subtag ${a.subtag || '(none)'}${cli.sampling ? '' : ', not sampling'}`,
    );
  }
  if (cli.script.length > 0) sim.rmon.playScript(cli.script);
  stopOnSignals(() => sim.stop(), log);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`jet simulator: ${err.message}\n`);
    process.exitCode = 1;
  });
}
