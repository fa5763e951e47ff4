/**
 * The simulated router's RMON alarm engine (docs/protocol.md §3, §4): alarms configured as on Junos
 * (`set snmp rmon alarm N variable ifIn1SecRate.<ifIndex> ...`) sample the input rate of simulated
 * interfaces and, on a threshold crossing only, publish an SNMPD_RMON_EVENTLOG notification in the
 * JET shape on /junos/events/syslog/SNMPD_RMON_EVENTLOG.
 *
 * The crossing rules are lib/rmon/alarm.ts evaluateSample, and the event text is lib/rmon/parser.ts
 * formatRmonText, so the simulator, the threshold node and the parser cannot drift apart.
 *
 * Sampling: start() runs one unref'd timer per alarm (its interval); stop() clears them;
 * replaceAlarms() swaps the alarms while running (a configuration commit). Tests call
 * tick() (every alarm samples once, now) or setRate(ifIndex, rate, true) instead of waiting. An alarm
 * whose interface has no rate yet is not sampled (like an SNMP get that finds no instance).
 *
 * Defaults, where Junos has none or the lab wants another:
 * - startup 'rising' (Junos: rising-or-falling): an idle lab interface at rate 0 would otherwise log
 *   a falling event at every boot. Configure startup 'both' for the Junos behaviour.
 * - falling: Junos's default, 20% below rising (defaultFalling).
 * - rising/falling event index: the watched ifIndex (the lab convention: event 541 for ifIndex 541);
 *   0 means "no event" (RFC 2819): the alarm latches but publishes nothing.
 * - subtag: `IFINDEX<ifIndex>`; '' for none (then the message carries the bare event text).
 * - time: UTC, as `YYYY-MM-DD-HH:MM:SS`.
 */
import { EventEmitter } from 'events';
import {
  AlarmConfig,
  AlarmState,
  defaultFalling,
  Direction,
  evaluateSample,
  initialAlarmState,
  SampleType,
  StartupAlarm,
  validateAlarmConfig,
} from '../lib/rmon/alarm';
import { buildRmonNotification, JetEventNotification, RmonEventFields } from './rmon-event';

export { RMON_EVENT_ID, DEFAULT_RMON_TOPIC as RMON_TOPIC } from '../lib/core/defaults';
export { buildRmonNotification, formatJetTime } from './rmon-event';
export type { JetEvent, JetEventNotification, RmonEventFields } from './rmon-event';
import { DEFAULT_RMON_TOPIC as RMON_TOPIC } from '../lib/core/defaults';
import { DEFAULT_HOSTNAME } from './defaults';
/** The sim's default startup-alarm (see the module comment for why not Junos's 'both'). */
export const SIM_DEFAULT_STARTUP: StartupAlarm = 'rising';

/** An alarm as configured (`set snmp rmon alarm <index> ...`); unset fields take the defaults above. */
export interface RmonAlarmSpec {
  index: number;
  /** `ifIn1SecRate.<ifIndex>`. */
  variable: string;
  /** Seconds between samples (default 1; Junos takes whole seconds, the sim any positive number). */
  intervalS?: number;
  rising: number;
  falling?: number;
  risingEventIndex?: number;
  fallingEventIndex?: number;
  sampleType?: SampleType;
  startup?: StartupAlarm;
  /** syslog-subtag, e.g. IFINDEX541: letters, digits, `_.-`, at most 64 (what the parser reads back). */
  subtag?: string;
}

/** An alarm with every field set; `ifIndex` is the instance of its variable. */
export interface RmonAlarm extends Required<RmonAlarmSpec> {
  ifIndex: number;
}

/** The lab's alarm (docs/protocol.md §1), with startup 'rising'. */
export const DEFAULT_RMON_ALARM: Readonly<Required<RmonAlarmSpec>> = Object.freeze({
  index: 1,
  variable: 'ifIn1SecRate.541',
  intervalS: 1,
  rising: 1024,
  falling: 1023,
  risingEventIndex: 541,
  fallingEventIndex: 541,
  sampleType: 'absolute',
  startup: 'rising',
  subtag: 'IFINDEX541',
});

