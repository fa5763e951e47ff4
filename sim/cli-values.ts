/**
 * The values of the simulator's command-line options that carry a structure of their own (sim/cli.ts
 * reads the command line): an RMON alarm, an interface rate, a traffic script, a route of another
 * protocol. Each is checked as the simulator checks it, and a bad one throws an Error naming the option.
 */
import { parseSampleType, parseStartupAlarm } from '../lib/rmon/alarm';
import { checkIfIndex, checkRate, normalizeAlarm, RmonAlarmSpec, RmonScriptStep } from './rmon';
import { OtherRouteInput, OtherRoutes } from './other-routes';

export function splitPair(name: string, value: string, sep: string, what: string): [string, string] {
  const i = value.indexOf(sep);
  if (i <= 0) throw new Error(`${name}: expected ${what}, got ${value}`);
  return [value.slice(0, i), value.slice(i + 1)];
}

export function toNumber(name: string, value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new Error(`${name}: not a number: ${value}`);
  return n;
}

/** `ifIndex` and `rate` checked as the engine checks them, with `name` in the message. */
function interfaceRate(name: string, ifIndex: string, rate: string): [number, number] {
  try {
    return [checkIfIndex(toNumber(name, ifIndex)), checkRate(toNumber(name, rate))];
  } catch (err) {
    throw err instanceof RangeError ? new Error(`${name}: ${err.message}`) : err;
  }
}

/** `IFINDEX:RATE` (for --rate). */
export function parseRate(value: string): [number, number] {
  const [i, r] = splitPair('--rate', value, ':', 'IFINDEX:RATE');
  return interfaceRate('--rate', i, r);
}

const ALARM_KEYS: Record<string, string> = {
  index: 'index',
  variable: 'variable',
  ifindex: 'ifindex',
  interval: 'interval',
  'rising-threshold': 'rising',
  rising: 'rising',
  'falling-threshold': 'falling',
  falling: 'falling',
  'rising-event-index': 'risingEvent',
  'falling-event-index': 'fallingEvent',
  'event-index': 'event',
  event: 'event',
  'sample-type': 'sampleType',
  'startup-alarm': 'startup',
  startup: 'startup',
  'syslog-subtag': 'subtag',
  subtag: 'subtag',
};

/** An --alarm SPEC (see USAGE), validated by the engine's normalizeAlarm; throws an Error naming the problem. */
export function parseAlarm(value: string): RmonAlarmSpec {
  let spec: RmonAlarmSpec;
  if (!value.includes('=')) {
    const parts = value.split(':');
    if (parts.length < 3 || parts.length > 4) throw new Error(`--alarm: expected INDEX:IFINDEX:RISING[:FALLING] or key=value,..., got ${value}`);
    const [index, ifIndex, rising, falling] = parts.map((p) => toNumber('--alarm', p));
    spec = { index, variable: `ifIn1SecRate.${ifIndex}`, rising, falling: parts.length === 4 ? falling : undefined };
  } else {
    const kv: Record<string, string> = {};
    for (const pair of value.split(',')) {
      const [k, v] = splitPair('--alarm', pair.trim(), '=', 'key=value');
      const key = ALARM_KEYS[k.toLowerCase()];
      if (!key) throw new Error(`--alarm: unknown key ${k}`);
      kv[key] = v;
    }
    const num = (k: string): number | undefined => (kv[k] === undefined ? undefined : toNumber(`--alarm ${k}`, kv[k]));
    if (kv.variable !== undefined && kv.ifindex !== undefined) throw new Error('--alarm: give variable or ifindex, not both');
    if (kv.index === undefined || kv.rising === undefined || (kv.variable ?? kv.ifindex) === undefined) {
      throw new Error('--alarm: index, rising-threshold and variable (or ifindex) are needed');
    }
    const sampleType = kv.sampleType === undefined ? undefined : parseSampleType(kv.sampleType);
    if (sampleType === null) throw new Error(`--alarm: unknown sample-type ${kv.sampleType}`);
    const startup = kv.startup === undefined ? undefined : parseStartupAlarm(kv.startup);
    if (startup === null) throw new Error(`--alarm: unknown startup-alarm ${kv.startup}`);
    spec = {
      index: num('index') as number,
      variable: kv.variable ?? `ifIn1SecRate.${kv.ifindex}`,
      intervalS: num('interval'),
      rising: num('rising') as number,
      falling: num('falling'),
      risingEventIndex: num('risingEvent') ?? num('event'),
      fallingEventIndex: num('fallingEvent') ?? num('event'),
      sampleType,
      startup,
      subtag: kv.subtag,
    };
  }
  try {
    normalizeAlarm(spec);
  } catch (err) {
    throw new Error(`--alarm: ${(err as Error).message}`);
  }
  return spec;
}

/**
 * An --other-route SPEC: `PREFIX next-hop ADDR [next-hop ADDR]... [preference N] [protocol P]
 * [table T]`, checked as the simulator checks it.
 */
export function parseOtherRoute(value: string): OtherRouteInput {
  const [prefix, ...words] = value.trim().split(/\s+/);
  const input: OtherRouteInput & { nexthops: string[] } = { prefix: prefix ?? '', nexthops: [] };
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i];
    const v = words[i + 1];
    if (v === undefined) throw new Error(`--other-route: ${key} needs a value in ${JSON.stringify(value)}`);
    if (key === 'next-hop') input.nexthops.push(v);
    else if (key === 'preference') input.preference = toNumber('--other-route preference', v);
    else if (key === 'protocol') input.protocol = v;
    else if (key === 'table') input.table = v;
    else throw new Error(`--other-route: unknown word ${key} in ${JSON.stringify(value)} (next-hop, preference, protocol, table)`);
  }
  const checked = new OtherRoutes().add(input);
  if (!checked.ok) throw new Error(`--other-route: ${checked.message}`);
  return input;
}

/** A --script value: comma-separated `T:IFINDEX=RATE` steps (T in seconds). */
export function parseScript(value: string): RmonScriptStep[] {
  const steps: RmonScriptStep[] = [];
  for (const item of value.split(/[\s,]+/)) {
    if (item === '') continue;
    const m = /^([^:]+):([^=]+)=(.+)$/.exec(item);
    if (!m) throw new Error(`--script: expected T:IFINDEX=RATE, got ${item}`);
    const atS = toNumber('--script', m[1]);
    if (atS < 0) throw new Error(`--script: negative time in ${item}`);
    const [ifIndex, rate] = interfaceRate('--script', m[2], m[3]);
    steps.push({ atS, ifIndex, rate });
  }
  if (steps.length === 0) throw new Error('--script: no steps');
  return steps;
}
