/**
 * The router's committed RMON configuration, read back (docs/protocol.md §4, §6), and whether an
 * alarm and event there are exactly a jet-rmon-event node's.
 *
 * Reading: the answer to `show configuration snmp rmon` (or the `get-configuration` RPC) in
 * any format Junos gives: JSON (containers as objects, lists as arrays, values as strings or
 * numbers), XML (`<configuration><snmp><rmon><alarm><name>1</name>…`), curly-brace text, or
 * `display set` lines; `inactive` alarms, events and statements are marked. Into a
 * {@link RmonConfiguration} (lib/junos/rmon-statements.ts), and from there into the settings object
 * of the one command builder (lib/junos/config-commands.ts RmonConfigInput).
 *
 * Comparing: the node's settings go through that builder, its `set` lines are read like any
 * `display set` output, and the two alarm-and-event pairs are compared statement by statement.
 * Equal means loading the builder's delete-then-set lines would change nothing; every statement
 * the node does not set (a description, a startup-alarm) or an inactive mark is a difference,
 * since those lines would remove it. Pure: no I/O, never throws.
 */
import { ConfigResult, Problem, rmonConfig, RmonConfigInput } from './config-commands';
import { ConfigStatement, parseConfigText, parseSetLines } from './config-text';
import {
  emptyRmonConfiguration,
  ensureEntry,
  findEntry,
  locateRmon,
  readValue,
  RmonConfiguration,
  RmonEntry,
  RmonKind,
  checkIndex,
} from './rmon-statements';
import { childText, findElements, isInactive, JunosElement, readJunosOutput, routerErrors } from './tree';

/** The CLI command that shows the committed RMON configuration. */
export const SHOW_RMON_CONFIGURATION = 'show configuration snmp rmon';
/** The XML RPC for the same. */
export const RMON_CONFIGURATION_RPC = '<get-configuration database="committed"><configuration><snmp><rmon/></snmp></configuration></get-configuration>';

export type RmonRead =
  | { ok: true; config: RmonConfiguration }
  /** `routerError`: the router's own words (an `error:` line, an rpc-error); else the output was not understood. */
  | { ok: false; routerError: boolean; message: string };

function fromTree(root: JunosElement): RmonRead {
  const config = emptyRmonConfiguration();
  const rmons = findElements(root, ['rmon']);
  if (rmons.length === 0 && findElements(root, ['configuration']).length === 0) {
    return { ok: false, routerError: false, message: 'the answer holds no configuration' };
  }
  for (const rmon of rmons) {
    for (const el of rmon.children) {
      if (el.name !== 'alarm' && el.name !== 'event') continue;
      const index = checkIndex(childText(el, 'name') ?? '');
      if (index === null) return { ok: false, routerError: false, message: `${el.name} with the index ${JSON.stringify(childText(el, 'name'))}` };
      const entry = ensureEntry(config, el.name, index);
      entry.inactive ||= isInactive(el);
      for (const s of el.children) {
        if (s.name === 'name') continue;
        // A flag has no text; a leaf-list (community [a b]) repeats its element.
        const value = readValue(el.name, s.name, s.text.trim());
        entry.statements[s.name] = s.name in entry.statements ? `${entry.statements[s.name]} ${value}` : value;
        if (isInactive(s) && !entry.inactiveStatements.includes(s.name)) entry.inactiveStatements.push(s.name);
      }
    }
  }
  return { ok: true, config };
}

/**
 * Applies `set` / `deactivate` / `activate` / `delete` statements to `config`, leniently: what is not
 * an rmon alarm or event, or not understood, is left out (a reader takes what the router shows).
 * `fromTop`: paths start at `snmp rmon` (set lines) or may be relative to it (shown text).
 */