/** ifIndex → input rate at start: the lab interface, idle. */
export const DEFAULT_INTERFACES: Readonly<Record<number, number>> = Object.freeze({ 541: 0 });

const VARIABLE_RE = /^ifIn1SecRate\.(\d+)$/;
const SUBTAG_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_IFINDEX = 0x7fffffff;

/** Throws a RangeError unless `v` is a valid SNMP ifIndex (1..2^31-1). */
export function checkIfIndex(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_IFINDEX) {
    throw new RangeError(`ifIndex must be an integer 1..${MAX_IFINDEX} (got ${String(v)})`);
  }
  return v;
}

/** Throws a RangeError unless `v` is a usable rate (a finite number >= 0). */
export function checkRate(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`rate must be a finite number >= 0 (got ${String(v)})`);
  return v;
}

function checkIndex(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 65535) {
    throw new RangeError(`${name} must be an integer ${min}..65535 (got ${String(v)})`);
  }
  return v;
}

/** Fills in the defaults and validates (thresholds through validateAlarmConfig); throws a RangeError naming the field. */
export function normalizeAlarm(spec: RmonAlarmSpec): RmonAlarm {
  const index = checkIndex('alarm index', spec.index, 1);
  const m = typeof spec.variable === 'string' ? VARIABLE_RE.exec(spec.variable) : null;
  if (!m) throw new RangeError(`alarm ${index}: variable must be ifIn1SecRate.<ifIndex> (got ${String(spec.variable)})`);
  const ifIndex = checkIfIndex(Number(m[1]));
  const intervalS = spec.intervalS ?? 1;
  if (typeof intervalS !== 'number' || !Number.isFinite(intervalS) || intervalS <= 0) {
    throw new RangeError(`alarm ${index}: interval must be a positive number of seconds (got ${String(intervalS)})`);
  }
  const config: AlarmConfig = {
    rising: spec.rising,
    falling: spec.falling ?? defaultFalling(spec.rising),
    sampleType: spec.sampleType ?? 'absolute',
    startup: spec.startup ?? SIM_DEFAULT_STARTUP,
  };
  const bad = validateAlarmConfig(config);
  if (bad !== null) throw new RangeError(`alarm ${index}: ${bad}`);
  const subtag = spec.subtag ?? `IFINDEX${ifIndex}`;
  if (subtag !== '' && !SUBTAG_RE.test(subtag)) {
    throw new RangeError(`alarm ${index}: subtag must be 1..64 letters, digits, '_', '.' or '-' (got ${JSON.stringify(subtag)})`);
  }
  return {
    index,
    variable: `ifIn1SecRate.${ifIndex}`,
    ifIndex,
    intervalS,
    ...config,
    risingEventIndex: checkIndex(`alarm ${index}: rising event index`, spec.risingEventIndex ?? ifIndex, 0),
    fallingEventIndex: checkIndex(`alarm ${index}: falling event index`, spec.fallingEventIndex ?? ifIndex, 0),
    subtag,
  };
}

/** One sample of one alarm. */
export interface RmonSample {
  alarmIndex: number;
  ifIndex: number;
  /** The value evaluated (null: no rate for the interface, or a delta alarm's priming sample). */
  value: number | null;
  fired: Direction | null;
  state: AlarmState;
  /** The notification, when an event fired and has an event index. */
  notification?: JetEventNotification;
}

/** A notification the engine published (or tried to: `error` when the publisher failed). */
export interface RmonPublication {
  topic: string;
  notification: JetEventNotification;
  error?: string;
}

