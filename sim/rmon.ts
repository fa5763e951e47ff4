/**
 * The simulated router's RMON alarm engine (docs/protocol.md §3, §4): alarms configured as on Junos
 * (`set snmp rmon alarm N variable ifIn1SecRate.<ifIndex> ...`) sample the input rate of simulated
 * interfaces and, on a threshold crossing only, publish an SNMPD_RMON_EVENTLOG notification in the
 * JET shape on /junos/events/syslog/SNMPD_RMON_EVENTLOG.
 *
 * The crossing rules are lib/rmon/alarm.ts evaluateSample, and the event text is lib/rmon/parser.ts
 * formatRmonText, so the simulator, the threshold node and the parser cannot drift apart.
 *
 * Sampling: start() runs one unref'd timer per alarm (its interval); stop() clears them. Tests call
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
import { formatRmonText } from '../lib/rmon/parser';

export { RMON_EVENT_ID, DEFAULT_RMON_TOPIC as RMON_TOPIC } from '../lib/core/defaults';
import { DEFAULT_RMON_TOPIC as RMON_TOPIC, RMON_EVENT_ID } from '../lib/core/defaults';
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

/** The `jet-event` object of a notification (docs/protocol.md §3). */
export interface JetEvent {
  'event-id': string;
  hostname: string;
  time: string;
  severity: string;
  facility: string;
  'process-id': number;
  'process-name': string;
  message: string;
  attributes: { 'event-name'?: string; message: string };
}

export interface JetEventNotification {
  'jet-event': JetEvent;
}

/** What one RMON event says. */
export interface RmonEventFields {
  direction: Direction;
  eventIndex: number;
  alarmIndex: number;
  threshold: number;
  variable: string;
  value: number;
  /** '' for none. */
  subtag: string;
}

/** `YYYY-MM-DD-HH:MM:SS`, in UTC. */
export function formatJetTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** The SNMPD_RMON_EVENTLOG notification a Junos router sends for an RMON event. */
export function buildRmonNotification(
  e: RmonEventFields,
  origin: { hostname: string; time: Date; processId: number },
): JetEventNotification {
  const text = formatRmonText(e);
  return {
    'jet-event': {
      'event-id': RMON_EVENT_ID,
      hostname: origin.hostname,
      time: formatJetTime(origin.time),
      severity: 'notice',
      facility: 'daemon',
      'process-id': origin.processId,
      'process-name': 'snmpd',
      message: e.subtag ? `${e.subtag}: ${text}` : text,
      attributes: e.subtag ? { 'event-name': e.subtag, message: text } : { message: text },
    },
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

export class RmonEngine extends EventEmitter<RmonEngineEvents> {
  readonly hostname: string;
  readonly processId: number;
  private readonly alarmList: RmonAlarm[];
  private readonly states = new Map<number, AlarmState>();
  private readonly rates = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
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
    this.alarmList = (options.alarms ?? [DEFAULT_RMON_ALARM]).map(normalizeAlarm);
    for (const a of this.alarmList) {
      if (this.states.has(a.index)) throw new RangeError(`alarm ${a.index} is configured twice`);
      this.states.set(a.index, initialAlarmState());
    }
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
    for (const a of this.alarmList) {
      this.schedule(setInterval(() => void this.sample([a]), a.intervalS * 1000));
    }
  }

  /** Clears every timer (sampling and script); states and rates stay. */
  stop(): void {
    this.sampling = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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
