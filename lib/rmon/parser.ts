/**
 * Parser for JET notifications that carry an RMON alarm event (docs/protocol.md §3).
 *
 * Input is an MQTT payload as a Buffer/Uint8Array, a string, or an already parsed object. The JSON is
 * `{"jet-event": {...}}`; the jet-event object itself at top level and `snake_case` keys (`event_id`,
 * `jet_event`) are accepted as router variants. The event text
 *
 *   [SUBTAG: ]Event <event-index> triggered by Alarm <alarm-index>, <rising|falling> threshold
 *   (<threshold>) crossed, (variable: <oid-name>.<instance>, value: <value>)
 *
 * is looked for in `attributes.message`, `attributes.description`, then the top-level `message`; the
 * first one that parses wins. Matching is case-insensitive and tolerant of spacing, missing commas,
 * colons and parentheses, signs, decimals and exponents.
 *
 * Pure (no I/O) and total: never throws; anything that is not an RMON event gives `{ok: false, reason}`.
 * Only own properties are read, so inherited or `__proto__` keys are never taken for data.
 */

import type { Direction } from './alarm';

/** Same type as the alarm module's Direction. */
export type RmonDirection = Direction;

export interface RmonEvent {
  direction: RmonDirection;
  eventIndex: number;
  alarmIndex: number;
  threshold: number;
  /** The sampled variable as written by the router, e.g. `ifIn1SecRate.541`. */
  variable: string;
  /** The variable's instance: its last dotted component when that is all digits (the ifIndex for ifIn1SecRate), else null. */
  ifIndex: number | null;
  value: number;
  /** The alarm's syslog subtag, e.g. `IFINDEX541`, from the attributes or the text prefix. */
  subtag: string | null;
  hostname: string | null;
  time: string | null;
  severity: string | null;
  /** The jet-event object the event was read from (not copied). */
  raw: object;
}

export type RmonParseResult = { ok: true; event: RmonEvent } | { ok: false; reason: string };

export interface RmonParseOptions {
  /** Event ids accepted (compared case-insensitively). Default `['SNMPD_RMON_EVENTLOG']`; an empty list means the default. */
  eventIds?: string[];
  /** Largest payload accepted, in bytes (strings: UTF-8 bytes; objects: the length of each text field). Default 256 KiB. */
  maxBytes?: number;
}

/** The fields of the event text alone (see {@link parseRmonText}). */
export interface RmonText {
  direction: RmonDirection;
  eventIndex: number;
  alarmIndex: number;
  threshold: number;
  variable: string;
  value: number;
  subtag: string | null;
}

export const DEFAULT_RMON_EVENT_IDS: readonly string[] = ['SNMPD_RMON_EVENTLOG'];
export const DEFAULT_RMON_MAX_BYTES = 256 * 1024;
/**
 * Longest `hostname` accepted: 253 characters, the most a DNS name has in text form (RFC 1035 §2.3.4,
 * RFC 1123 §2.1). An event with a longer one is refused, not cut: a cut name (or the router's name in
 * its place) could file two sources' events under one key downstream (jet-threshold state, routes).
 */
export const MAX_HOSTNAME_LENGTH = 253;

type JsonObject = Record<string, unknown>;
type Step<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

