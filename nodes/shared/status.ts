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

/** The words of one node type (its own codes, and the router's). */
export class StatusWords {
  constructor(
    private readonly translate: Translate,
    /** The node type, which names its node set and catalog: 'jet-route-add', ... */
    private readonly type: string,
  ) {}

  /** The text of `code` with `params`, from the jet-router catalog for the router's codes, else the node's own. */
  text(code: string, params: StatusParams = {}): string {
    const set = ROUTER_STATUS_CODES.has(code) ? 'jet-router' : this.type;
    const key = statusKey(set, code);
    let text: unknown;
    try {
      text = this.translate(key, params);
    } catch {
      text = undefined;
    }
    // i18next answers a key it does not know with the key (without its namespace).
    if (typeof text !== 'string' || text === key || text === key.slice(key.indexOf(':') + 1)) return untranslated(code, params);
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
