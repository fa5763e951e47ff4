/**
 * What a jet-rmon-event node does with the router's management API (docs/protocol.md §4, §6), without
 * Node-RED: on every login of the router's session, it looks up the SNMP ifIndex of its `interface`
 * (lib/junos/rmon-setup.ts lookUpInterface) and, with `configureRmon`, makes the router's alarm and
 * event the node's (setUpRmon: one commit per real change, none when unchanged).
 *
 * - `ifIndex()`: the ifIndex events are filtered by; `blocked()`: no event may pass (an interface
 *   not resolved yet, unknown to the router, or disagreeing with the node's ifIndex);
 * - `problem()`: what the node shows instead of listening (a StatusCode of the node's catalog), or null;
 * - a call that got no answer while the session stays up is tried again with a capped backoff; a
 *   new login starts over; close() leaves no timer.
 */
import { RouteValidationError, toBool, toInteger } from '../flow-props';
import type { ManagementApi } from '../core/management';
import type { StatusCode } from '../node-status';
import { RmonConfigInput, rmonConfig, RMON_DEFAULTS, RMON_INDEX_MAX } from './config-commands';
import { isInterfaceName } from './interfaces';
import { RmonClaims } from './rmon-claims';
import { lookUpInterface, setUpRmon } from './rmon-setup';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** A node's flow-JSON properties that the binding reads. */
export interface RmonNodeProps {
  interface?: unknown;
  ifIndex?: unknown;
  alarmIndex?: unknown;
  eventIndex?: unknown;
  subtag?: unknown;
  variable?: unknown;
  interval?: unknown;
  sampleType?: unknown;
  rising?: unknown;
  falling?: unknown;
  configureRmon?: unknown;
}

export interface RmonNodeSettings {
  /** '' when none. */
  interface: string;
  /** The node's own ifIndex property; null when empty. */
  ifIndex: number | null;
  configure: boolean;
  /** The builder's input without the ifIndex (the lookup gives it, or the property). */
  rmon: RmonConfigInput;
  /** The alarm index the node sets up (default 1). */
  alarm: number;
  /** The set-up settings as one text: two nodes with the same alarm and key agree. */
  key: string;
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

/**
 * Reads the properties (numbers as 5 or "5", missing ones as their default); throws a
 * RouteValidationError naming the property for one that cannot be used. The RMON settings are
 * checked only with configureRmon: without it they are what the dialog's command panel shows.
 */
export function readRmonNodeSettings(p: RmonNodeProps): RmonNodeSettings {
  const iface = text(p.interface);
  if (iface !== '' && !isInterfaceName(iface)) throw new RouteValidationError('interface', iface, `${JSON.stringify(iface)} is not an interface name (ge-0/0/0.0, ae0)`);
  const ifText = text(p.ifIndex);
  const ifIndex = ifText === '' ? null : toInteger('ifIndex', ifText, 0, 1, INT32_MAX);
  const configure = toBool(p.configureRmon);
  const variable = text(p.variable) || RMON_DEFAULTS.variable;
  const sampleType = text(p.sampleType) || RMON_DEFAULTS.sampleType;
  const alarm = toInteger('alarmIndex', p.alarmIndex, RMON_DEFAULTS.alarmIndex, 1, RMON_INDEX_MAX);
  const rmon: RmonConfigInput = {
    variable,
    alarmIndex: alarm,
    eventIndex: text(p.eventIndex) === '' ? '' : toInteger('eventIndex', p.eventIndex, 0, 1, RMON_INDEX_MAX),
    subtag: text(p.subtag),
    interval: toInteger('interval', p.interval, RMON_DEFAULTS.interval, 1, INT32_MAX),
    sampleType,
    rising: toInteger('rising', p.rising, RMON_DEFAULTS.rising, INT32_MIN, INT32_MAX),
    falling: toInteger('falling', p.falling, RMON_DEFAULTS.falling, INT32_MIN, INT32_MAX),
  };
  if (configure) {
    if (iface === '' && ifIndex === null) throw new RouteValidationError('interface', '', 'configureRmon needs an interface or an ifIndex');
    // The builder's own checks (variable, subtag, sample type, falling below rising), with any ifIndex.
    const err = rmonConfig({ ...rmon, ifIndex: ifIndex ?? 1 }).errors.find((e) => e.field !== 'eventIndex');
    if (err) throw new RouteValidationError(err.field, err.params.value, `${JSON.stringify(String(err.params.value ?? ''))} is not valid (${err.code})`);
  }
  const key = JSON.stringify([iface, ifIndex, rmon.variable, rmon.eventIndex, rmon.subtag, rmon.interval, rmon.sampleType, rmon.rising, rmon.falling]);
  return { interface: iface, ifIndex, configure, rmon, alarm, key };
}

export interface RmonBindingOptions {
  settings: RmonNodeSettings;
  /** The node's id (its claim) and label (commit comment, other nodes' conflict status). */
  id: string;
  label: string;
  /** The management API of the router's current session; undefined: none (Thrift, or no session). */
  management(): ManagementApi | undefined;
  /** This router's registry (configureRmon). */
  claims: RmonClaims;
  /** Something shown changed. */
  onChange(): void;
  log(text: string): void;
  warn(text: string): void;
  /** First retry after a call got no answer, and the cap of its doubling (ms). */
  retryMs?: { first: number; max: number };
}

export class RmonBinding {
  private resolved: number | null = null;
  private problemValue: StatusCode | null = null;
  private gen = 0;
  private loggedInValue = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private closed = false;
  private readonly onClaims = (): void => this.claimsChanged();
  private conflicted = false;

