#!/usr/bin/env node
/**
 * Generates a Node-RED flow for a fleet of routers, each watching M interfaces, importable as it is
 * (Menu → Import) or deployable through the admin API:
 *
 *   node dist/tools/fleet-flow.js --routers 50 --interfaces 10 [--prefixes P] [--api grpc|thrift]
 *        [--host ADDR] [--grpc-port BASE] [--thrift-port BASE] [--mqtt-port BASE] [--hostname NAME]
 *        [--nexthop ADDR] [--out FILE]                                  (flow JSON on stdout, or in FILE)
 *
 * Router k follows the simulated fleet's plan (sim/fleet-plan.ts, `jet-sim --routers N`): its JET port
 * is the API's BASE + k and its notification broker `--mqtt-port` + k, so that the same bases given to
 * both make the flow fit the fleet. Per router, on a tab of its own: one jet-router, one jet-rmon-event
 * per watched interface (ifIndex 541, 542, ...) → a change node that sets the interface's backup
 * prefixes (`msg.payload.prefixes`) → one jet-threshold (key: topic, i.e. <host name>/<ifIndex>) →
 * one jet-route-add (rising) and one jet-route-delete (falling) → a debug node (inactive), and a catch
 * node for the route nodes' errors → a debug node. Interface i of router k moves the host routes
 * 10.k.i.1/32 .. 10.k.i.P/32 to the next hop. Credentials are left out, as in the sample flow: set each
 * jet-router's user and password before deploying.
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { DEFAULT_RMON_TOPIC } from '../lib/core/defaults';
import { DEFAULT_BASES, FALLING_THRESHOLD, FleetBases, parseCountOption, RISING_THRESHOLD, routerHostname, routerPorts, watchedIfIndexes } from '../sim/fleet-plan';

/** A node of a flow (flows.json form; with `credentials` inside in the admin API's form). */
export interface FlowNode {
  id: string;
  type: string;
  [property: string]: unknown;
}

/** The prefix plan's bounds: 10.<router>.<interface>.<1..prefixes>/32. */
export const MAX_FLOW_ROUTERS = 256;
export const MAX_FLOW_INTERFACES = 256;
export const MAX_FLOW_PREFIXES = 255;

/** Where the flow reaches router k. */
export interface FlowRouter {
  /** Its JET request-response port (the API's). */
  port: number;
  mqttPort: number;
  /** For the tab's label (default router k). */
  hostname?: string;
}

export interface FleetFlowOptions {
  routers: readonly FlowRouter[];
  /** Watched interfaces per router (ifIndex 541, 542, ...). */
  interfaces: number;
  /** Backup prefixes per interface (default 1). */
  prefixes?: number;
  api?: 'grpc' | 'thrift';
  host?: string;
  nexthop?: string;
}

/** Node roles, part of every id (so that an id says which router, which role and which interface). */
export const ROLE = { tab: 0, router: 1, event: 2, prefixes: 3, threshold: 4, add: 5, del: 6, routes: 7, catch: 8, errors: 9, unchanged: 10 } as const;

/** The id of router k's node of `role` (interface slot `i` for the per-interface ones): 16 hex digits. */
export function nodeId(k: number, role: number, i = 0): string {
  const hex = (v: number, w: number): string => v.toString(16).padStart(w, '0');
  return `f1ee7${hex(k, 3)}${hex(role, 2)}${hex(i, 6)}`;
}

/** The backup prefixes of router k's interface slot i (0-based): 10.k.i.1/32 .. 10.k.i.count/32. */
export function backupPrefixes(k: number, i: number, count: number): string[] {
  if (k >= MAX_FLOW_ROUTERS || i >= MAX_FLOW_INTERFACES || count > MAX_FLOW_PREFIXES) throw new RangeError('outside the prefix plan 10.<router>.<interface>.<n>/32');
  return Array.from({ length: count }, (_, j) => `10.${k}.${i}.${j + 1}/32`);
}

/** The routers of a fleet of `n` that follows `bases` (sim/fleet-plan.ts), reached over `api`. */
export function plannedRouters(bases: FleetBases, n: number, api: 'grpc' | 'thrift', hostname: string): FlowRouter[] {
  const base = api === 'grpc' ? bases.grpc : bases.thrift;
  if (base === false || base === 0 || bases.mqtt === 0) throw new RangeError('a flow needs real base ports (0, any free port, cannot be written into a flow)');
  return Array.from({ length: n }, (_, k) => {
    const p = routerPorts(bases, k);
    return { port: (api === 'grpc' ? p.grpc : p.thrift) as number, mqttPort: p.mqtt, hostname: routerHostname(hostname, k, n) };
  });
}

