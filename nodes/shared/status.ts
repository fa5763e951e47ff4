/**
 * Status codes into words: the one step between what lib and the nodes decide to show (a
 * StatusCode of lib/node-status.ts: fill, shape, code, parameters) and the text Node-RED shows.
 * The words are message keys of Node-RED's message catalogs (nodes/locales/<lang>/<node>.json,
 * under `status`), looked up with the node set's RED._ as the core nodes do: the codes of
 * lib/node-status.ts (the router's connection) in the jet-router catalog, a node's own codes in its
 * own. A code with no words (or a failing lookup) shows as "[code] parameters": visible, never an
 * exception. Every status text is clipped to {@link MAX_TEXT} characters.
 */
import { NodeStatus, ROUTER_STATUS_CODES, StatusCode, StatusParams } from '../../lib/node-status';

/** Node-RED's `RED._`: the text of a message key (`namespace:key`, or a key of the calling node set's catalog). */
export type Translate = (key: string, params?: Record<string, unknown>) => string;

/** Longest status text: longer ones are cut, with an ellipsis. */
export const MAX_TEXT = 64;

export function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/**
 * This package's name: Node-RED registers the catalog of each node set under the namespace
 * `<package>/<set>` (dist/nodes/shared/status.js → the package root).
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const PACKAGE_NAME = (require('../../../package.json') as { name: string }).name;

/** The full message key of a status code of node set `set` (a node type of this package). */
export function statusKey(set: string, code: string): string {
  return `${PACKAGE_NAME}/${set}:${set}.status.${code}`;
}

/**
 * The status codes of each node type, whose words its catalog has under `status` (the jet-router's
 * are the connection's, shown by the nodes that use a router). test/unit/node-status.test.ts holds
 * the catalogs to these lists, both ways.
 */
export const STATUS_CODES: Readonly<Record<string, readonly string[]>> = {
  'jet-router': [...ROUTER_STATUS_CODES],
  'jet-route-add': ['replayRefused', 'metricNotSent', 'invalidInput', 'failed', 'changed', 'changedRoutes', 'changedRoutesUnchanged', 'unchanged', 'unchangedRoutes'],
  'jet-route-delete': ['replayRefused', 'invalidInput', 'failed', 'changed', 'changedRoutes', 'changedRoutesUnchanged', 'unchanged', 'unchangedRoutes'],
  'jet-rmon-event': [
    'invalidConfig',
    'subscriptionRefused',
    'listening',
    'event',
    'missed',
    'unparsed',
    'needsGrpc',
    'resolving',
    'lookupFailed',
    'mismatch',
    'conflict',
    'rmonRefused',
    'rmonReadFailed',
  ],
  'jet-threshold': ['invalidConfig', 'counts', 'held', 'last'],
  'jet-command': ['needsGrpc', 'invalidInput', 'failed', 'ran', 'committed'],
};

/** What a code with no words shows: the code, and its parameters' values. */
export function untranslated(code: string, params: StatusParams = {}): string {
  const values = Object.values(params).map(String).filter((v) => v !== '');
  return values.length > 0 ? `[${code}] ${values.join(' ')}` : `[${code}]`;
}

/**
 * A message's text compiled once: the literal pieces around its parameters, in order (the text is
 * `pieces[0] + value of names[0] + pieces[1] + ...`).
 */
interface Template {
  pieces: string[];
  names: string[];
}

/** Parameter i as a compiled message carries it: characters no catalog text or value of ours holds. */
const mark = (i: number): string => `\u0001${i}\u0001`;
const MARKS = /\u0001(\d+)\u0001/;

/** The text of `t` with `params` in place; undefined when one is missing (the lookup then says what it says). */
function fill(t: Template, params: StatusParams): string | undefined {
  let out = t.pieces[0];
  for (let i = 0; i < t.names.length; i++) {
    const v = params[t.names[i]] as unknown;
    if (v === undefined || v === null) return undefined;
    out += String(v) + t.pieces[i + 1];
  }
  return out;
}

/**
 * The words of one node type (its own codes, and the router's).
 *
 * A lookup through Node-RED's i18n costs 8–9 µs (i18next resolves the language hierarchy and
 * namespace each time), and a node can show a status for every message: a Node-RED serving 50
 * routers spent a tenth of its CPU there. So each code's message is looked up once per set of
 * parameter names, with marks in place of the values, and kept as a template; the first use checks
 * the template against a real lookup with the real values and keeps looking up every time if they
 * differ (a catalog with plurals or formats this module does not reproduce). `count` (i18next's
 * plurals) is always looked up.
 */
export class StatusWords {
  /** Per code and parameter names: the compiled message, or null to look it up every time. */
  private readonly templates = new Map<string, Template | null>();

  constructor(
    private readonly translate: Translate,
    /** The node type, which names its node set and catalog: 'jet-route-add', ... */
    private readonly type: string,
  ) {}

  /** The text of `code` with `params`, from the jet-router catalog for the router's codes, else the node's own. */
  text(code: string, params: StatusParams = {}): string {
    const names = Object.keys(params);
    if (names.includes('count')) return this.lookup(code, params);
    const id = names.length === 0 ? code : `${code}\u0000${names.join('\u0000')}`;
    const t = this.templates.get(id);
    if (t === undefined) {
      const text = this.lookup(code, params);
      this.templates.set(id, this.compile(code, names, params, text));
      return text;
    }
    return (t && fill(t, params)) ?? this.lookup(code, params);
  }

  /** The message of `code` as a template for these parameter names, if it gives `looked` (a lookup's text) for `params`. */
  private compile(code: string, names: string[], params: StatusParams, looked: string): Template | null {
    const marked = this.message(code, Object.fromEntries(names.map((n, i) => [n, mark(i)])));
    if (marked === undefined) return null;
    const parts = marked.split(MARKS);
    const t: Template = { pieces: [], names: [] };
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 0) t.pieces.push(parts[i]);
      else t.names.push(names[Number(parts[i])]);
    }
    return fill(t, params) === looked ? t : null;
  }

  /** One lookup through the catalog: its text, or the visible fallback. */
  private lookup(code: string, params: StatusParams): string {
    return this.message(code, params) ?? untranslated(code, params);
  }

  /** The catalog's text of `code`; undefined when it has none or the lookup fails. */
  private message(code: string, params: StatusParams): string | undefined {
    const set = ROUTER_STATUS_CODES.has(code) ? 'jet-router' : this.type;
    const key = statusKey(set, code);
    let text: unknown;
    try {
      text = this.translate(key, params);
    } catch {
      return undefined;
    }
    // i18next answers a key it does not know with the key (without its namespace).
    if (typeof text !== 'string' || text === key || text === key.slice(key.indexOf(':') + 1)) return undefined;
    return text;
  }

  /** A status as Node-RED shows it, its text clipped to `max`; no code: the empty status. */
  status(s: StatusCode, max = MAX_TEXT): NodeStatus {
    if (!s.code) return {};
    const out: NodeStatus = {};
    if (s.fill) out.fill = s.fill;
    if (s.shape) out.shape = s.shape;
    out.text = clip(this.text(s.code, s.params), max);
    return out;
  }
}