/** A synthetic event: only ifIndex and direction are needed, the rest comes from the alarm on that ifIndex. */
export interface SyntheticRmonEvent {
  ifIndex: number;
  direction: Direction;
  value?: number;
  alarmIndex?: number;
  eventIndex?: number;
  threshold?: number;
  subtag?: string;
}

/** At `atS` seconds after playScript(), set `ifIndex`'s rate to `rate` (and sample at once). */
export interface RmonScriptStep {
  atS: number;
  ifIndex: number;
  rate: number;
}

export interface RmonEngineOptions {
  /** Publishes one notification; rejections are logged and reported as RmonPublication.error. */
  publish: (topic: string, payload: string) => Promise<void>;
  /** Default [DEFAULT_RMON_ALARM]; an empty list is no alarm. */
  alarms?: readonly RmonAlarmSpec[];
  /** ifIndex → rate at start (default DEFAULT_INTERFACES). */
  interfaces?: Readonly<Record<number, number>>;
  /** The router's host name in notifications (default {@link DEFAULT_HOSTNAME}). */
  hostname?: string;
  /** snmpd's process id in notifications (default 1204). */
  processId?: number;
  /** Clock for the notifications' time (tests). */
  now?: () => Date;
  log?: (line: string) => void;
}

export interface RmonEngineEvents {
  sample: [sample: RmonSample];
  event: [publication: RmonPublication];
}

/** An alarm as GET /alarms shows it. */
export interface RmonAlarmView extends RmonAlarm {
  state: AlarmState;
}

/** Every alarm with its defaults; throws a RangeError on an invalid one or an index given twice. */
function normalizeAll(specs: readonly RmonAlarmSpec[]): RmonAlarm[] {
  const alarms = specs.map(normalizeAlarm);
  const seen = new Set<number>();
  for (const a of alarms) {
    if (seen.has(a.index)) throw new RangeError(`alarm ${a.index} is configured twice`);
    seen.add(a.index);
  }
  return alarms;
}

/** Whether two alarms (with their defaults) are configured alike. */
export function sameAlarm(a: RmonAlarm, b: RmonAlarm): boolean {
  return (Object.keys(a) as Array<keyof RmonAlarm>).every((k) => a[k] === b[k]);
}

export class RmonEngine extends EventEmitter<RmonEngineEvents> {
  readonly hostname: string;
  readonly processId: number;
  private alarmList: RmonAlarm[];
  private readonly states = new Map<number, AlarmState>();
  private readonly rates = new Map<number, number>();
  /** Script steps' timers. */
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Each alarm's sampling timer, by alarm index. */
  private readonly samplers = new Map<number, NodeJS.Timeout>();
  private sampling = false;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  /** Throws a RangeError on an invalid alarm, a duplicate alarm index or an invalid interface rate. */
  constructor(private readonly options: RmonEngineOptions) {
    super();
    this.hostname = options.hostname ?? DEFAULT_HOSTNAME;
    this.processId = options.processId ?? 1204;
    this.now = options.now ?? ((): Date => new Date());
    this.log = options.log ?? ((): void => undefined);
    this.alarmList = normalizeAll(options.alarms ?? [DEFAULT_RMON_ALARM]);
    for (const a of this.alarmList) this.states.set(a.index, initialAlarmState());
    for (const [k, v] of Object.entries(options.interfaces ?? DEFAULT_INTERFACES)) this.rates.set(checkIfIndex(Number(k)), checkRate(v));
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.sampling;
  }

  /** Starts one sampling timer per alarm (unref'd: they never keep the process alive). */
  start(): void {
    if (this.sampling) return;
    this.sampling = true;
    for (const a of this.alarmList) this.startSampler(a);
  }

