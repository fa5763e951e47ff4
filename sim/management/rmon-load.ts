/**
 * Loading configuration into the simulated router's `[edit snmp rmon]` (docs/protocol.md §4, §6),
 * refusing what Junos refuses, and what its committed alarms mean for the RMON engine (sim/rmon.ts).
 *
 * What a load takes (the JET ConfigSet `text_config`):
 * - load type SET: `set`, `delete`, `deactivate`, `activate` lines (lib/junos/config-text.ts);
 * - load type MERGE: curly-brace text from the top of the hierarchy (`snmp { rmon { alarm 1 { … } } }`);
 * - REPLACE, OVERRIDE and UPDATE are not simulated; `set` lines under any load type but SET are
 *   Junos's syntax error.
 * Every path, statement and value is checked against the one statement table
 * (lib/junos/rmon-statements.ts): an unknown statement or word is a syntax error, a value out of
 * range or not in its list is refused, all with the line they are on. A load is all or nothing.
 * Deleting (or deactivating) what is not there is Junos's warning "statement not found", not an
 * error. The changes themselves are applied by lib/junos/rmon-config.ts applyStatements, the same
 * code that reads a router's `display set` output.
 *
 * Only `[edit snmp rmon]` alarms and events are simulated: any other hierarchy is refused with a
 * message saying so (a real router would take it). Message wording follows the CLI's where it is
 * known ("syntax error", "Value … is not within range", "Missing mandatory statement"); the exact
 * text a router's ConfigSet status carries is not documented.
 */
import type { LoadType } from '../../lib/grpc/management';
import { ConfigStatement, parseCurlyText, parseSetLines } from '../../lib/junos/config-text';
import { applyStatements } from '../../lib/junos/rmon-config';
import { checkValue, cloneRmonConfiguration, emptyRmonConfiguration, findEntry, locateRmon, RmonConfiguration, RmonEntry, statementSpec } from '../../lib/junos/rmon-statements';
import { normalizeAlarm, RmonAlarm, RmonAlarmSpec, sameAlarm, SIM_DEFAULT_STARTUP } from '../rmon';

/** ConfigSet's load types, as the client names them. */
export type { LoadType };

export type LoadResult =
  | { ok: true; config: RmonConfiguration; warnings: string[] }
  | { ok: false; message: string };

const NOT_MODELED = 'the simulator configures only snmp rmon alarm and event';

/** A problem with one statement: an error (the load fails) or a warning. */
type Check = { error: string } | { warning: string } | null;

function checkStatement(config: RmonConfiguration, st: ConfigStatement): Check {
  const p = locateRmon(st.words, true);
  switch (p.at) {
    case 'outside':
      if (p.word === '') return { error: 'syntax error, expecting a statement' };
      // rmon's own words where the path should begin: a path relative to [edit snmp rmon].
      if (st.words[0] === p.word && ['rmon', 'alarm', 'event'].includes(p.word)) return { error: `syntax error: ${p.word} (paths start at the top: snmp rmon …)` };
      return { error: `${NOT_MODELED}: ${p.word}` };
    case 'other':
      return { error: `${NOT_MODELED}: ${p.word}` };
    case 'snmp':
    case 'rmon':
      return null;
    case 'bad-index':
      return { error: p.word === null ? `syntax error, expecting <${p.kind}-index>` : `Value ${p.word} is not within range (1..65535)` };
    case 'entry':
      if (st.verb !== 'set' && !findEntry(config, p.kind, p.index)) return { warning: 'statement not found' };
      return null;
    case 'statement': {
      const spec = statementSpec(p.kind, p.statement);
      if (!spec) return { error: `syntax error: ${p.statement}` };
      if (st.verb === 'set') {
        if (p.value.length === 0) return { error: `syntax error, expecting a value for ${p.statement}` };
        if (p.value.length > 1) return { error: `syntax error: ${p.value[1]}` };
        const checked = checkValue(spec, p.value[0]);
        return checked.ok ? null : { error: checked.message };
      }
      if (p.value.length > 1) return { error: `syntax error: ${p.value[1]}` };
      const entry = findEntry(config, p.kind, p.index);
      if (!entry || !(p.statement in entry.statements)) return { warning: 'statement not found' };
      if (p.value.length === 1) {
        const checked = checkValue(spec, p.value[0]);
        if (!checked.ok || checked.value !== entry.statements[p.statement]) return { warning: 'statement not found' };
      }
      return null;
    }
  }
}