// Every separator is a single character class, so that adjacent quantifiers never overlap and the
// match stays linear on hostile input (no `\s*,?\s*` chains).
const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?`;
const RMON_TEXT_RE = new RegExp(
  String.raw`\bevent\s*(\d+)\s+triggered\s+by\s+alarm\s*(\d+)[\s,]*(rising|falling)[\s_-]*threshold[\s(]*(${NUM})[\s)]*crossed` +
    String.raw`[\s,(]*variable[\s:=]*([^\s,():=][^\s,()]*)[\s,]*value[\s:=]*(${NUM})(?![\w.])`,
  'i',
);
/** A syslog subtag right before the text: the last `TOKEN:` of (at most) the 128 characters in front. */
const SUBTAG_PREFIX_RE = /([A-Za-z0-9_.-]{1,64})\s*:\s*$/;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const hasOwn = Object.prototype.hasOwnProperty;
/** snake_case of the dashed keys read here (all constants, so the cache stays small; capped anyway). */
const SNAKE = new Map<string, string>();
function snake(key: string): string {
  let s = SNAKE.get(key);
  if (s === undefined) {
    s = key.replace(/-/g, '_');
    if (SNAKE.size < 64) SNAKE.set(key, s);
  }
  return s;
}

/** Own property `key` (dashed), else its snake_case variant; never an inherited one. Allocates nothing (per event path). */
function field(obj: JsonObject, key: string): unknown {
  if (hasOwn.call(obj, key) && obj[key] !== undefined) return obj[key];
  if (key.indexOf('-') < 0) return undefined;
  const k = snake(key);
  return hasOwn.call(obj, k) && obj[k] !== undefined ? obj[k] : undefined;
}

/** True when `list` holds `upper` (an upper-cased string), case-insensitively; no closure, no array. */
function includesUpper(list: readonly string[], upper: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i].toUpperCase() === upper) return true;
  return false;
}

const SUBTAG_KEYS = ['subtag', 'syslog-subtag', 'event-name'] as const;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A short, single-line rendering of untrusted text for a reason string. */
function printable(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return t.length > 64 ? `${t.slice(0, 64)}…` : t;
}

function toNumber(s: string): number | null {
  const n = Number(s);
  if (!Number.isFinite(n)) return null;
  return n === 0 ? 0 : n; // no -0
}

function toIndex(s: string): number | null {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** The instance of an SNMP variable: its last dotted component when that is all digits, else null. */
export function variableInstance(variable: string): number | null {
  const last = variable.slice(variable.lastIndexOf('.') + 1);
  if (variable.indexOf('.') < 0 || !/^\d+$/.test(last)) return null;
  return toIndex(last);
}

/**
 * Parse RMON event text (with or without a syslog subtag in front). Returns null when the text is
 * not an RMON event. `notSubtags` are tokens never taken as a subtag (e.g. the event id, which a
 * full syslog line carries in front of the subtag).
 */
export function parseRmonText(text: string, notSubtags: readonly string[] = DEFAULT_RMON_EVENT_IDS): RmonText | null {
  if (typeof text !== 'string') return null;
  const m = RMON_TEXT_RE.exec(text);
  if (!m) return null;
  const eventIndex = toIndex(m[1]);
  const alarmIndex = toIndex(m[2]);
  const threshold = toNumber(m[4]);
  const value = toNumber(m[6]);
  if (eventIndex === null || alarmIndex === null || threshold === null || value === null) return null;
  const pm = SUBTAG_PREFIX_RE.exec(text.slice(Math.max(0, m.index - 128), m.index));
  const tag = pm ? pm[1] : null;
  const subtag = tag !== null && !includesUpper(notSubtags, tag.toUpperCase()) ? tag : null;
  return {
    direction: m[3].toLowerCase() === 'rising' ? 'rising' : 'falling',
    eventIndex,
    alarmIndex,
    threshold,
    variable: m[5],
    value,
    subtag,
  };
}

/** The canonical RMON event text (the confirmed Junos form, without subtag); {@link parseRmonText} reads it back. */
export function formatRmonText(t: Omit<RmonText, 'subtag'>): string {
  return (
    `Event ${t.eventIndex} triggered by Alarm ${t.alarmIndex}, ${t.direction} threshold (${t.threshold}) crossed, ` +
    `(variable: ${t.variable}, value: ${t.value})`
  );
}

function parseJsonText(text: string): Step<unknown> {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (t.trim() === '') return fail('empty payload');
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return fail('not JSON');
  }
  // Tolerate one level of double encoding (a JSON string holding the JSON object).
  if (typeof v === 'string' && /^\s*\{/.test(v)) {
    try {
      v = JSON.parse(v);
    } catch {
      return fail('not JSON');
    }
  }
  return { ok: true, value: v };
}

function decode(payload: unknown, maxBytes: number): Step<unknown> {
  if (payload === undefined || payload === null) return fail('no payload');
  if (typeof payload === 'string') {
    if (payload.length > maxBytes || Buffer.byteLength(payload, 'utf8') > maxBytes) return fail('too large');
    return parseJsonText(payload);
  }
  if (payload instanceof Uint8Array || payload instanceof ArrayBuffer) {
    if (payload.byteLength > maxBytes) return fail('too large');
    const buf = payload instanceof Uint8Array ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) : Buffer.from(payload);
    return parseJsonText(buf.toString('utf8'));
  }
  if (typeof payload === 'object') return { ok: true, value: payload };
  return fail(`payload is a ${typeof payload}, not JSON text or an object`);
}

function findJetEvent(root: unknown): Step<JsonObject> {
  if (!isObject(root)) return fail('no jet-event object');
  const je = field(root, 'jet-event');
  if (je !== undefined) return isObject(je) ? { ok: true, value: je } : fail('jet-event is not an object');
  if (field(root, 'event-id') !== undefined) return { ok: true, value: root };
  return fail('no jet-event object');
}

function eventIdsOf(opts: RmonParseOptions): readonly string[] {
  if (!Array.isArray(opts.eventIds)) return DEFAULT_RMON_EVENT_IDS;
  const ids = Array.isArray(opts.eventIds) ? opts.eventIds.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
  return ids.length > 0 ? ids.map((x) => x.trim()) : DEFAULT_RMON_EVENT_IDS;
}

/** What parseInner found out on the way, for {@link classifyRmonNotification}. */
interface ParseTrace {
  /** The payload's event-id is an RMON one. */
  rmonId: boolean;
}

function parseInner(payload: unknown, opts: RmonParseOptions, trace: ParseTrace = { rmonId: false }): RmonParseResult {
  const eventIds = eventIdsOf(opts);
  const maxBytes =
    typeof opts.maxBytes === 'number' && opts.maxBytes > 0 ? opts.maxBytes : DEFAULT_RMON_MAX_BYTES;

  const decoded = decode(payload, maxBytes);
  if (!decoded.ok) return decoded;
  const found = findJetEvent(decoded.value);
  if (!found.ok) return found;
  const ev = found.value;

  const rawId = field(ev, 'event-id');
  if (typeof rawId !== 'string' || rawId.trim() === '') return fail('no event-id');
  const id = rawId.trim().toUpperCase();
  if (!includesUpper(eventIds, id)) return fail(`other event id ${printable(rawId)}`);
  trace.rmonId = true;
  const hostname = str(field(ev, 'hostname'));
  if (hostname !== null && hostname.length > MAX_HOSTNAME_LENGTH) return fail(`hostname longer than ${MAX_HOSTNAME_LENGTH} characters`);

  const attrsRaw = field(ev, 'attributes');
  const attrs: JsonObject = isObject(attrsRaw) ? attrsRaw : {};
  // The payload's event id is one of eventIds (checked above, case-insensitively): eventIds alone
  // are the tokens never taken as a subtag.
  const notSubtags = eventIds;
  // The first of these texts that parses (no array of candidates built per event).
  let text: RmonText | null = null;
  let anyText = false;
  for (let i = 0; i < 3 && !text; i++) {
    const c = i === 0 ? field(attrs, 'message') : i === 1 ? field(attrs, 'description') : field(ev, 'message');
    if (typeof c !== 'string' || c.length > maxBytes) continue;
    anyText = true;
    text = parseRmonText(c, notSubtags);
  }
  if (!anyText) return fail('no message or attributes text');
  if (!text) return fail('no RMON text in message/attributes');

  let subtag: string | null = null;
  for (const k of SUBTAG_KEYS) {
    const v = str(field(attrs, k))?.trim();
    if (v && v.length <= 256 && !includesUpper(notSubtags, v.toUpperCase())) {
      subtag = v;
      break;
    }
  }

  return {
    ok: true,
    event: {
      direction: text.direction,
      eventIndex: text.eventIndex,
      alarmIndex: text.alarmIndex,
      threshold: text.threshold,
      variable: text.variable,
      ifIndex: variableInstance(text.variable),
      value: text.value,
      subtag: subtag ?? text.subtag,
      hostname,
      time: str(field(ev, 'time')),
      severity: str(field(ev, 'severity')),
      raw: ev,
    },
  };
}

/**
 * Parse a JET notification into an RMON event, or say why it is not one. Reasons: 'no payload',
 * 'too large', 'empty payload', 'not JSON', 'payload is a <type>, not JSON text or an object',
 * 'no jet-event object', 'jet-event is not an object', 'no event-id', 'other event id <id>',
 * 'hostname longer than 253 characters', 'no message or attributes text', 'no RMON text in message/attributes', 'unreadable payload: <error>'.
 *
 * The subtag comes from `attributes.subtag`, `attributes.syslog-subtag` or `attributes.event-name`
 * (first one that is a non-empty string other than the event id), else from the text prefix.
 */
export function parseRmonNotification(payload: unknown, opts: RmonParseOptions = {}): RmonParseResult {
  return parseTraced(payload, opts, { rmonId: false });
}

function parseTraced(payload: unknown, opts: RmonParseOptions, trace: ParseTrace): RmonParseResult {
  try {
    return parseInner(payload, isObject(opts) ? opts : {}, trace);
  } catch (err) {
    // Only reachable with exotic objects (throwing getters, proxies); JSON input never gets here.
    let msg = 'error';
    try {
      msg = err instanceof Error ? err.message : String(err);
    } catch {
      /* keep 'error' */
    }
    return fail(`unreadable payload: ${printable(msg)}`);
  }
}

/**
 * A notification as an event node sees it on a topic filter that may match more than RMON events
 * (e.g. `/junos/events/#`):
 *  - `event`: an RMON event;
 *  - `unparsed`: it claims to be an RMON event and does not parse: its topic's last level is an
 *    RMON event id (`.../SNMPD_RMON_EVENTLOG`), or its payload's event-id is one;
 *  - `other`: any other notification (another event id on another topic, or unreadable on another
 *    topic): not an RMON event and not meant to be one.
 */
export type RmonClassification =
  | { kind: 'event'; event: RmonEvent }
  | { kind: 'unparsed'; reason: string }
  | { kind: 'other'; reason: string };

/** True when the topic's last level is one of the RMON event ids (case-insensitive). */
export function isRmonTopic(topic: string, opts: RmonParseOptions = {}): boolean {
  if (typeof topic !== 'string') return false;
  const last = topic.slice(topic.lastIndexOf('/') + 1).toUpperCase();
  return includesUpper(eventIdsOf(isObject(opts) ? opts : {}), last);
}

/** Parses `payload` received on `topic` and says whether a failure concerns an RMON event (see {@link RmonClassification}). */
export function classifyRmonNotification(topic: string, payload: unknown, opts: RmonParseOptions = {}): RmonClassification {
  const trace: ParseTrace = { rmonId: false };
  const r = parseTraced(payload, opts, trace);
  if (r.ok) return { kind: 'event', event: r.event };
  return trace.rmonId || isRmonTopic(topic, opts) ? { kind: 'unparsed', reason: r.reason } : { kind: 'other', reason: r.reason };
}

/** What a status shows of an event: its crossing (a node keeps these fields, not the event and its notification). */
export type EventGist = Pick<RmonEvent, 'direction' | 'value' | 'threshold' | 'variable'>;

export function gistOf(e: RmonEvent): EventGist {
  return { direction: e.direction, value: e.value, threshold: e.threshold, variable: e.variable };
}

/** One line for node status / debug: `rising 8288 ≥ 1024 on ifIn1SecRate.541`. */
export function describeEvent(e: EventGist): string {
  return `${e.direction} ${e.value} ${e.direction === 'rising' ? '≥' : '≤'} ${e.threshold} on ${e.variable}`;
}
