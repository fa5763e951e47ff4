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
 *
 * Bounded: a key longer than MAX_KEY_LENGTH is kept shortened (lib/threshold/key.ts), and the
 * state holds at most `maxKeys` keys and `maxBytes` bytes (as saved in JSON, each key's state
 * counted at its longest), the least recently seen key forgotten first.
 */
import { AlarmConfig, AlarmState, applyEvent, Direction, evaluateSample, initialAlarmState, normalizeAlarmState } from '../rmon/alarm';
import { BoundedStore, EvictionCause } from './store';
import { thresholdKey } from './key';
import { DEFAULT_MAX_KEYS, ThresholdMode } from './config';

export type { ThresholdMode };

export type { EvictionCause };

/**
 * How many bytes the state may take by default, as saved in JSON (what a context store writes):
 * 32 MiB. DEFAULT_MAX_KEYS keys of the longest kind (MAX_KEY_LENGTH characters of 3 UTF-8 bytes
 * each, about 1.8 KB with their state) take 18 MB; keys of the usual `<host>/<ifIndex>` form count
 * about 290 bytes each (KEY_STATE_MAX_JSON_BYTES: about 160 as saved), so this bound comes first only
 * above some 110,000 of them.
 */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The longest a key's state can be in JSON: every field set, each number as long as a number's JSON
 * can be (25 characters: a sign, 17 significant digits and six zeros after the point, as in
 * -0.0000012345678901234567). Each key counts towards maxBytes as its own JSON plus this, so that a
 * message costs no JSON.stringify of its state (1.5 → 0.8 µs an input through the machine, measured
 * in a loop over 1,000 keys); what is counted is never less than what a context store saves.
 */
export const KEY_STATE_MAX_JSON_BYTES = (() => {
  const n = -0.0000012345678901234567;
  const longest: KeyState = {
    alarm: { last: 'falling', previousSample: n, samples: n },
    emitted: 'falling',
    emittedAt: n,
    held: { direction: 'falling', until: n },
    seen: n,
  };
  return Buffer.byteLength(JSON.stringify(longest), 'utf8');
})();

/** What a key counts towards maxBytes: `"key":` and the longest state, and the comma. */
function keyEntryBytes(key: string): number {
  return Buffer.byteLength(JSON.stringify(key), 'utf8') + KEY_STATE_MAX_JSON_BYTES + 2;
}

export interface ThresholdConfig {
  mode: ThresholdMode;
  /** Used in 'sample' mode. */
  alarm: AlarmConfig;
  holdDownMs: number;
  /** At most this many keys (DEFAULT_MAX_KEYS if not given): a new key beyond it evicts the least recently seen. */
  maxKeys?: number;
  /** At most this many bytes of state as saved in JSON (DEFAULT_MAX_BYTES if not given): beyond it the least recently seen keys go. */
  maxBytes?: number;
}

