/**
 * RMON alarm semantics (RFC 2819 alarmTable, as Junos implements it; docs/protocol.md §4), in one pure
 * implementation shared by the threshold node and the simulator's alarm engine.
 *
 * Sampling. `absolute` evaluates each sample as is; `delta` evaluates the difference from the
 * previous sample, so the first delta sample only primes (no value, no event, not counted in
 * `samples`). A negative delta (e.g. a counter reset) is evaluated like any other value.
 *
 * Crossing rules, for each evaluated value v (edges are inclusive):
 * - v >= rising and the last event was not rising  -> a rising event;
 * - else v <= falling and the last event was not falling -> a falling event;
 * - otherwise nothing. So after a rising event no rising event fires until a falling one has, and
 *   the other way round; oscillating between the thresholds, or staying beyond one, never repeats.
 * - v == rising counts as reaching rising, v == falling as reaching falling.
 *
 * Startup (the first evaluated value, `samples === 0`): the event it would fire is only sent when
 * `startup` allows that direction ('rising' / 'falling' / 'both'). When startup forbids it, the alarm
 * is still armed as if that event had fired, which is what RFC 2819 prescribes: with startup
 * 'rising' and a first value <= falling there is no event, later values <= falling give none either
 * (they are no crossing), and the next value >= rising fires rising as usual. `state.last` therefore
 * means "the side the alarm last latched to", which is the last event fired except for such a
 * suppressed startup event. A first value strictly between the thresholds latches nothing: the next
 * crossing either way fires, whatever `startup` says (RFC 2819: startup governs the first sample only).
 *
 * Ignored input: a non-finite sample (NaN, ±Infinity, not a number), a non-finite delta, or an
 * invalid config leave the state as it was (a fresh copy) with `fired: null, value: null`.
 */

export type Direction = 'rising' | 'falling';
/** Which event the first sample may fire: Junos `rising-alarm`, `falling-alarm`, `rising-or-falling-alarm`. */
export type StartupAlarm = 'rising' | 'falling' | 'both';
/** Junos `absolute-value` / `delta-value`. */
export type SampleType = 'absolute' | 'delta';

export interface AlarmConfig {
  rising: number;
  falling: number;
  sampleType: SampleType;
  startup: StartupAlarm;
}

/** Plain JSON data, so it can live in Node-RED context or a file. */
export interface AlarmState {
  /** The side the alarm last latched to: the last event fired (or suppressed at startup), null before any. */
  last: Direction | null;
  /** The previous raw sample (before delta processing), null before the first one. */
  previousSample: number | null;
  /** How many values were evaluated against the thresholds (a delta priming sample does not count). */
  samples: number;
}

export interface SampleResult {
  state: AlarmState;
  fired: Direction | null;
  /** The value compared with the thresholds (after delta processing); null when nothing was evaluated. */
  value: number | null;
}

export const DEFAULT_STARTUP: StartupAlarm = 'both';

export function initialAlarmState(): AlarmState {
  return { last: null, previousSample: null, samples: 0 };
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Null when the config is usable, else a message naming the offending field and its value. */
export function validateAlarmConfig(c: unknown): string | null {
  if (!isRecord(c)) return `alarm config must be an object (got ${show(c)})`;
  for (const k of ['rising', 'falling'] as const) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${k} threshold must be a finite number (got ${show(v)})`;
  }
  const rising = c.rising as number;
  const falling = c.falling as number;
  if (!(falling < rising)) return `falling threshold (${falling}) must be below rising threshold (${rising})`;
  if (c.sampleType !== 'absolute' && c.sampleType !== 'delta') return `sampleType must be 'absolute' or 'delta' (got ${show(c.sampleType)})`;
  if (c.startup !== 'rising' && c.startup !== 'falling' && c.startup !== 'both') {
    return `startup must be 'rising', 'falling' or 'both' (got ${show(c.startup)})`;
  }
  return null;
}

/**
 * Junos's default falling threshold: 20% below the rising one (`rising - |rising| / 5`, not rounded).
 * For rising 0, where that would not be below, it is rising - 1.
 */
export function defaultFalling(rising: number): number {
  const f = rising - Math.abs(rising) / 5;
  return f < rising ? f : rising - 1;
}

/** Junos / RFC 2819 spellings to {@link StartupAlarm}: 'rising-alarm' | 1, 'falling-alarm' | 2, 'rising-or-falling-alarm' | 3, or the short names. */
export function parseStartupAlarm(v: unknown): StartupAlarm | null {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (s === 'rising' || s === 'rising-alarm' || s === '1') return 'rising';
  if (s === 'falling' || s === 'falling-alarm' || s === '2') return 'falling';
  if (s === 'both' || s === 'rising-or-falling-alarm' || s === 'rising-or-falling' || s === '3') return 'both';
  return null;
}

/** Junos / RFC 2819 spellings to {@link SampleType}: 'absolute-value' | 1, 'delta-value' | 2, or the short names. */
export function parseSampleType(v: unknown): SampleType | null {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (s === 'absolute' || s === 'absolute-value' || s === '1') return 'absolute';
  if (s === 'delta' || s === 'delta-value' || s === '2') return 'delta';
  return null;
}

/** A well-formed copy of a stored state; anything unusable (e.g. missing context) becomes the initial state's field. */
export function normalizeAlarmState(s: unknown): AlarmState {
  if (!isRecord(s)) return initialAlarmState();
  const last = s.last === 'rising' || s.last === 'falling' ? s.last : null;
  const prev = typeof s.previousSample === 'number' && Number.isFinite(s.previousSample) ? s.previousSample : null;
  const n = typeof s.samples === 'number' && Number.isSafeInteger(s.samples) && s.samples >= 0 ? s.samples : 0;
  return { last, previousSample: prev, samples: n };
}

function startupAllows(startup: StartupAlarm, d: Direction): boolean {
  return startup === 'both' || startup === d;
}

/** Evaluate one raw sample; pure: the input state is not modified. See the module comment for the rules. */
export function evaluateSample(config: AlarmConfig, state: AlarmState, rawSample: number): SampleResult {
  const s = normalizeAlarmState(state);
  if (typeof rawSample !== 'number' || !Number.isFinite(rawSample) || validateAlarmConfig(config) !== null) {
    return { state: s, fired: null, value: null };
  }
  let value = rawSample;
  if (config.sampleType === 'delta') {
    if (s.previousSample === null) return { state: { ...s, previousSample: rawSample }, fired: null, value: null };
    value = rawSample - s.previousSample;
    if (!Number.isFinite(value)) return { state: s, fired: null, value: null };
  }
  if (value === 0) value = 0; // no -0
  const first = s.samples === 0;
  const crossed: Direction | null =
    value >= config.rising && s.last !== 'rising' ? 'rising' : value <= config.falling && s.last !== 'falling' ? 'falling' : null;
  const fired = crossed !== null && (!first || startupAllows(config.startup, crossed)) ? crossed : null;
  return { state: { last: crossed ?? s.last, previousSample: rawSample, samples: s.samples + 1 }, fired, value };
}

/**
 * Hysteresis for event-driven input (events from the router rather than samples): an event in the
 * direction already latched is a repeat (`changed: false`), any other is a transition. An unknown
 * direction changes nothing. The state's sample fields are kept as they are.
 */
export function applyEvent(state: AlarmState, direction: Direction): { state: AlarmState; changed: boolean } {
  const s = normalizeAlarmState(state);
  if ((direction !== 'rising' && direction !== 'falling') || s.last === direction) return { state: s, changed: false };
  return { state: { ...s, last: direction }, changed: true };
}