export function applyStatements(config: RmonConfiguration, statements: readonly ConfigStatement[], fromTop: boolean): void {
  for (const st of statements) {
    const p = locateRmon(st.words, fromTop);
    if (p.at === 'snmp' || p.at === 'rmon') {
      // The whole of rmon: `delete snmp rmon`, `deactivate snmp rmon`, an inactive `rmon {`.
      if (st.verb === 'delete') {
        config.alarms.length = 0;
        config.events.length = 0;
      } else if (st.verb !== 'set' || st.inactive) {
        for (const e of [...config.alarms, ...config.events]) e.inactive = st.verb !== 'activate';
      }
      continue;
    }
    if (p.at !== 'entry' && p.at !== 'statement') continue;
    const existing = findEntry(config, p.kind, p.index);
    const entry: RmonEntry | undefined = st.verb === 'set' ? ensureEntry(config, p.kind, p.index) : existing;
    if (!entry) continue;
    if (p.at === 'entry') {
      if (st.verb === 'deactivate' || st.inactive) entry.inactive = true;
      else if (st.verb === 'activate') entry.inactive = false;
      else if (st.verb === 'delete') {
        const list = p.kind === 'alarm' ? config.alarms : config.events;
        list.splice(list.indexOf(entry), 1);
      }
      continue;
    }
    const { statement } = p;
    const mark = (on: boolean): void => {
      entry.inactiveStatements = entry.inactiveStatements.filter((s) => s !== statement);
      if (on) entry.inactiveStatements.push(statement);
    };
    if (st.verb === 'set') {
      entry.statements[statement] = readValue(p.kind, statement, p.value.join(' '));
      // Inside an inactive alarm or event (curly text) the entry carries the mark, not each statement.
      if (st.inactive && !entry.inactive) mark(true);
    } else if (st.verb === 'delete') {
      // `delete … interval 5` deletes only an interval of 5.
      if (p.value.length > 0 && entry.statements[statement] !== readValue(p.kind, statement, p.value.join(' '))) continue;
      delete entry.statements[statement];
      mark(false);
    } else if (statement in entry.statements) {
      mark(st.verb === 'deactivate');
    }
  }
}

/**
 * The committed alarms and events in a router's (concatenated) answer to
 * {@link SHOW_RMON_CONFIGURATION} or {@link RMON_CONFIGURATION_RPC}, in JSON, XML or text. An
 * empty answer is an empty configuration (nothing under snmp rmon).
 */
export function parseRmonConfiguration(output: string): RmonRead {
  const out = readJunosOutput(output);
  const errors = routerErrors(out);
  if (errors.length > 0) return { ok: false, routerError: true, message: errors[0] };
  if (out.format !== 'text') return fromTree(out.root);
  const parsed = parseConfigText(out.text);
  if (!parsed.ok) return { ok: false, routerError: false, message: `line ${parsed.line}: ${parsed.message}` };
  const config = emptyRmonConfiguration();
  applyStatements(config, parsed.statements, false);
  return { ok: true, config };
}

/** What the builder makes of `settings`, read back as a configuration (empty when the builder refuses them: see `built.errors`). */
function desired(settings: RmonConfigInput): { config: RmonConfiguration; built: ConfigResult } {
  const built = rmonConfig(settings);
  const config = emptyRmonConfiguration();
  const parsed = parseSetLines(built.text);
  if (parsed.ok) applyStatements(config, parsed.statements, true);
  return { config, built };
}

export type RmonComparison =
  | {
      ok: true;
      /** The router's alarm and event are exactly what the node's lines would make them. */
      equal: boolean;
      alarmIndex: number;
      eventIndex: number;
      /** What differs, one short sentence each ("alarm 1 rising-threshold is 2048, the node's 1024"). */
      differences: string[];
      /** Whether the router has the alarm and the event at all (for rmonReplaceConfig's deletes). */
      present: { alarm: boolean; event: boolean };
    }
  /** The builder refuses the node's settings (its errors): nothing to compare. */
  | { ok: false; errors: Problem[] };

function compareEntry(kind: RmonKind, want: RmonEntry, have: RmonEntry | undefined, out: string[]): void {
  const name = `${kind} ${want.index}`;
  if (!have) {
    out.push(`${name} is not configured`);
    return;
  }
  if (have.inactive) out.push(`${name} is inactive`);
  for (const [s, v] of Object.entries(want.statements)) {
    if (!(s in have.statements)) out.push(`${name} has no ${s} (the node's: ${v})`);
    else if (have.statements[s] !== v) out.push(`${name} ${s} is ${have.statements[s]}, the node's ${v}`);
    else if (have.inactiveStatements.includes(s)) out.push(`${name} ${s} is inactive`);
  }
  for (const [s, v] of Object.entries(have.statements)) {
    if (!(s in want.statements)) out.push(`${name} ${s}${v === '' ? '' : ` ${v}`} is not the node's`);
  }
}