/** Told about every key a bound made the machine forget (with its state, held transition included) and which bound it was. */
export type EvictListener = (key: string, state: KeyState, cause: EvictionCause) => void;

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
  /** When an input for this key was last seen, as a counter of the machine (restores the recency order). */
  seen: number;
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
   * Every key's state, in a bounded store whose JSON is a prototype-less object kept as states
   * change: the node saves the state to its context after every message, so that save must not
   * copy all keys (O(keys) per message was 0.7 ms per event with 1,000 interfaces; bench/). The
   * side counts are kept as states change for the same reason.
   */
  private readonly keys: BoundedStore<KeyState>;
  private high = 0;
  private low = 0;
  private held = 0;
  /** The `seen` of the next input. */
  private seq = 1;

  constructor(
    readonly config: ThresholdConfig,
    private readonly onEvict: EvictListener | null = null,
  ) {
    this.keys = new BoundedStore<KeyState>(config.maxKeys ?? DEFAULT_MAX_KEYS, {
      maxBytes: config.maxBytes ?? DEFAULT_MAX_BYTES,
      entryBytes: keyEntryBytes,
      onEvict: (key, state, cause) => {
        this.tally(state, -1);
        this.onEvict?.(key, state, cause);
      },
    });
  }

  get size(): number {
    return this.keys.size;
  }

  get maxKeys(): number {
    return this.keys.max;
  }

  get maxBytes(): number {
    return this.keys.maxBytes;
  }

  /** Bytes the state counts towards maxBytes: at least what it takes in JSON (each key's state counted at its longest). */
  get bytes(): number {
    return this.keys.bytes;
  }

  /** A key's state; `key` as given to input() (a long one is looked up shortened, as it is kept). */
  state(key: string): KeyState | undefined {
    return this.keys.get(thresholdKey(key));
  }

  /** Every key and its state, least recently seen first. */
  entries(): Array<[string, KeyState]> {
    return [...this.keys.entries()];
  }

  /** `key` is kept shortened when longer than MAX_KEY_LENGTH (thresholdKey). */
  input(rawKey: string, input: ThresholdInput, now: number): Decision {
    const key = thresholdKey(rawKey);
    const prev = { ...(this.keys.get(key) ?? { alarm: initialAlarmState(), emitted: null, emittedAt: null, held: null, seen: 0 }), seen: this.seq++ };
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
  expire(rawKey: string, now: number): Decision | null {
    const key = thresholdKey(rawKey);
    const s = this.keys.get(key);
    if (!s || !s.held) return null;
    if (now < s.held.until) return null;
    const direction = s.held.direction;
    // Not an input: the key keeps its place in the recency order.
    this.put(key, { ...s, emitted: direction, emittedAt: now, held: null }, false);
    return { kind: 'transition', direction, output: outputFor(direction), value: null };
  }

  /** Forgets one key, or every key. */
  reset(key?: string): void {
    if (key === undefined) {
      this.keys.clear();
      this.high = this.low = this.held = 0;
    } else {
      const old = this.keys.delete(thresholdKey(key));
      if (old) this.tally(old, -1);
    }
  }

  /** Every key's state as plain JSON, for a context store: the live object, to be treated as read-only. */
  toJSON(): Record<string, KeyState> {
    return this.keys.toJSON();
  }

  private put(key: string, state: KeyState, touch = true): void {
    const old = this.keys.get(key);
    if (old) this.tally(old, -1);
    this.tally(state, 1);
    // Whatever this evicts is told to the store's onEvict (above), which keeps the counts right.
    this.keys.set(key, state, touch);
  }

  private tally(s: KeyState, d: number): void {
    if (s.emitted === 'rising') this.high += d;
    else if (s.emitted === 'falling') this.low += d;
    if (s.held) this.held += d;
  }

  /**
   * Restores what toJSON wrote, in the order the keys were last seen; anything malformed is dropped,
   * never thrown; a key longer than MAX_KEY_LENGTH (saved by a version without that bound) is kept
   * shortened. Beyond maxKeys or maxBytes the least recently seen keys are evicted (onEvict is told).
   */
  load(stored: unknown): void {
    this.reset();
    this.seq = 1;
    if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return;
    const valid: Array<[string, KeyState]> = [];
    for (const [key, raw] of Object.entries(stored as Record<string, unknown>)) {
      if (typeof raw !== 'object' || raw === null) continue;
      const r = raw as Partial<KeyState>;
      const dir = (d: unknown): Direction | null => (d === 'rising' || d === 'falling' ? d : null);
      const held =
        r.held && typeof r.held === 'object' && dir(r.held.direction) && Number.isFinite(r.held.until)
          ? { direction: dir(r.held.direction)!, until: Number(r.held.until) }
          : null;
      valid.push([
        key,
        {
          alarm: normalizeAlarmState(r.alarm),
          emitted: dir(r.emitted),
          emittedAt: Number.isFinite(r.emittedAt) ? Number(r.emittedAt) : null,
          held,
          // State saved before keys had a recency: as old as can be, in the stored order.
          seen: Number.isFinite(r.seen) ? Number(r.seen) : 0,
        },
      ]);
    }
    valid.sort((a, b) => a[1].seen - b[1].seen); // stable: equal counters keep the stored order
    for (const [key, state] of valid) this.put(thresholdKey(key), state);
    if (valid.length > 0) this.seq = Math.max(this.seq, valid[valid.length - 1][1].seen + 1);
  }

  /** Counts for the node status: keys on each side, and transitions held by hold-down. */
  summary(): { high: number; low: number; held: number } {
    return { high: this.high, low: this.low, held: this.held };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
