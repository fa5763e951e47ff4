/**
 * The plan of a simulated fleet, in one place for the fleet (sim/fleet.ts, `jet-sim --routers N`) and
 * the flow generator (tools/fleet-flow.ts), so that a generated flow points at the ports the fleet
 * listens on:
 *  - router k (0 .. N-1) listens on BASE + k for each kind: gRPC on grpc + k, MQTT on mqtt + k, Thrift
 *    (when served) on thrift + k; a base of 0 means any free port for every router;
 *  - router k's host name (in its notifications, hence in jet-rmon-event's msg.topic) is
 *    `<hostname>-<k>`, or `<hostname>` alone in a fleet of one;
 *  - each router watches the same interfaces: M alarms, alarm i+1 on ifIn1SecRate.<541 + i> (the lab
 *    alarm of docs/protocol.md §1 moved along: rising 1024, falling 1023, event and subtag from the
 *    ifIndex), each interface idle (rate 0) at start.
 * Nothing here listens or imports a server.
 */
import { DEFAULT_NOTIFICATION_PORT, DEFAULT_PORTS } from '../lib/core/defaults';
import type { RmonAlarmSpec } from './rmon';

/** The most routers one fleet serves (each needs a port of every kind). */
export const MAX_ROUTERS = 1000;
/** The most watched interfaces per router. */
export const MAX_INTERFACES = 1000;
/** The ifIndex of the first watched interface (the lab interface of docs/protocol.md §1). */
export const FIRST_IFINDEX = 541;
/** The watched interfaces' thresholds (the lab alarm's). */
export const RISING_THRESHOLD = 1024;
export const FALLING_THRESHOLD = 1023;
/** A rate that crosses the rising threshold (the sample flow's "raise traffic"). */
export const HIGH_RATE = 8288;

/** The first port of each kind; false: that server is off. */
export interface FleetBases {
  grpc: number | false;
  thrift: number | false;
  mqtt: number;
}

/** The ports of `jet-sim` without options: JET's defaults. */
export const DEFAULT_BASES: Readonly<FleetBases> = Object.freeze({ grpc: DEFAULT_PORTS.grpc, thrift: DEFAULT_PORTS.thrift, mqtt: DEFAULT_NOTIFICATION_PORT });

/** Router k's ports (0: any free port; false: off). */
export interface RouterPorts {
  grpc: number | false;
  thrift: number | false;
  mqtt: number;
}

/** Port `base` + k, or 0 (any free port) for a base of 0. */
export function portOf(base: number, k: number): number {
  return base === 0 ? 0 : base + k;
}

/** Router k's ports under `bases`. */
export function routerPorts(bases: FleetBases, k: number): RouterPorts {
  return {
    grpc: bases.grpc === false ? false : portOf(bases.grpc, k),
    thrift: bases.thrift === false ? false : portOf(bases.thrift, k),
    mqtt: portOf(bases.mqtt, k),
  };
}

/** Router k's host name in a fleet of `n`. */
export function routerHostname(hostname: string, k: number, n: number): string {
  return n === 1 ? hostname : `${hostname}-${k}`;
}

/** The watched interfaces' ifIndexes: 541, 542, ... (`count` of them). */
export function watchedIfIndexes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => FIRST_IFINDEX + i);
}

/** The alarms of `count` watched interfaces (alarm i+1 on the i-th), the rest from the engine's defaults. */
export function watchedAlarms(count: number): RmonAlarmSpec[] {
  return watchedIfIndexes(count).map((ifIndex, i) => ({ index: i + 1, variable: `ifIn1SecRate.${ifIndex}`, rising: RISING_THRESHOLD, falling: FALLING_THRESHOLD }));
}

/** A count option (--routers, --interfaces): a whole number 1..max; throws an Error naming `name`. */
export function parseCountOption(name: string, value: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new Error(`${name}: not a whole number 1..${max}: ${value}`);
  return Number(value);
}

/**
 * Why `n` routers cannot follow `bases` (a range past 65535, two kinds' ranges overlapping, or the
 * HTTP port inside one), or null when they can.
 */
export function planProblem(bases: FleetBases, n: number, httpPort?: number): string | null {
  const ranges: Array<[string, number]> = [];
  for (const [kind, base] of [['gRPC', bases.grpc], ['Thrift', bases.thrift], ['MQTT', bases.mqtt]] as const) {
    if (base === false || base === 0) continue;
    if (base + n - 1 > 65535) return `${kind} ports ${base}..${base + n - 1} go past 65535`;
    ranges.push([kind, base]);
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [a, x] = ranges[i];
      const [b, y] = ranges[j];
      if (x < y + n && y < x + n) return `${a} ports ${x}..${x + n - 1} and ${b} ports ${y}..${y + n - 1} overlap`;
    }
  }
  if (httpPort !== undefined && httpPort !== 0) {
    const hit = ranges.find(([, base]) => httpPort >= base && httpPort < base + n);
    if (hit) return `the HTTP port ${httpPort} is one of the ${hit[0]} ports ${hit[1]}..${hit[1] + n - 1}`;
  }
  return null;
}

/** The plan as --help states it (sim/fleet-cli.ts). */
export const PLAN_TEXT = `router k (0 .. N-1) listens on BASE+k for each kind: gRPC on --grpc-port+k, MQTT on --mqtt-port+k,
                        Thrift on --thrift-port+k (in a fleet only when --thrift-port is given); 0 = any free port for every router`;
