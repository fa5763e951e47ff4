/**
 * The threshold state behind jet-threshold: per key (an interface of a router, a sensor, ...),
 * which side ("high" after a rising transition, "low" after a falling one) downstream was last
 * told, and whether an input is a transition, a repeat, or a transition held back by hold-down.
 *
 * The RMON rules themselves live in lib/rmon/alarm.ts and are not repeated here:
 *  - 'event' mode takes router events (rising/falling) and uses applyEvent for "transition or repeat";
 *  - 'sample' mode takes numbers and uses evaluateSample (rising/falling thresholds, absolute or
 *    delta samples, startup alarm), exactly as the simulator's alarm engine does.
 *
 * Hold-down (anti-flap): once a transition was emitted for a key, a transition the other way within
 * `holdDownMs` is held; when the hold-down expires it is emitted if the key is still on that side,
 * and dropped if it flapped back meanwhile. Pure: the caller owns the clock and the timers.
 */
import { AlarmConfig, AlarmState, applyEvent, Direction, evaluateSample, initialAlarmState, normalizeAlarmState } from '../rmon/alarm';

export type ThresholdMode = 'event' | 'sample';

export interface ThresholdConfig {
  mode: ThresholdMode;
  /** Used in 'sample' mode. */
  alarm: AlarmConfig;
  holdDownMs: number;
}

/** Plain JSON, kept in Node-RED context. */
export interface KeyState {
  /** The RMON alarm state of the inputs (what the inputs say). */
  alarm: AlarmState;
  /** The side downstream was last told, null before the first transition. */
  emitted: Direction | null;
  /** When that transition was emitted (ms since epoch). */
  emittedAt: number | null;
  /** A transition held by hold-down: its direction and when it may be emitted. */
  held: { direction: Direction; until: number } | null;
}

export type Decision =
  | { kind: 'transition'; direction: Direction; output: 1 | 2; value: number | null }
  | { kind: 'held'; direction: Direction; until: number; reason: string; value: number | null }
  | { kind: 'none'; reason: string; value: number | null };

export type ThresholdInput = { direction: Direction } | { sample: number };

export function outputFor(direction: Direction): 1 | 2 {
  return direction === 'rising' ? 1 : 2;
}

export function sideOf(direction: Direction | null): 'high' | 'low' | 'unknown' {
  return direction === 'rising' ? 'high' : direction === 'falling' ? 'low' : 'unknown';
}

const NO_CHANGE = 'No configuration changes required';

export class ThresholdMachine {
  /**
   * Every key's state, in a prototype-less object that is also what toJSON() returns: the node saves
   * the state to its context after every message, so that save must not copy all keys (O(keys) per
   * message was 0.7 ms per event with 1,000 interfaces; bench/). The side counts are kept as states
   * change for the same reason.
   */
  private keys: Record<string, KeyState> = Object.create(null);
  private count = 0;
  private high = 0;
  private low = 0;

  constructor(readonly config: ThresholdConfig) {}

  get size(): number {
    return this.count;
  }

  state(key: string): KeyState | undefined {
    return this.keys[key];
  }

  entries(): Array<[string, KeyState]> {
    return Object.entries(this.keys);
  }

