/**
 * The statements of Junos's `[edit snmp rmon]` alarms and events (docs/protocol.md §4, §6): names,
 * values and ranges, one table for the reader of a router's configuration (lib/junos/rmon-config.ts)
 * and the simulator's loader (sim/management), so both read a path and a value the same way.
 *
 * Order: a table lists its statements in the order Junos renders them (`show configuration`
 * and `display set` follow the schema, not the order of entry), as far as the original app's
 * lines (docs/protocol.md §1) show it; where they are silent the order is a guess. Readers
 * never depend on it.
 *
 * Values are kept as text in their canonical form (integers in decimal without sign or leading
 * zeros); '' for a flag. Junos's JSON may render numbers as JSON numbers or strings: both read.
 */

export type RmonKind = 'alarm' | 'event';

export type StatementSpec =
  | { type: 'integer'; min: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'text'; pattern: RegExp; what: string };

const INT32 = { type: 'integer', min: -2147483648, max: 2147483647 } as const;
const SECONDS = { type: 'integer', min: 1, max: 2147483647 } as const;
const EVENT_INDEX = { type: 'integer', min: 0, max: 65535 } as const;
const TEXT = { type: 'text', pattern: /^[^\n]{1,255}$/, what: 'text of 1 to 255 characters' } as const;

/** Alarm and event indexes: 1 to 65535. */
export const RMON_INDEX = { min: 1, max: 65535 } as const;

export const RMON_STATEMENTS: Readonly<Record<RmonKind, Readonly<Record<string, StatementSpec>>>> = {
  alarm: {
    description: TEXT,
    interval: SECONDS,
    'falling-threshold-interval': SECONDS,
    variable: { type: 'text', pattern: /^[A-Za-z0-9_.:-]{1,255}$/, what: 'a MIB object name or OID with its instance' },
    'sample-type': { type: 'enum', values: ['absolute-value', 'delta-value'] },
    'request-type': { type: 'enum', values: ['get-next-request', 'get-request', 'walk-request'] },
    'startup-alarm': { type: 'enum', values: ['falling-alarm', 'rising-alarm', 'rising-or-falling-alarm'] },
    'rising-threshold': INT32,
    'falling-threshold': INT32,
    'rising-event-index': EVENT_INDEX,
    'falling-event-index': EVENT_INDEX,
    'syslog-subtag': { type: 'text', pattern: /^[A-Z0-9_-]{1,80}$/, what: 'up to 80 upper-case letters, digits, _ or -' },
  },
  event: {
    description: TEXT,
    type: { type: 'enum', values: ['log', 'trap', 'log-and-trap', 'none'] },
    community: { type: 'text', pattern: /^[^\n]{1,127}$/, what: 'a community name of 1 to 127 characters' },
  },
};

export function statementSpec(kind: RmonKind, statement: string): StatementSpec | undefined {
  return Object.prototype.hasOwnProperty.call(RMON_STATEMENTS[kind], statement) ? RMON_STATEMENTS[kind][statement] : undefined;
}

export type CheckedValue = { ok: true; value: string } | { ok: false; message: string };