  /** Clears every timer (sampling and script); states and rates stay. */
  stop(): void {
    this.sampling = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.samplers.values()) clearInterval(t);
    this.samplers.clear();
  }

  /**
   * Replaces the configured alarms (a commit of `snmp rmon` on the simulated router), running or
   * not. An alarm whose settings did not change keeps its state and its sampling timer; a changed or
   * new one starts afresh (its startup alarm applies again), a removed one stops. Throws a RangeError,
   * changing nothing, on an invalid alarm or an index given twice.
   */
  replaceAlarms(specs: readonly RmonAlarmSpec[]): void {
    const next = normalizeAll(specs);
    const before = new Map(this.alarmList.map((a) => [a.index, a]));
    const kept = new Set<number>();
    for (const a of next) {
      const old = before.get(a.index);
      if (old && sameAlarm(old, a)) {
        kept.add(a.index);
        continue;
      }
      this.states.set(a.index, initialAlarmState());
    }
    for (const index of before.keys()) {
      if (kept.has(index)) continue;
      if (!next.some((a) => a.index === index)) this.states.delete(index);
      clearInterval(this.samplers.get(index));
      this.samplers.delete(index);
    }
    this.alarmList = next;
    if (this.sampling) for (const a of next) if (!this.samplers.has(a.index)) this.startSampler(a);
    const added = next.filter((a) => !before.has(a.index)).length;
    const removed = [...before.keys()].filter((i) => !next.some((a) => a.index === i)).length;
    this.log(`rmon: alarms reconfigured: ${kept.size} unchanged, ${added} added, ${next.length - kept.size - added} changed, ${removed} removed`);
  }

  /** Every alarm with its state (copies). */
  alarms(): RmonAlarmView[] {
    return this.alarmList.map((a) => ({ ...a, state: { ...(this.states.get(a.index) ?? initialAlarmState()) } }));
  }

  /** Every interface with a rate, by ifIndex. */
  interfaces(): Array<{ ifIndex: number; rate: number }> {
    return [...this.rates].sort(([a], [b]) => a - b).map(([ifIndex, rate]) => ({ ifIndex, rate }));
  }

  rate(ifIndex: number): number | undefined {
    return this.rates.get(ifIndex);
  }

  /** Every alarm samples once, now; resolves after any notification was published. */
  tick(): Promise<RmonSample[]> {
    return this.sample(this.alarmList);
  }

  /**
   * Sets an interface's input rate (creating the interface). With `sampleNow`, the alarms on it
   * sample at once and the result lists their samples; else it is [] and the next interval sees it.
   * Throws a RangeError for a bad ifIndex or rate.
   */
  async setRate(ifIndex: number, rate: number, sampleNow = false): Promise<RmonSample[]> {
    this.rates.set(checkIfIndex(ifIndex), checkRate(rate));
    this.log(`rmon: ifIndex ${ifIndex} input rate ${rate}`);
    return sampleNow ? this.sample(this.alarmList.filter((a) => a.ifIndex === ifIndex)) : [];
  }

  /**
   * Publishes an RMON event that no alarm sampled (a duplicate, a lost-and-resent or a foreign
   * event); alarm states are not touched. Unset fields come from the first alarm on `ifIndex`, else
   * from the default alarm moved to that ifIndex; `value` defaults to the threshold.
   */
  async publishEvent(e: SyntheticRmonEvent): Promise<RmonPublication> {
    const ifIndex = checkIfIndex(e.ifIndex);
    if (e.direction !== 'rising' && e.direction !== 'falling') throw new RangeError(`direction must be 'rising' or 'falling' (got ${String(e.direction)})`);
    const a =
      this.alarmList.find((x) => x.ifIndex === ifIndex) ??
      normalizeAlarm({ ...DEFAULT_RMON_ALARM, variable: `ifIn1SecRate.${ifIndex}`, risingEventIndex: undefined, fallingEventIndex: undefined, subtag: undefined });
    const threshold = e.threshold ?? (e.direction === 'rising' ? a.rising : a.falling);
    const fields: RmonEventFields = {
      direction: e.direction,
      eventIndex: checkIndex('event index', e.eventIndex ?? (e.direction === 'rising' ? a.risingEventIndex : a.fallingEventIndex), 0),
      alarmIndex: checkIndex('alarm index', e.alarmIndex ?? a.index, 0),
      threshold,
      variable: a.variable,
      value: e.value ?? threshold,
      subtag: e.subtag ?? a.subtag,
    };
    for (const [k, v] of [['threshold', fields.threshold], ['value', fields.value]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${k} must be a finite number (got ${String(v)})`);
    }
    if (fields.subtag !== '' && !SUBTAG_RE.test(fields.subtag)) throw new RangeError(`bad subtag ${JSON.stringify(fields.subtag)}`);
    return this.send(this.notify(fields));
  }

  /** Plays a traffic script (steps at their times, from now); stop() cancels what is left. Throws on a bad step. */
  playScript(steps: readonly RmonScriptStep[]): void {
    for (const s of steps) {
      if (typeof s.atS !== 'number' || !Number.isFinite(s.atS) || s.atS < 0) throw new RangeError(`script time must be >= 0 s (got ${String(s.atS)})`);
      checkIfIndex(s.ifIndex);
      checkRate(s.rate);
    }
    for (const s of steps) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.log(`rmon: script t=${s.atS}s`);
        void this.setRate(s.ifIndex, s.rate, true);
      }, s.atS * 1000);
      this.schedule(t);
    }
  }

  /** The sampling timer of alarm `a` (unref'd), which samples the alarm configured under its index. */
  private startSampler(a: RmonAlarm): void {
    const t = setInterval(() => {
      const current = this.alarmList.find((x) => x.index === a.index);
      if (current) void this.sample([current]);
    }, a.intervalS * 1000);
    t.unref();
    this.samplers.set(a.index, t);
  }

  private schedule(t: NodeJS.Timeout): void {
    t.unref();
    this.timers.add(t);
  }

  /** Samples `alarms` synchronously (in order), then publishes what fired (in order). */
  private async sample(alarms: readonly RmonAlarm[]): Promise<RmonSample[]> {
    const samples = alarms.map((a) => this.sampleOne(a));
    for (const s of samples) this.emit('sample', s);
    await Promise.all(samples.map((s) => (s.notification ? this.send(s.notification) : undefined)));
    return samples;
  }

  private sampleOne(a: RmonAlarm): RmonSample {
    const rate = this.rates.get(a.ifIndex);
    const before = this.states.get(a.index) ?? initialAlarmState();
    if (rate === undefined) return { alarmIndex: a.index, ifIndex: a.ifIndex, value: null, fired: null, state: before };
    const r = evaluateSample(a, before, rate);
    this.states.set(a.index, r.state);
    const sample: RmonSample = { alarmIndex: a.index, ifIndex: a.ifIndex, value: r.value, fired: r.fired, state: r.state };
    const eventIndex = r.fired === 'rising' ? a.risingEventIndex : a.fallingEventIndex;
    if (r.fired !== null && r.value !== null && eventIndex !== 0) {
      sample.notification = this.notify({
        direction: r.fired,
        eventIndex,
        alarmIndex: a.index,
        threshold: r.fired === 'rising' ? a.rising : a.falling,
        variable: a.variable,
        value: r.value,
        subtag: a.subtag,
      });
    }
    return sample;
  }

  private notify(fields: RmonEventFields): JetEventNotification {
    return buildRmonNotification(fields, { hostname: this.hostname, time: this.now(), processId: this.processId });
  }

  private async send(notification: JetEventNotification): Promise<RmonPublication> {
    const publication: RmonPublication = { topic: RMON_TOPIC, notification };
    const message = notification['jet-event'].message;
    try {
      await this.options.publish(RMON_TOPIC, JSON.stringify(notification));
      this.log(`rmon: published ${message}`);
    } catch (err) {
      publication.error = (err as Error).message;
      this.log(`rmon: event lost (${publication.error}): ${message}`);
    }
    this.emit('event', publication);
    return publication;
  }
}
