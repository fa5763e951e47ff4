/**
 * Setting a router up for a jet-rmon-event node through the JET management API (docs/protocol.md
 * §4, §6), in the steps Juniper's own gRPC traffic-management app takes, made idempotent:
 *
 * 1. the interface's SNMP ifIndex from `show interfaces <name>` (lookUpInterface): asked as JSON
 *    first, as XML and then CLI text only when the answer cannot be read (no interface in it, no
 *    SNMP ifIndex); the router saying the interface does not exist is final;
 * 2. the committed `snmp rmon` configuration (`show configuration snmp rmon`, JSON first likewise),
 *    compared with the node's alarm and event as the one builder renders them (lib/junos/rmon-config.ts
 *    compareRmon);
 * 3. only when they differ: the builder's delete-then-set lines for that alarm and event
 *    (rmonReplaceConfig: nothing else is touched) loaded with ConfigSet and committed with a comment
 *    naming the package and the node; then read back once to tell whether the router now shows
 *    what the node asked for (a difference left means the next set-up would commit again).
 * An unchanged configuration costs two commands and no commit: routers keep every commit in their
 * history.
 *
 * Pure orchestration over a {@link ManagementApi}: no transport, no Node-RED, no timers; every
 * outcome is a value (never a rejection), in the router's words where it gave some.
 */
import { SessionError } from '../core/backend';
import { PACKAGE_NAME } from '../core/defaults';
import type { ManagementApi, OutputFormat } from '../core/management';
import { ManagementRefusedError, OutcomeUnknownError } from '../core/management-errors';
import { Problem, RmonConfigInput, rmonReplaceConfig } from './config-commands';
import { InterfaceKind, InterfaceLookup, isInterfaceName, lookupFailure, parseInterfaceIndex, showInterfacesCommand } from './interfaces';
import { compareRmon, parseRmonConfiguration, RmonRead, SHOW_RMON_CONFIGURATION } from './rmon-config';
import type { RmonConfiguration } from './rmon-statements';

/** The formats asked in turn: JSON, then the others only when an answer cannot be read. */
const FORMATS: readonly OutputFormat[] = ['json', 'xml', 'cli'];

/** A jet-rmon-event node's settings: the builder's, and the interface to look the ifIndex up by. */
export interface RmonSetupSettings extends RmonConfigInput {
  /** An IFL (`ge-0/0/0.0`) or IFD; empty: `ifIndex` is used as it is. */
  interface?: string | number | boolean | null;
}

export interface ResolvedInterface {
  name: string;
  kind: InterfaceKind;
  ifIndex: number;
}

/** A lookup's answer: lib/junos/interfaces.ts's, or no answer at all (`unanswered`, the session's reason). */
export type IfIndexLookup = InterfaceLookup | { found: false; reason: 'unanswered'; message: string };

export type RmonSetupStep = 'lookup' | 'read' | 'configure';

export type RmonSetupResult =
  /** The router's alarm and event are the node's already: nothing loaded, nothing committed. */
  | { status: 'unchanged'; ifIndex: number; interface?: ResolvedInterface }
  | {
      status: 'committed';
      ifIndex: number;
      interface?: ResolvedInterface;
      /** What differed before (compareRmon's sentences). */
      differences: string[];
      /** The lines loaded. */
      lines: string[];
      comment: string;
      /** Read back after the commit: equal, still different (`remaining` says how), or not read (`remaining`: why). */
      readBack: 'equal' | 'differs' | 'unread';
      remaining: string[];
    }
  /** The router refused the load or the commit: `message` in its words; nothing changed on it. */
  | { status: 'refused'; ifIndex: number; interface?: ResolvedInterface; differences: string[]; lines: string[]; message: string }
  /** The router answered the lookup without an ifIndex for the interface (not found: its words). */
  | { status: 'lookup-failed'; interface: string; reason: Extract<InterfaceLookup, { found: false }>['reason']; message: string }
  /** Both an interface and an ifIndex are set, and the router gives the interface another ifIndex. */
  | { status: 'mismatch'; interface: ResolvedInterface; configured: string }
  /** The settings cannot be made into commands (the builder's errors, or an interface name that is none). */
  | { status: 'invalid'; errors: Problem[] }
  /** The router's RMON configuration could not be read (`routerError`: its words; else not understood). */
  | { status: 'read-failed'; ifIndex: number; message: string; routerError: boolean }
  /** No answer came (session down, deadline, closed). At `configure`, `outcomeUnknown`: the load was sent, read back before trying again. */
  | { status: 'unanswered'; step: RmonSetupStep; message: string; outcomeUnknown: boolean };

export interface RmonSetupOptions {
  /** The node, in the commit comment: its name, else its id. */
  node: string;
  /** Read the configuration back after a commit (default true). */
  readBack?: boolean;
}

/** Longest node label in a commit comment. */
const MAX_LABEL = 100;

/** The commit comment of a node's set-up: `@jetflows/node-red-junos-jet: jet-rmon-event <node>` (one line, bounded). */
export function rmonCommitComment(node: string): string {
  // eslint-disable-next-line no-control-regex
  let label = String(node).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (label.length > MAX_LABEL) label = `${label.slice(0, MAX_LABEL - 1)}…`;
  return `${PACKAGE_NAME}: jet-rmon-event ${label || '(unnamed)'}`;
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

/** A call's failure as words: the router's refusal, no answer (the session's reason), or another answer. */
type Failure = { answered: true; routerWords: boolean; message: string } | { answered: false; message: string; outcomeUnknown: boolean };

function failureOf(err: unknown): Failure {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SessionError) return { answered: false, message, outcomeUnknown: err instanceof OutcomeUnknownError };
  return { answered: true, routerWords: err instanceof ManagementRefusedError, message };
}