const debug = (id: string, z: string, name: string, complete: string, active: boolean, x: number, y: number): FlowNode => ({
  id, type: 'debug', z, name, active, tosidebar: true, console: false, tostatus: false, complete, targetType: 'msg', statusVal: '', statusType: 'auto', x, y, wires: [],
});

/** The flow: per router a tab with its nodes, and its jet-router (a config node, without credentials). */
export function fleetFlow(o: FleetFlowOptions): FlowNode[] {
  const api = o.api ?? 'grpc';
  const host = o.host ?? '127.0.0.1';
  const nexthop = o.nexthop ?? '10.1.1.2';
  const P = o.prefixes ?? 1;
  const M = o.interfaces;
  if (o.routers.length < 1 || o.routers.length > MAX_FLOW_ROUTERS) throw new RangeError(`routers: 1..${MAX_FLOW_ROUTERS}`);
  if (!Number.isInteger(M) || M < 1 || M > MAX_FLOW_INTERFACES) throw new RangeError(`interfaces: 1..${MAX_FLOW_INTERFACES}`);
  if (!Number.isInteger(P) || P < 1 || P > MAX_FLOW_PREFIXES) throw new RangeError(`prefixes: 1..${MAX_FLOW_PREFIXES}`);
  const ifIndexes = watchedIfIndexes(M);
  const nodes: FlowNode[] = [];
  o.routers.forEach((r, k) => {
    const z = nodeId(k, ROLE.tab);
    const router = nodeId(k, ROLE.router);
    const label = r.hostname ?? `router ${k}`;
    const mid = 60 + ((M - 1) * 50) / 2;
    const [threshold, add, del, routes, unchanged, errors] = [ROLE.threshold, ROLE.add, ROLE.del, ROLE.routes, ROLE.unchanged, ROLE.errors].map((role) => nodeId(k, role));
    nodes.push(
      {
        id: z, type: 'tab', label: `router ${k}: ${label}`, disabled: false,
        info: `Router ${k} (${host}, JET ${api} port ${r.port}, notifications on ${r.mqttPort}): ${M} watched interface(s), ifIndex ${ifIndexes[0]}..${ifIndexes[M - 1]}. ` +
          `A rising RMON event of an interface adds its backup prefixes via ${nexthop}; the falling one deletes them. Generated by tools/fleet-flow.ts: set the router's user and password before deploying.`,
      },
      {
        id: router, type: 'jet-router', name: label, api, host, port: String(r.port), clientId: '', useTls: false, tls: '', requestTimeout: '10', queueLimit: '1000',
        purgeTime: api === 'grpc' ? '60' : '', notificationHost: '', notificationPort: String(r.mqttPort), notificationTls: false,
      },
    );
    ifIndexes.forEach((ifIndex, i) => {
      const y = 60 + i * 50;
      nodes.push(
        { id: nodeId(k, ROLE.event, i), type: 'jet-rmon-event', z, name: '', router, topic: DEFAULT_RMON_TOPIC, ifIndex: String(ifIndex), alarmIndex: '', eventIndex: '', subtag: '', direction: 'both', x: 170, y, wires: [[nodeId(k, ROLE.prefixes, i)]] },
        {
          id: nodeId(k, ROLE.prefixes, i), type: 'change', z, name: `backup prefixes of ifIndex ${ifIndex}`,
          rules: [{ t: 'set', p: 'payload.prefixes', pt: 'msg', to: backupPrefixes(k, i, P).join(' '), tot: 'str' }],
          action: '', property: '', from: '', to: '', reg: false, x: 430, y, wires: [[threshold]],
        },
      );
    });
    nodes.push(
      { id: threshold, type: 'jet-threshold', z, name: '', mode: 'event', property: 'payload', key: 'topic', rising: String(RISING_THRESHOLD), falling: String(FALLING_THRESHOLD), sampleType: 'absolute', startup: 'both', holdDown: '0', x: 690, y: mid, wires: [[add], [del], [unchanged]] },
      { id: add, type: 'jet-route-add', z, name: '', router, prefixes: '', nexthops: nexthop, preference: '5', metric: api === 'thrift' ? '3' : '', table: '', appId: '111:222', verify: false, x: 910, y: mid - 40, wires: [[routes]] },
      { id: del, type: 'jet-route-delete', z, name: '', router, prefixes: '', table: '', appId: '111:222', x: 910, y: mid, wires: [[routes]] },
      debug(routes, z, `router ${k}: routes added and deleted`, 'payload.results', false, 1160, mid - 20),
      debug(unchanged, z, 'No configuration changes required', 'payload.reason', false, 940, mid + 50),
      { id: nodeId(k, ROLE.catch, 0), type: 'catch', z, name: 'route errors', scope: [add, del], uncaught: false, x: 910, y: mid + 110, wires: [[errors]] },
      debug(errors, z, `router ${k}: route call failed`, 'error.message', true, 1140, mid + 110),
    );
  });
  return nodes;
}