/**
 * `text` loaded into a copy of `candidate` with `loadType`: the new configuration and Junos's
 * warnings, or the first error (`error: line N: …`) and nothing changed.
 */
export function loadConfig(candidate: RmonConfiguration, text: string, loadType: LoadType): LoadResult {
  const fail = (line: number, message: string): LoadResult => ({ ok: false, message: `error: line ${line}: ${message}` });
  const firstWord = /^\s*(\S+)/m.exec(text)?.[1];
  let statements: ConfigStatement[];
  if (loadType === 'set') {
    const parsed = parseSetLines(text);
    if (!parsed.ok) return fail(parsed.line, parsed.message);
    statements = parsed.statements;
  } else if (loadType === 'merge') {
    if (firstWord && ['set', 'delete', 'deactivate', 'activate'].includes(firstWord)) {
      const line = text.slice(0, text.indexOf(firstWord)).split('\n').length;
      return fail(line, `syntax error: ${firstWord} (set and delete lines load with load type SET)`);
    }
    const parsed = parseCurlyText(text);
    if (!parsed.ok) return fail(parsed.line, parsed.message);
    statements = parsed.statements;
  } else {
    return { ok: false, message: `error: the simulator loads set lines (load type SET) and curly-brace text (MERGE), not ${String(loadType).toUpperCase()}` };
  }
  const config = cloneRmonConfiguration(candidate);
  const warnings: string[] = [];
  for (const st of statements) {
    const check = checkStatement(config, st);
    if (check && 'error' in check) return fail(st.line, check.error);
    if (check) {
      // Nothing matched: nothing to change.
      warnings.push(`warning: line ${st.line}: ${check.warning}`);
      continue;
    }
    applyStatements(config, [st], true);
  }
  return { ok: true, config, warnings };
}

/**
 * What commit refuses in a candidate: an active alarm without `variable` or `rising-threshold`,
 * or with a falling threshold not below the rising one (docs/protocol.md §4). Null when it commits.
 */
export function commitCheck(config: RmonConfiguration): string | null {
  for (const a of config.alarms) {
    if (a.inactive) continue;
    const where = `[edit snmp rmon alarm ${a.index}]`;
    for (const mandatory of ['variable', 'rising-threshold']) {
      if (!(mandatory in a.statements) || a.inactiveStatements.includes(mandatory)) return `error: ${where} Missing mandatory statement: '${mandatory}'`;
    }
    const falling = a.statements['falling-threshold'];
    if (falling !== undefined && !a.inactiveStatements.includes('falling-threshold') && !(Number(falling) < Number(a.statements['rising-threshold']))) {
      return `error: ${where} falling-threshold must be less than rising-threshold`;
    }
  }
  return null;
}

/** An alarm of the configuration that the RMON engine cannot run, and why. */
export interface SkippedAlarm {
  index: number;
  reason: string;
}

const STARTUP: Record<string, RmonAlarmSpec['startup']> = {
  'rising-alarm': 'rising',
  'falling-alarm': 'falling',
  'rising-or-falling-alarm': 'both',
};

/** The event index an alarm publishes on: 0 (none) unless the event is configured, active and logs. */
function usableEvent(config: RmonConfiguration, value: string | undefined): number {
  if (value === undefined) return 0;
  const event = findEntry(config, 'event', Number(value));
  const type = event && !event.inactiveStatements.includes('type') ? event.statements.type : undefined;
  return event && !event.inactive && (type === 'log' || type === 'log-and-trap') ? event.index : 0;
}

function active(a: RmonEntry, statement: string): string | undefined {
  return a.inactiveStatements.includes(statement) ? undefined : a.statements[statement];
}

/**
 * The RMON engine's alarms for a committed configuration: every active alarm on
 * `ifIn1SecRate.<ifIndex>` (the one variable the engine samples). An alarm's event index is kept
 * only when that event exists, is active and logs (`log`, `log-and-trap`: the log is what the
 * notification broker publishes), else it is 0 (no notification). Unset statements take the
 * engine's defaults, except the syslog subtag: none configured is none (''). Interval: Junos's
 * default of 60 s when unset.
 */