/**
 * The SNMP ifIndex of interface `name` (an IFL's own, an IFD's own), from `show interfaces <name>`:
 * JSON first, XML then CLI text only while the answers cannot be read. Never rejects.
 */
export async function lookUpInterface(api: ManagementApi, name: string): Promise<IfIndexLookup> {
  if (!isInterfaceName(name)) return { found: false, reason: 'unreadable', message: `${JSON.stringify(name)} is not an interface name` };
  const command = { cli: showInterfacesCommand(name) };
  let first: Extract<InterfaceLookup, { found: false }> | null = null;
  for (const format of FORMATS) {
    let lookup: InterfaceLookup;
    try {
      lookup = parseInterfaceIndex(await api.command(command, format), name);
    } catch (err) {
      const f = failureOf(err);
      if (!f.answered) return { found: false, reason: 'unanswered', message: f.message };
      lookup = f.routerWords ? lookupFailure(f.message) : { found: false, reason: 'router-error', message: f.message };
    }
    if (lookup.found || lookup.reason === 'not-found') return lookup;
    // Another format may read where this one did not; the first failure is kept unless a later one says more.
    if (!first || (first.reason === 'unreadable' && lookup.reason !== 'unreadable')) first = lookup;
  }
  return first!;
}

/** The committed RMON configuration: JSON first, XML then CLI text only while the answers cannot be read. */
async function readCommitted(api: ManagementApi): Promise<RmonRead | { ok: false; unanswered: true; message: string }> {
  let first: RmonRead | null = null;
  for (const format of FORMATS) {
    let read: RmonRead;
    try {
      read = parseRmonConfiguration(await api.command({ cli: SHOW_RMON_CONFIGURATION }, format));
    } catch (err) {
      const f = failureOf(err);
      if (!f.answered) return { ok: false, unanswered: true, message: f.message };
      read = { ok: false, routerError: true, message: f.message };
    }
    if (read.ok) return read;
    first ??= read;
  }
  return first!;
}

/**
 * Makes the router's RMON alarm and event those of a jet-rmon-event node (see the file's header):
 * looks the ifIndex up when `settings.interface` is set, reads the committed configuration and
 * loads and commits the builder's lines only when it differs. Never rejects.
 */
export async function setUpRmon(api: ManagementApi, settings: RmonSetupSettings, options: RmonSetupOptions): Promise<RmonSetupResult> {
  const { interface: iface, ...input } = settings;
  const name = text(iface);
  let resolved: ResolvedInterface | undefined;
  if (name !== '') {
    if (!isInterfaceName(name)) return { status: 'invalid', errors: [{ field: 'interface', code: 'interface', params: { value: name } }] };
    const lookup = await lookUpInterface(api, name);
    if (!lookup.found) {
      if (lookup.reason === 'unanswered') return { status: 'unanswered', step: 'lookup', message: lookup.message, outcomeUnknown: false };
      return { status: 'lookup-failed', interface: name, reason: lookup.reason, message: lookup.message };
    }
    resolved = { name: lookup.name, kind: lookup.kind, ifIndex: lookup.ifIndex };
    const configured = text(input.ifIndex);
    if (configured !== '' && Number(configured) !== lookup.ifIndex) return { status: 'mismatch', interface: resolved, configured };
    input.ifIndex = lookup.ifIndex;
  }
  const built = rmonReplaceConfig(input);
  if (built.errors.length > 0) return { status: 'invalid', errors: built.errors };
  const ifIndex = Number(text(input.ifIndex));
  const where = resolved ? { interface: resolved } : {};

  const read = await readCommitted(api);
  if (!read.ok) {
    if ('unanswered' in read) return { status: 'unanswered', step: 'read', message: read.message, outcomeUnknown: false };
    return { status: 'read-failed', ifIndex, message: read.message, routerError: read.routerError };
  }
  const cmp = compareRmon(read.config, input);
  if (!cmp.ok) return { status: 'invalid', errors: cmp.errors };
  if (cmp.equal) return { status: 'unchanged', ifIndex, ...where };

  const { lines, text: load } = rmonReplaceConfig(input, cmp.present);
  const comment = rmonCommitComment(options.node);
  try {
    await api.configure(load, comment);
  } catch (err) {
    const f = failureOf(err);
    if (!f.answered) return { status: 'unanswered', step: 'configure', message: f.message, outcomeUnknown: f.outcomeUnknown };
    return { status: 'refused', ifIndex, ...where, differences: cmp.differences, lines, message: f.message };
  }
  const committed = { status: 'committed' as const, ifIndex, ...where, differences: cmp.differences, lines, comment };
  if (options.readBack === false) return { ...committed, readBack: 'unread', remaining: ['not read back'] };
  return { ...committed, ...(await readBackAfterCommit(api, input)) };
}

/** Whether the router now shows the node's alarm and event. */
async function readBackAfterCommit(api: ManagementApi, input: RmonConfigInput): Promise<{ readBack: 'equal' | 'differs' | 'unread'; remaining: string[] }> {
  const again = await readCommitted(api);
  if (!again.ok) return { readBack: 'unread', remaining: [again.message] };
  const config: RmonConfiguration = again.config;
  const cmp = compareRmon(config, input);
  if (!cmp.ok) return { readBack: 'unread', remaining: cmp.errors.map((e) => e.code) };
  return cmp.equal ? { readBack: 'equal', remaining: [] } : { readBack: 'differs', remaining: cmp.differences };
}