/** `flow` in the admin API's form: every jet-router with these credentials inside. */
export function withCredentials(flow: readonly FlowNode[], credentials: { username: string; password: string }): FlowNode[] {
  return flow.map((n) => (n.type === 'jet-router' ? { ...n, credentials: { ...credentials } } : n));
}

export const USAGE = `usage: node dist/tools/fleet-flow.js [options] > fleet.json
  --routers N        routers (1..${MAX_FLOW_ROUTERS}; default 1): router k on the ports BASE+k, as jet-sim --routers N
  --interfaces M     watched interfaces per router, ifIndex 541, 542, ... (1..${MAX_FLOW_INTERFACES}; default 10)
  --prefixes P       backup prefixes per interface: 10.<router>.<interface>.1..P/32 (1..${MAX_FLOW_PREFIXES}; default 1)
  --api grpc|thrift  the routers' JET API (default grpc)
  --host ADDR        the routers' address (default 127.0.0.1)
  --grpc-port BASE   router k's gRPC port is BASE+k (default ${DEFAULT_BASES.grpc})
  --thrift-port BASE router k's Thrift port is BASE+k (default ${DEFAULT_BASES.thrift}; with --api thrift)
  --mqtt-port BASE   router k's notification broker is on BASE+k (default ${DEFAULT_BASES.mqtt})
  --hostname NAME    the fleet's host name, for the tab labels: NAME-k (default jet-sim, as jet-sim)
  --nexthop ADDR     the backup next hop (default 10.1.1.2)
  --out FILE         write the flow there (default: stdout)
Credentials are left out: set each jet-router's user and password in the editor before deploying.`;

export interface FleetFlowCli extends FleetFlowOptions {
  out?: string;
  help: boolean;
}

/** The command line, read; throws an Error naming a bad value. */
export function readArgs(argv: readonly string[]): FleetFlowCli {
  const str = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: [...argv],
    options: { routers: str, interfaces: str, prefixes: str, api: str, host: str, 'grpc-port': str, 'thrift-port': str, 'mqtt-port': str, hostname: str, nexthop: str, out: str, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  const api = v.api ?? 'grpc';
  if (api !== 'grpc' && api !== 'thrift') throw new Error(`--api: grpc or thrift, not ${api}`);
  const port = (name: string, value: string | undefined, fallback: number): number => (value === undefined ? fallback : parseCountOption(`--${name}`, value, 65535));
  const bases: FleetBases = { grpc: port('grpc-port', v['grpc-port'], DEFAULT_BASES.grpc as number), thrift: port('thrift-port', v['thrift-port'], DEFAULT_BASES.thrift as number), mqtt: port('mqtt-port', v['mqtt-port'], DEFAULT_BASES.mqtt) };
  const n = v.routers === undefined ? 1 : parseCountOption('--routers', v.routers, MAX_FLOW_ROUTERS);
  return {
    routers: plannedRouters(bases, n, api, v.hostname ?? 'jet-sim'),
    interfaces: v.interfaces === undefined ? 10 : parseCountOption('--interfaces', v.interfaces, MAX_FLOW_INTERFACES),
    prefixes: v.prefixes === undefined ? 1 : parseCountOption('--prefixes', v.prefixes, MAX_FLOW_PREFIXES),
    api,
    host: v.host ?? '127.0.0.1',
    nexthop: v.nexthop ?? '10.1.1.2',
    out: v.out,
    help: !!v.help,
  };
}

function main(): void {
  let cli: FleetFlowCli;
  try {
    cli = readArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fleet-flow: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (cli.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const text = `${JSON.stringify(fleetFlow(cli), null, 2)}\n`;
  if (cli.out) fs.writeFileSync(cli.out, text);
  else process.stdout.write(text);
}

if (require.main === module) main();