  constructor(private readonly o: RmonBindingOptions) {
    this.retryDelay = o.retryMs?.first ?? 2000;
    const s = o.settings;
    if (s.interface === '') this.resolved = s.ifIndex;
    if (s.configure) {
      o.claims.on('change', this.onClaims);
      o.claims.claim(o.id, s.alarm, s.key, o.label);
    }
  }

  /** The ifIndex events are filtered by (null: any, or none yet: see blocked()). */
  ifIndex(): number | null {
    return this.resolved;
  }

  /** No event may pass: the interface is not resolved (yet), unknown, or disagrees with ifIndex. */
  blocked(): boolean {
    return this.o.settings.interface !== '' && this.resolved === null;
  }

  problem(): StatusCode | null {
    return this.problemValue;
  }

  /** The router's session logged in (again). */
  loggedIn(): void {
    if (this.closed) return;
    this.loggedInValue = true;
    this.retryDelay = this.o.retryMs?.first ?? 2000;
    this.start();
  }

  /** The session is down: what runs is dropped; the next login starts over. */
  loggedOut(): void {
    this.loggedInValue = false;
    this.gen++;
    this.clearRetry();
  }

  close(): void {
    this.closed = true;
    this.loggedOut();
    if (this.o.settings.configure) {
      this.o.claims.off('change', this.onClaims);
      this.o.claims.release(this.o.id);
    }
  }

  private claimsChanged(): void {
    const others = this.o.claims.conflicts(this.o.id);
    const was = this.conflicted;
    this.conflicted = others.length > 0;
    if (this.conflicted) {
      this.setProblem({ fill: 'red', shape: 'ring', code: 'conflict', params: { alarm: this.o.settings.alarm, other: others.join(', ') } });
    } else if (was) {
      this.setProblem(null);
      // The other node left: set up now rather than at the next login.
      if (this.loggedInValue) this.start();
    }
  }

  private setProblem(p: StatusCode | null): void {
    this.problemValue = p;
    this.o.onChange();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private start(): void {
    this.gen++;
    this.clearRetry();
    const gen = this.gen;
    this.run(gen).catch((err: Error) => {
      if (gen === this.gen) this.o.warn(`RMON set-up failed: ${err.message}`);
    });
  }

  /** No answer while the session stays up: again later, the delay doubling up to its cap. */
  private retry(gen: number, why: string): void {
    if (gen !== this.gen || !this.loggedInValue || this.closed) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.o.retryMs?.max ?? 60000);
    this.o.warn(`${why}; trying again in ${Math.round(delay / 1000)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (gen === this.gen && this.loggedInValue) this.start();
    }, delay);
  }

  private async run(gen: number): Promise<void> {
    const s = this.o.settings;
    const api = this.o.management();
    if (!api) return;
    let ifIndex = s.ifIndex;
    if (s.interface !== '') {
      const found = await lookUpInterface(api, s.interface);
      if (gen !== this.gen) return;
      if (!found.found) {
        if (found.reason === 'unanswered') return this.retry(gen, `no answer to the lookup of ${s.interface}: ${found.message}`);
        this.resolved = null;
        this.setProblem({ fill: 'red', shape: 'ring', code: 'lookupFailed', params: { interface: s.interface, message: found.message } });
        return;
      }
      if (s.ifIndex !== null && s.ifIndex !== found.ifIndex) {
        this.resolved = null;
        this.setProblem({ fill: 'red', shape: 'ring', code: 'mismatch', params: { interface: s.interface, actual: found.ifIndex, configured: s.ifIndex } });
        return;
      }
      if (this.resolved !== found.ifIndex) this.o.log(`${s.interface} is ifIndex ${found.ifIndex}`);
      this.resolved = found.ifIndex;
      ifIndex = found.ifIndex;
      if (!this.conflicted) this.setProblem(null);
      else this.o.onChange();
    }
    if (!s.configure || ifIndex === null) return;
    this.claimsChanged();
    if (this.conflicted) return;
    const r = await this.o.claims.serialize(() => (gen === this.gen ? setUpRmon(api, { ...s.rmon, ifIndex }, { node: this.o.label }) : Promise.resolve(null)));
    if (r === null || gen !== this.gen) return;
    const alarm = s.alarm;
    switch (r.status) {
      case 'unchanged':
        this.o.log(`RMON alarm ${alarm} on ifIndex ${r.ifIndex}: the router's configuration is the node's already, nothing committed`);
        this.setProblem(null);
        break;
      case 'committed':
        this.o.log(`RMON alarm ${alarm} on ifIndex ${r.ifIndex} committed (${r.differences.join('; ')}): "${r.comment}"`);
        if (r.readBack === 'differs') this.o.warn(`after the commit the router still shows RMON alarm ${alarm} otherwise: ${r.remaining.join('; ')}`);
        this.setProblem(null);
        break;
      case 'refused':
        this.o.warn(`the router refused the RMON configuration of alarm ${alarm}: ${r.message}`);
        this.setProblem({ fill: 'red', shape: 'dot', code: 'rmonRefused', params: { message: r.message } });
        break;
      case 'read-failed':
        this.setProblem({ fill: 'red', shape: 'dot', code: 'rmonReadFailed', params: { message: r.message } });
        break;
      case 'invalid':
        this.setProblem({ fill: 'red', shape: 'ring', code: 'invalidConfig', params: { message: r.errors.map((e) => `${e.field}: ${e.code}`).join(', ') } });
        break;
      case 'unanswered':
        if (r.outcomeUnknown) this.o.warn(`RMON alarm ${alarm}: ${r.message}`);
        this.retry(gen, `no answer during the RMON set-up (${r.step}): ${r.message}`);
        break;
      default:
        // lookup-failed and mismatch come only with an interface, which was looked up above.
        break;
    }
  }
}