  input(key: string, input: ThresholdInput, now: number): Decision {
    const prev = this.keys[key] ?? { alarm: initialAlarmState(), emitted: null, emittedAt: null, held: null };
    let alarm: AlarmState;
    let observed: Direction | null;
    let value: number | null = null;
    let repeat = false;
    if ('direction' in input) {
      const r = applyEvent(prev.alarm, input.direction);
      alarm = r.state;
      observed = input.direction;
      repeat = !r.changed;
    } else {
      const r = evaluateSample(this.config.alarm, prev.alarm, input.sample);
      alarm = r.state;
      value = r.value;
      observed = r.fired;
      if (observed === null) {
        this.put(key, { ...prev, alarm });
        const why = r.value === null ? 'sample not evaluated (first delta sample or not a finite number)' : `no threshold crossed (value ${r.value})`;
        return { kind: 'none', reason: `${why}: ${NO_CHANGE}`, value };
      }
    }
    const next: KeyState = { ...prev, alarm };

    if (observed === prev.emitted) {
      // Back on the side downstream already knows: a repeat, or a flap back cancelling a held transition.
      const cancelled = prev.held !== null;
      next.held = null;
      this.put(key, next);
      const reason = cancelled
        ? `flapped back to ${sideOf(observed)} within the hold-down; held ${prev.held!.direction} dropped: ${NO_CHANGE}`
        : `repeated ${observed} event, already ${sideOf(observed)}: ${NO_CHANGE}`;
      return { kind: 'none', reason, value };
    }
    if (repeat && prev.held !== null && prev.held.direction === observed) {
      this.put(key, next);
      return { kind: 'held', direction: observed, until: prev.held.until, reason: `repeated ${observed} event, still held until ${iso(prev.held.until)}`, value };
    }
    const holdUntil = prev.emittedAt !== null ? prev.emittedAt + this.config.holdDownMs : 0;
    if (prev.emitted !== null && this.config.holdDownMs > 0 && now < holdUntil) {
      next.held = { direction: observed, until: holdUntil };
      this.put(key, next);
      return {
        kind: 'held',
        direction: observed,
        until: holdUntil,
        reason: `${observed} held by hold-down until ${iso(holdUntil)} (last transition ${iso(prev.emittedAt!)})`,
        value,
      };
    }
    next.emitted = observed;
    next.emittedAt = now;
    next.held = null;
    this.put(key, next);
    return { kind: 'transition', direction: observed, output: outputFor(observed), value };
  }

  /** The hold-down of `key` expired: the held transition, if it still stands. */
  expire(key: string, now: number): Decision | null {
    const s = this.keys[key];
    if (!s || !s.held) return null;
    if (now < s.held.until) return null;
    const direction = s.held.direction;
    this.put(key, { ...s, emitted: direction, emittedAt: now, held: null });
    return { kind: 'transition', direction, output: outputFor(direction), value: null };
  }

  /** Forgets one key, or every key. */
  reset(key?: string): void {
    if (key === undefined) {
      this.keys = Object.create(null);
      this.count = this.high = this.low = 0;
    } else if (key in this.keys) {
      this.tally(this.keys[key], -1);
      delete this.keys[key];
    }
  }

  /** Every key's state as plain JSON, for a context store: the live object, to be treated as read-only. */
  toJSON(): Record<string, KeyState> {
    return this.keys;
  }

  private put(key: string, state: KeyState): void {
    const old = this.keys[key];
    if (old) this.tally(old, -1);
    this.tally(state, 1);
    this.keys[key] = state;
  }

  private tally(s: KeyState, d: number): void {
    this.count += d;
    if (s.emitted === 'rising') this.high += d;
    else if (s.emitted === 'falling') this.low += d;
  }

  /** Restores what toJSON wrote; anything malformed is dropped, never thrown. */
  load(stored: unknown): void {
    this.reset();
    if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return;
    for (const [key, raw] of Object.entries(stored as Record<string, unknown>)) {
      if (typeof raw !== 'object' || raw === null) continue;
      const r = raw as Partial<KeyState>;
      const dir = (d: unknown): Direction | null => (d === 'rising' || d === 'falling' ? d : null);
      const held =
        r.held && typeof r.held === 'object' && dir(r.held.direction) && Number.isFinite(r.held.until)
          ? { direction: dir(r.held.direction)!, until: Number(r.held.until) }
          : null;
      this.put(key, {
        alarm: normalizeAlarmState(r.alarm),
        emitted: dir(r.emitted),
        emittedAt: Number.isFinite(r.emittedAt) ? Number(r.emittedAt) : null,
        held,
      });
    }
  }

  /** Counts for the node status. */
  summary(): { high: number; low: number } {
    return { high: this.high, low: this.low };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