/**
 * Whether the committed alarm and event (`committed`) equal a node's RMON settings, as the one
 * builder renders them: the alarm with every statement and value, the event likewise, nothing
 * more on either and nothing inactive. Other alarms and events do not matter.
 */
export function compareRmon(committed: RmonConfiguration, settings: RmonConfigInput): RmonComparison {
  const { config, built } = desired(settings);
  if (built.errors.length > 0 || config.alarms.length !== 1 || config.events.length !== 1) return { ok: false, errors: built.errors };
  const alarm = config.alarms[0];
  const event = config.events[0];
  const differences: string[] = [];
  const haveAlarm = findEntry(committed, 'alarm', alarm.index);
  const haveEvent = findEntry(committed, 'event', event.index);
  compareEntry('alarm', alarm, haveAlarm, differences);
  compareEntry('event', event, haveEvent, differences);
  return {
    ok: true,
    equal: differences.length === 0,
    alarmIndex: alarm.index,
    eventIndex: event.index,
    differences,
    present: { alarm: haveAlarm !== undefined, event: haveEvent !== undefined },
  };
}

/** Statements of an alarm the builder's settings stand for (the rest are extras). */
const SETTINGS_STATEMENTS = ['interval', 'variable', 'sample-type', 'request-type', 'rising-threshold', 'falling-threshold', 'rising-event-index', 'falling-event-index', 'syslog-subtag'];

/**
 * Committed alarm `alarmIndex` (and the event it names) as the builder's settings object, with
 * what those settings cannot say (`extras`: a statement they have no field for, a variable other
 * than ifIn1SecRate.<ifIndex>, different rising and falling event indexes, a request type other
 * than get-request, an event that is missing, inactive or not log-and-trap). Statements the alarm
 * lacks are left out of `settings`. Null when the alarm is not configured.
 */
export function committedSettings(committed: RmonConfiguration, alarmIndex: number): { settings: RmonConfigInput; extras: string[] } | null {
  const alarm = findEntry(committed, 'alarm', alarmIndex);
  if (!alarm) return null;
  const s = alarm.statements;
  const settings: RmonConfigInput = { alarmIndex };
  const extras: string[] = [];
  if (alarm.inactive) extras.push('inactive');
  for (const k of alarm.inactiveStatements) extras.push(`${k} inactive`);
  for (const k of Object.keys(s)) if (!SETTINGS_STATEMENTS.includes(k)) extras.push(k);
  const variable = s.variable === undefined ? null : /^ifIn1SecRate\.(\d+)$/.exec(s.variable);
  if (variable) settings.ifIndex = variable[1];
  else if (s.variable !== undefined) extras.push(`variable ${s.variable}`);
  if (s['request-type'] !== undefined && s['request-type'] !== 'get-request') extras.push(`request-type ${s['request-type']}`);
  const rise = s['rising-event-index'];
  const fall = s['falling-event-index'];
  if (rise !== undefined && fall !== undefined && rise !== fall) extras.push(`falling-event-index ${fall}`);
  const eventIndex = rise ?? fall;
  if (eventIndex !== undefined) settings.eventIndex = eventIndex;
  const copy: Array<[keyof RmonConfigInput, string]> = [
    ['interval', 'interval'],
    ['sampleType', 'sample-type'],
    ['rising', 'rising-threshold'],
    ['falling', 'falling-threshold'],
    ['subtag', 'syslog-subtag'],
  ];
  for (const [field, statement] of copy) if (s[statement] !== undefined) settings[field] = s[statement];
  const event = eventIndex === undefined ? undefined : findEntry(committed, 'event', Number(eventIndex));
  if (eventIndex !== undefined && !event) extras.push(`event ${eventIndex} missing`);
  if (event) {
    if (event.inactive) extras.push(`event ${event.index} inactive`);
    if (event.statements.type !== 'log-and-trap') extras.push(`event ${event.index} type ${event.statements.type ?? '(none)'}`);
    for (const k of Object.keys(event.statements)) if (k !== 'type') extras.push(`event ${event.index} ${k}`);
  }
  return { settings, extras };
}
