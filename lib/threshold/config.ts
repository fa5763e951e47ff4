/**
 * jet-threshold's properties as flow JSON gives them, checked and with the documented defaults:
 * mode 'event', rising 1024, falling 20 % below rising (Junos default), sampleType 'absolute',
 * startup 'both', holdDown 0 s, property 'payload', key 'topic', maxKeys 10,000.
 */
import { AlarmConfig, defaultFalling, parseSampleType, parseStartupAlarm, validateAlarmConfig } from '../rmon/alarm';
import { toInteger } from '../flow-props';

/** `event`: the input says rising or falling; `sample`: the input is a value compared with the thresholds. */
export type ThresholdMode = 'event' | 'sample';

/** How many keys a machine keeps by default (the node's Max keys) before it forgets the least recently seen. */
export const DEFAULT_MAX_KEYS = 10000;
/** Ten million keys: far more than the interfaces of any network, still a bound on memory. */
export const MAX_MAX_KEYS = 10000000;

/** One day: longer would overflow a Node.js timer (about 24.8 days) and is no anti-flap any more. */
export const MAX_HOLD_DOWN_S = 86400;

export interface ThresholdDef {
  mode?: string;
  property?: string;
  key?: string;
  rising?: number | string;
  falling?: number | string;
  sampleType?: string;
  startup?: string;
  holdDown?: number | string;
  maxKeys?: number | string;
}

function num(field: string, value: unknown, fallback: number | null): number | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n)) throw new Error(`${field}: expected a number, got ${JSON.stringify(value)}`);
  return n;
}

export interface ThresholdSettings {
  mode: ThresholdMode;
  alarm: AlarmConfig;
  holdDownMs: number;
  /** Message property holding the sample (sample mode). */
  property: string;
  /** Message property holding the key (msg.topic by default). */
  key: string;
  /** How many keys the node keeps; the least recently seen is forgotten first. */
  maxKeys: number;
}

/** The node's configuration from flow JSON in any form (1024 or "1024", missing = default); throws naming the field. */
export function thresholdConfig(def: ThresholdDef): ThresholdSettings {
  const mode = def.mode === undefined || def.mode === '' ? 'event' : def.mode;
  if (mode !== 'event' && mode !== 'sample') throw new Error(`mode: expected event or sample, got ${JSON.stringify(def.mode)}`);
  const rising = num('rising', def.rising, 1024)!;
  const falling = num('falling', def.falling, null) ?? defaultFalling(rising);
  const sampleType = def.sampleType === undefined || def.sampleType === '' ? 'absolute' : parseSampleType(def.sampleType);
  if (!sampleType) throw new Error(`sampleType: expected absolute or delta, got ${JSON.stringify(def.sampleType)}`);
  const startup = def.startup === undefined || def.startup === '' ? 'both' : parseStartupAlarm(def.startup);
  if (!startup) throw new Error(`startup: expected rising, falling or both, got ${JSON.stringify(def.startup)}`);
  const alarm: AlarmConfig = { rising, falling, sampleType, startup };
  if (mode === 'sample') {
    const bad = validateAlarmConfig(alarm);
    if (bad) throw new Error(bad);
  }
  const holdDown = num('holdDown', def.holdDown, 0)!;
  if (holdDown < 0 || holdDown > MAX_HOLD_DOWN_S) {
    throw new Error(`holdDown: must be 0 to ${MAX_HOLD_DOWN_S} seconds, got ${holdDown}`);
  }
  const maxKeys = toInteger('maxKeys', def.maxKeys, DEFAULT_MAX_KEYS, 1, MAX_MAX_KEYS);
  return {
    mode,
    alarm,
    holdDownMs: Math.round(holdDown * 1000),
    property: String(def.property ?? '').trim() || 'payload',
    key: String(def.key ?? '').trim() || 'topic',
    maxKeys,
  };
}