function integerText(raw: string, min: number, max: number): string | null {
  const t = raw.trim();
  if (!/^[+-]?\d{1,12}$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? String(n) : null;
}

/** The canonical text of a value for a known statement, or what is wrong with it (Junos's kind of words). */
export function checkValue(spec: StatementSpec, raw: string): CheckedValue {
  if (spec.type === 'integer') {
    const v = integerText(raw, spec.min, spec.max);
    return v !== null ? { ok: true, value: v } : { ok: false, message: `Value ${raw} is not within range (${spec.min}..${spec.max})` };
  }
  if (spec.type === 'enum') {
    return spec.values.includes(raw) ? { ok: true, value: raw } : { ok: false, message: `syntax error, expecting one of ${spec.values.join(' | ')}: ${raw}` };
  }
  return spec.pattern.test(raw) ? { ok: true, value: raw } : { ok: false, message: `invalid value ${JSON.stringify(raw)}: expecting ${spec.what}` };
}

/** The canonical text of an index, or null when it is not 1..65535. */
export function checkIndex(raw: string): number | null {
  const v = integerText(raw, RMON_INDEX.min, RMON_INDEX.max);
  return v === null ? null : Number(v);
}

/** Where a configuration path (the words after `set`) points in `[edit snmp rmon]`. */
export type RmonPath =
  /** Not under snmp rmon (or, for a relative path, not an alarm or event). */
  | { at: 'outside'; word: string }
  /** `snmp` or `snmp rmon` itself. */
  | { at: 'snmp' | 'rmon' }
  /** Another part of rmon Junos has (history, statistics…): not read here. */
  | { at: 'other'; word: string }
  /** `alarm` / `event` without an index, or with one outside 1..65535. */
  | { at: 'bad-index'; kind: RmonKind; word: string | null }
  /** `alarm N` / `event N` itself. */
  | { at: 'entry'; kind: RmonKind; index: number }
  /** A statement of `alarm N` / `event N` (known or not) with its value words (maybe none). */
  | { at: 'statement'; kind: RmonKind; index: number; statement: string; value: string[] };

const RMON_OTHER = ['history', 'statistics'];

/**
 * Locates `words`. With `fromTop` the path must start `snmp rmon` (a `set` line); without, those
 * words are optional, so text shown relative to `[edit snmp]` or `[edit snmp rmon]` reads too.
 */
export function locateRmon(words: readonly string[], fromTop: boolean): RmonPath {
  let rest = words;
  if (fromTop || rest[0] === 'snmp') {
    if (rest[0] !== 'snmp') return { at: 'outside', word: rest[0] ?? '' };
    if (rest.length === 1) return { at: 'snmp' };
    if (rest[1] !== 'rmon') return { at: 'outside', word: rest[1] };
    rest = rest.slice(2);
  } else if (rest[0] === 'rmon') {
    rest = rest.slice(1);
  }
  if (rest.length === 0) return { at: 'rmon' };
  const kind = rest[0];
  if (kind !== 'alarm' && kind !== 'event') return RMON_OTHER.includes(kind) ? { at: 'other', word: kind } : { at: 'outside', word: kind };
  if (rest.length === 1) return { at: 'bad-index', kind, word: null };
  const index = checkIndex(rest[1]);
  if (index === null) return { at: 'bad-index', kind, word: rest[1] };
  if (rest.length === 2) return { at: 'entry', kind, index };
  return { at: 'statement', kind, index, statement: rest[2], value: rest.slice(3) };
}

/** An alarm or event as configured. */
export interface RmonEntry {
  index: number;
  /** The whole entry is inactive (`inactive:`, `deactivate`): configured but not in effect. */
  inactive: boolean;
  /** Statement → canonical value ('' for a flag), known statements and others alike. */
  statements: Record<string, string>;
  /** Statements that are inactive on their own. */
  inactiveStatements: string[];
}

/** The alarms and events of `[edit snmp rmon]`, each list in index order. */
export interface RmonConfiguration {
  alarms: RmonEntry[];
  events: RmonEntry[];
}

export function emptyRmonConfiguration(): RmonConfiguration {
  return { alarms: [], events: [] };
}

export function listOf(config: RmonConfiguration, kind: RmonKind): RmonEntry[] {
  return kind === 'alarm' ? config.alarms : config.events;
}

export function findEntry(config: RmonConfiguration, kind: RmonKind, index: number): RmonEntry | undefined {
  return listOf(config, kind).find((e) => e.index === index);
}

/** The entry `kind index`, created (in index order) when missing. */
export function ensureEntry(config: RmonConfiguration, kind: RmonKind, index: number): RmonEntry {
  const list = listOf(config, kind);
  let entry = list.find((e) => e.index === index);
  if (!entry) {
    entry = { index, inactive: false, statements: {}, inactiveStatements: [] };
    list.push(entry);
    list.sort((a, b) => a.index - b.index);
  }
  return entry;
}

/** A deep copy. */
export function cloneRmonConfiguration(config: RmonConfiguration): RmonConfiguration {
  const copy = (e: RmonEntry): RmonEntry => ({ ...e, statements: { ...e.statements }, inactiveStatements: [...e.inactiveStatements] });
  return { alarms: config.alarms.map(copy), events: config.events.map(copy) };
}

/** A value read from a router: canonical when the statement is known and the value valid, else as read. */
export function readValue(kind: RmonKind, statement: string, raw: string): string {
  const spec = statementSpec(kind, statement);
  if (!spec) return raw;
  const checked = checkValue(spec, raw);
  return checked.ok ? checked.value : raw;
}