export function engineAlarms(config: RmonConfiguration): { alarms: RmonAlarmSpec[]; skipped: SkippedAlarm[] } {
  const alarms: RmonAlarmSpec[] = [];
  const skipped: SkippedAlarm[] = [];
  for (const a of config.alarms) {
    if (a.inactive) {
      skipped.push({ index: a.index, reason: 'inactive' });
      continue;
    }
    const variable = active(a, 'variable') ?? '';
    if (!/^ifIn1SecRate\.\d+$/.test(variable)) {
      skipped.push({ index: a.index, reason: `the simulator samples only ifIn1SecRate.<ifIndex>, not ${variable || 'nothing'}` });
      continue;
    }
    const falling = active(a, 'falling-threshold');
    const sample = active(a, 'sample-type');
    const startup = active(a, 'startup-alarm');
    const spec: RmonAlarmSpec = {
      index: a.index,
      variable,
      intervalS: Number(active(a, 'interval') ?? 60),
      rising: Number(active(a, 'rising-threshold')),
      ...(falling === undefined ? {} : { falling: Number(falling) }),
      ...(sample === undefined ? {} : { sampleType: sample === 'delta-value' ? 'delta' : 'absolute' }),
      ...(startup === undefined ? {} : { startup: STARTUP[startup] }),
      risingEventIndex: usableEvent(config, active(a, 'rising-event-index')),
      fallingEventIndex: usableEvent(config, active(a, 'falling-event-index')),
      subtag: active(a, 'syslog-subtag') ?? '',
    };
    try {
      normalizeAlarm(spec);
      alarms.push(spec);
    } catch (err) {
      skipped.push({ index: a.index, reason: (err as Error).message });
    }
  }
  return { alarms, skipped };
}

const STARTUP_STATEMENT: Record<RmonAlarm['startup'], string> = { rising: 'rising-alarm', falling: 'falling-alarm', both: 'rising-or-falling-alarm' };

/** An engine alarm as `set` lines, in the order of the plugin's command builder; its events log and trap. */
function alarmLines(a: RmonAlarm): string[] {
  const p = `set snmp rmon alarm ${a.index}`;
  const lines = [
    `${p} interval ${a.intervalS}`,
    `${p} variable ${a.variable}`,
    `${p} sample-type ${a.sampleType === 'delta' ? 'delta-value' : 'absolute-value'}`,
    `${p} request-type get-request`,
    `${p} rising-threshold ${a.rising}`,
    `${p} falling-threshold ${a.falling}`,
  ];
  if (a.risingEventIndex !== 0) lines.push(`${p} rising-event-index ${a.risingEventIndex}`);
  if (a.fallingEventIndex !== 0) lines.push(`${p} falling-event-index ${a.fallingEventIndex}`);
  if (a.subtag !== '') lines.push(`${p} syslog-subtag ${a.subtag}`);
  // Unset, the simulator's default applies (engineAlarms): written only when it is another.
  if (a.startup !== SIM_DEFAULT_STARTUP) lines.push(`${p} startup-alarm ${STARTUP_STATEMENT[a.startup]}`);
  for (const e of new Set([a.risingEventIndex, a.fallingEventIndex])) if (e !== 0) lines.push(`set snmp rmon event ${e} type log-and-trap`);
  return lines;
}

/**
 * The committed configuration of a simulator whose RMON engine runs `alarms` (its start options):
 * `set` lines that {@link engineAlarms} reads back as exactly these alarms. The lab's default alarm
 * gives the plugin's own lines for ifIndex 541 (lib/junos/config-commands.ts rmonConfig). An alarm
 * Junos configuration cannot say (an interval of a fraction of a second, a lower-case subtag, a
 * threshold that is not a whole number) is left out, with the reason.
 */
export function rmonStartConfig(alarms: readonly RmonAlarm[]): { text: string; skipped: SkippedAlarm[] } {
  let config = emptyRmonConfiguration();
  const lines: string[] = [];
  const skipped: SkippedAlarm[] = [];
  for (const a of alarms) {
    const own = alarmLines(a);
    const loaded = loadConfig(config, own.join('\n'), 'set');
    const refused = loaded.ok ? commitCheck(loaded.config) : loaded.message;
    const back = loaded.ok && !refused ? engineAlarms(loaded.config).alarms.find((x) => x.index === a.index) : undefined;
    if (!loaded.ok || refused || !back || !sameAlarm(normalizeAlarm(back), a)) {
      skipped.push({ index: a.index, reason: refused || 'Junos configuration cannot say it' });
      continue;
    }
    config = loaded.config;
    for (const line of own) if (!lines.includes(line)) lines.push(line);
  }
  return { text: lines.length > 0 ? `${lines.join('\n')}\n` : '', skipped };
}
