/**
 * The simulated router's `show configuration snmp rmon` (docs/protocol.md §6), in the renderings
 * Junos gives: curly-brace text relative to `[edit snmp rmon]`, `display set` lines, JSON
 * (containers as objects, lists as arrays, values as JSON numbers or, with `numbersAsStrings`,
 * strings: which one Junos uses is not documented, the plugin reads both) and XML. Statements come
 * in the order of the statement table (lib/junos/rmon-statements.ts), inactive ones marked as
 * Junos marks them. The commit stamp (`junos:commit-*`) is the last commit's.
 */
import { quoteWord } from '../../lib/junos/config-text';
import { RMON_STATEMENTS, RmonConfiguration, RmonEntry, RmonKind, statementSpec } from '../../lib/junos/rmon-statements';
import { escapeXml } from '../../lib/junos/tree';
import { JUNOS_NS } from './render';

export interface CommitStamp {
  time: Date;
  user: string;
}

/** An entry's statements: the table's order first, then any other. */
function ordered(kind: RmonKind, e: RmonEntry): Array<[string, string]> {
  const known = Object.keys(RMON_STATEMENTS[kind]).filter((s) => s in e.statements);
  const other = Object.keys(e.statements).filter((s) => !known.includes(s));
  return [...known, ...other].map((s) => [s, e.statements[s]]);
}

function entries(config: RmonConfiguration): Array<[RmonKind, RmonEntry]> {
  return [...config.alarms.map((a) => ['alarm', a] as [RmonKind, RmonEntry]), ...config.events.map((e) => ['event', e] as [RmonKind, RmonEntry])];
}

const valueText = (v: string): string => (v === '' ? '' : ` ${quoteWord(v)}`);

/** Curly-brace text relative to `[edit snmp rmon]` ('' when nothing is configured). */
export function renderRmonText(config: RmonConfiguration): string {
  let out = '';
  for (const [kind, e] of entries(config)) {
    out += `${e.inactive ? 'inactive: ' : ''}${kind} ${e.index} {\n`;
    for (const [s, v] of ordered(kind, e)) out += `    ${e.inactiveStatements.includes(s) ? 'inactive: ' : ''}${s}${valueText(v)};\n`;
    out += '}\n';
  }
  return out;
}

/** `display set`: set lines, then deactivate lines for what is inactive. */
export function renderRmonSet(config: RmonConfiguration): string {
  const sets: string[] = [];
  const deactivates: string[] = [];
  for (const [kind, e] of entries(config)) {
    const path = `snmp rmon ${kind} ${e.index}`;
    const statements = ordered(kind, e);
    if (statements.length === 0) sets.push(`set ${path}`);
    for (const [s, v] of statements) {
      sets.push(`set ${path} ${s}${valueText(v)}`);
      if (e.inactiveStatements.includes(s)) deactivates.push(`deactivate ${path} ${s}`);
    }
    if (e.inactive) deactivates.push(`deactivate ${path}`);
  }
  const lines = [...sets, ...deactivates];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function stampAttributes(stamp: CommitStamp): Record<string, string> {
  const t = stamp.time;
  const p = (n: number): string => String(n).padStart(2, '0');
  return {
    'junos:commit-seconds': String(Math.floor(t.getTime() / 1000)),
    'junos:commit-localtime': `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} UTC`,
    'junos:commit-user': stamp.user,
  };
}

/** Configuration JSON. */
export function renderRmonJson(config: RmonConfiguration, stamp: CommitStamp, options: { numbersAsStrings?: boolean } = {}): string {
  const value = (kind: RmonKind, s: string, v: string): unknown => {
    if (v === '') return [null];
    return statementSpec(kind, s)?.type === 'integer' && !options.numbersAsStrings ? Number(v) : v;
  };
  const list = (kind: RmonKind, es: RmonEntry[]): unknown[] =>
    es.map((e) => {
      const o: Record<string, unknown> = {};
      if (e.inactive) o['@'] = { inactive: true };
      o.name = options.numbersAsStrings ? String(e.index) : e.index;
      for (const [s, v] of ordered(kind, e)) {
        if (e.inactiveStatements.includes(s)) o[`@${s}`] = { inactive: true };
        o[s] = value(kind, s, v);
      }
      return o;
    });
  const rmon: Record<string, unknown> = {};
  if (config.alarms.length) rmon.alarm = list('alarm', config.alarms);
  if (config.events.length) rmon.event = list('event', config.events);
  const configuration: Record<string, unknown> = { '@': stampAttributes(stamp) };
  if (Object.keys(rmon).length) configuration.snmp = { rmon };
  return `${JSON.stringify({ configuration }, null, 4)}\n`;
}

/** Configuration XML inside an `rpc-reply`. */
export function renderRmonXml(config: RmonConfiguration, stamp: CommitStamp): string {
  const attrs = Object.entries(stampAttributes(stamp)).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const inactive = (on: boolean): string => (on ? ' inactive="inactive"' : '');
  let body = '';
  for (const [kind, e] of entries(config)) {
    body += `                <${kind}${inactive(e.inactive)}>\n                    <name>${e.index}</name>\n`;
    for (const [s, v] of ordered(kind, e)) {
      const a = inactive(e.inactiveStatements.includes(s));
      body += v === '' ? `                    <${s}${a}/>\n` : `                    <${s}${a}>${escapeXml(v)}</${s}>\n`;
    }
    body += `                </${kind}>\n`;
  }
  const snmp = body ? `        <snmp>\n            <rmon>\n${body}            </rmon>\n        </snmp>\n` : '';
  return `<rpc-reply xmlns:junos="${JUNOS_NS}">\n    <configuration${attrs}>\n${snmp}    </configuration>\n</rpc-reply>\n`;
}
