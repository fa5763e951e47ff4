/**
 * The Junos `set` commands a router needs for this package's nodes, built from their settings:
 * the JET request-response service (gRPC clear text or TLS, or Thrift on Junos up to 16.1), its
 * `max-connections`, the notification broker's `allow-clients` (docs/protocol.md §1, §6, README "Pointing it
 * at a real router"), and the RMON alarm and event that feed a jet-rmon-event node (docs/protocol.md §1, §4),
 * also as `delete`-then-`set` lines that replace exactly that alarm and event (rmonReplaceConfig).
 *
 * One pure implementation for the editor and the tests: it touches no global and imports only
 * pure modules (the shared defaults, flow-property reading), and the editor script (editor/, bundled
 * into resources/jet-editor.js) runs this very module, so the dialogs run the code the unit tests
 * run. Nothing here talks to a router.
 *
 * The results carry no prose: problems are codes with parameters, which the editor translates
 * (locales `jet-router.config.error.*` / `.note.*`, `jet-rmon-event.config.error.*` / `.note.*`).
 * `errors` make the commands unusable (then `lines` is empty); `notes` are worth reading but the
 * commands stand, with a `<placeholder>` where a value is not known.
 */

import { apiOf } from '../core/backend';
import { DEFAULT_NOTIFICATION_PORT, DEFAULT_PORTS } from '../core/defaults';
import { toBool } from '../flow-props';

export { apiOf, DEFAULT_NOTIFICATION_PORT, DEFAULT_PORTS };

export type Params = Record<string, string | number>;

export interface Problem {
  /** The input the problem is about. */
  field: string;
  /** What is wrong, as a message key. */
  code: string;
  params: Params;
}

export interface ConfigResult {
  /** The commands (`set`; rmonReplaceConfig: `delete` first), in the order to enter them; empty when there are errors. */
  lines: string[];
  /** The lines joined with newlines (and a final one), ready to paste; '' when there are errors. */
  text: string;
  errors: Problem[];
  notes: Problem[];
}

type Value = string | number | boolean | null | undefined;

export interface RouterConfigInput {
  /** 'grpc', or 'thrift'; anything else (a router saved before gRPC: '') is Thrift, as the runtime reads it. */
  api?: Value;
  /** The router's management address (the Thrift service binds to it). */
  host?: Value;
  /** The JET port; empty: the API's default. */
  port?: Value;
  useTls?: Value;
  /** Name of the certificate loaded under `security certificates local`. */
  certificate?: Value;
  /** The router asks for this Node-RED's client certificate. */
  mutualAuth?: Value;
  /** The CA profile that signed the client certificate (mutual authentication). */
  caProfile?: Value;
  /** Empty: {@link DEFAULT_MAX_CONNECTIONS}. */
  maxConnections?: Value;
  /** This Node-RED's address as the router sees it: an IPv4 or IPv6 address, or a prefix. */
  clientAddress?: Value;
  /** gRPC: the routing instance the service listens in (a management VRF: mgmt_junos); empty: none. */
  routingInstance?: Value;
  /** The port the node reaches the notification broker on; empty: 1883. */
  notificationPort?: Value;
}

export interface RmonConfigInput {
  /** SNMP ifIndex of the watched interface (`show interfaces <ifl> | match SNMP`). */
  ifIndex?: Value;
  /** The MIB object the alarm samples, without its instance (`.<ifIndex>` is added); empty: ifIn1SecRate. */
  variable?: Value;
  /** Empty: 1. */
  alarmIndex?: Value;
  /** Empty: the ifIndex. */
  eventIndex?: Value;
  /** Empty: IFINDEX<ifIndex>. */
  subtag?: Value;
  /** Seconds between samples; empty: 1. */
  interval?: Value;
  /** 'absolute-value' or 'delta-value' (or 'absolute' / 'delta'); empty: absolute-value. */
  sampleType?: Value;
  /** Empty: 1024. */
  rising?: Value;
  /** Empty: 1023. */
  falling?: Value;
}

export const DEFAULT_MAX_CONNECTIONS = 8;
/** Junos accepts 1 to 30 `max-connections` (default 5). */
export const MAX_CONNECTIONS_LIMIT = 30;
export const DEFAULT_ROUTING_INSTANCE = 'mgmt_junos';
export const RMON_DEFAULTS = { variable: 'ifIn1SecRate', alarmIndex: 1, interval: 1, sampleType: 'absolute-value', rising: 1024, falling: 1023 } as const;
/** A MIB object name (the alarm's variable without its instance). */
const MIB_OBJECT = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** RMON alarm and event indexes: 1 to 65535. */
export const RMON_INDEX_MAX = 65535;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

export const PLACEHOLDERS = {
  certificate: '<certificate-name>',
  caProfile: '<ca-profile>',
  clientAddress: '<node-red-ip>',
  mgmtAddress: '<mgmt-ip>',
} as const;

const SERVICES = 'set system services extension-service';

function text(v: Value): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

/** A whole number in min..max written in decimal, or null. */
function integer(v: Value, min: number, max: number): number | null {
  const s = text(v);
  if (!/^[+-]?\d{1,12}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return V4.test(s);
}

/** An IPv6 address in any RFC 4291 text form (with '::' and a dotted IPv4 tail), no zone. */
export function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.indexOf(':') < 0) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (let i = 0; i < halves.length; i++) {
    if (halves[i] === '') continue;
    const parts = halves[i].split(':');
    for (let j = 0; j < parts.length; j++) {
      const last = i === halves.length - 1 && j === parts.length - 1;
      if (last && parts[j].indexOf('.') >= 0) {
        if (!V4.test(parts[j])) return false;
        groups += 2;
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(parts[j])) {
        groups += 1;
      } else {
        return false;
      }
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

function isLoopback(address: string, v4: boolean): boolean {
  if (v4) return address.startsWith('127.');
  return /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(address);
}

/**
 * The `allow-clients` prefix for this Node-RED's address: an IPv4 address as /32, an IPv6 one as
 * /128, a prefix as given. Brackets ([2001:db8::1], as a URL writes it) are dropped.
 * `{prefix}`; `{prefix: null, reason}` for an empty value or a host name (the router needs an
 * address); `{error}` for something that tries to be an address and is not one.
 */
export function clientPrefix(value: Value):
  | { prefix: string; loopback: boolean }
  | { prefix: null; reason: 'missing' | 'name' }
  | { prefix: null; error: 'address' | 'prefixLength' } {
  let s = text(value);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s === '') return { prefix: null, reason: 'missing' };
  const slash = s.indexOf('/');
  const address = (slash < 0 ? s : s.slice(0, slash)).toLowerCase();
  const v4 = isIPv4(address);
  const v6 = !v4 && isIPv6(address);
  if (!v4 && !v6) {
    // Digits and dots, or a colon: a mistyped address. Anything else: a host name.
    if (slash >= 0 || /^[\d.]+$/.test(address) || address.indexOf(':') >= 0) return { prefix: null, error: 'address' };
    return /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(address) ? { prefix: null, reason: 'name' } : { prefix: null, error: 'address' };
  }
  const max = v4 ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lenText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return { prefix: null, error: 'prefixLength' };
    length = Number(lenText);
  }
  return { prefix: `${address}/${length}`, loopback: isLoopback(address, v4) };
}

/** A Junos object name (certificate, CA profile, routing instance): letters, digits, '_', '-', '.'. */
function isName(s: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(s);
}

function result(lines: string[], errors: Problem[], notes: Problem[]): ConfigResult {
  const ok = errors.length === 0;
  return { lines: ok ? lines : [], text: ok ? `${lines.join('\n')}\n` : '', errors, notes };
}

/** The commands for a jet-router: its JET service, max-connections, and the notification broker. */
export function routerConfig(input: RouterConfigInput): ConfigResult {
  const errors: Problem[] = [];
  const notes: Problem[] = [];
  const api = apiOf(input.api);
  const tls = toBool(input.useTls);

  let port: number = DEFAULT_PORTS[api];
  if (text(input.port) !== '') {
    const p = integer(input.port, 1, 65535);
    if (p === null) errors.push({ field: 'port', code: 'port', params: { value: text(input.port) } });
    else port = p;
  }

  let maxConnections = DEFAULT_MAX_CONNECTIONS;
  if (text(input.maxConnections) !== '') {
    const m = integer(input.maxConnections, 1, MAX_CONNECTIONS_LIMIT);
    if (m === null) errors.push({ field: 'maxConnections', code: 'maxConnections', params: { value: text(input.maxConnections), max: MAX_CONNECTIONS_LIMIT } });
    else maxConnections = m;
  }

  const name = (field: 'certificate' | 'caProfile'): string => {
    const s = text(input[field]);
    if (s === '') {
      notes.push({ field, code: field, params: { placeholder: PLACEHOLDERS[field] } });
      return PLACEHOLDERS[field];
    }
    if (!isName(s)) errors.push({ field, code: 'name', params: { value: s } });
    return s;
  };

  let notificationPort = DEFAULT_NOTIFICATION_PORT;
  if (text(input.notificationPort) !== '') {
    const p = integer(input.notificationPort, 1, 65535);
    if (p === null) errors.push({ field: 'notificationPort', code: 'port', params: { value: text(input.notificationPort) } });
    else notificationPort = p;
  }
  if (notificationPort !== DEFAULT_NOTIFICATION_PORT) {
    notes.push({ field: 'notificationPort', code: 'notificationPort', params: { port: notificationPort, default: DEFAULT_NOTIFICATION_PORT } });
  }

  const lines: string[] = [];
  if (api === 'grpc') {
    const rr = `${SERVICES} request-response grpc`;
    if (tls) {
      lines.push(`${rr} ssl port ${port}`);
      lines.push(`${rr} ssl local-certificate ${name('certificate')}`);
      if (toBool(input.mutualAuth)) {
        lines.push(`${rr} ssl mutual-authentication certificate-authority ${name('caProfile')} client-certificate-request require-certificate-and-verify`);
      }
    } else {
      lines.push(`${rr} clear-text port ${port}`);
    }
    lines.push(`${rr} max-connections ${maxConnections}`);
    const instance = text(input.routingInstance);
    if (instance !== '') {
      if (!isName(instance)) errors.push({ field: 'routingInstance', code: 'name', params: { value: instance } });
      lines.push(`${rr} routing-instance ${instance}`);
    }
    const client = clientPrefix(input.clientAddress);
    let allowed = `${PLACEHOLDERS.clientAddress}/32`;
    if (client.prefix !== null) {
      allowed = client.prefix;
      if (client.loopback) notes.push({ field: 'clientAddress', code: 'clientLoopback', params: { value: client.prefix } });
    } else if ('error' in client) {
      errors.push({ field: 'clientAddress', code: client.error === 'address' ? 'clientAddress' : 'clientPrefixLength', params: { value: text(input.clientAddress) } });
    } else {
      notes.push({ field: 'clientAddress', code: client.reason === 'missing' ? 'clientMissing' : 'clientName', params: { value: text(input.clientAddress), placeholder: PLACEHOLDERS.clientAddress } });
    }
    lines.push(`${SERVICES} notification allow-clients address ${allowed}`);
  } else {
    // Junos up to 16.1 (docs/protocol.md §1): the service and the broker bind to the management address.
    const host = text(input.host).replace(/^\[(.*)\]$/, '$1');
    let address: string = PLACEHOLDERS.mgmtAddress;
    if (isIPv4(host) || isIPv6(host)) address = host.toLowerCase();
    else notes.push({ field: 'host', code: host === '' ? 'hostMissing' : 'hostName', params: { value: host, placeholder: PLACEHOLDERS.mgmtAddress } });
    const rr = `${SERVICES} thrift request-response`;
    const mode = tls ? 'ssl' : 'clear-text';
    lines.push(`${rr} ${mode} address ${address}`);
    if (tls || port !== DEFAULT_PORTS.thrift) lines.push(`${rr} ${mode} port ${port}`);
    if (tls) lines.push(`${rr} ssl local-certificate ${name('certificate')}`);
    lines.push(`${rr} max-connection ${maxConnections}`);
    lines.push(`${SERVICES} notification-server address ${address}`);
    notes.push({ field: 'api', code: 'thriftSpelling', params: {} });
  }
  return result(lines, errors, notes);
}

/** Junos spellings of the sample type; null for anything else. */
function sampleTypeOf(v: Value): 'absolute-value' | 'delta-value' | null {
  const s = text(v).toLowerCase();
  if (s === '' || s === 'absolute-value' || s === 'absolute') return 'absolute-value';
  if (s === 'delta-value' || s === 'delta') return 'delta-value';
  return null;
}

/**
 * The RMON alarm on `<variable>.<ifIndex>` and its event (log-and-trap, so the router logs
 * SNMPD_RMON_EVENTLOG with the subtag, which the notification broker publishes), with the README's
 * defaults: variable ifIn1SecRate, alarm 1, event = ifIndex, subtag IFINDEX<ifIndex>, every second,
 * absolute value, rising 1024, falling 1023.
 */
export function rmonConfig(input: RmonConfigInput): ConfigResult {
  const r = rmonParts(input);
  return result(r.lines, r.errors, r.notes);
}

/** rmonConfig's lines and problems, with the alarm and event index they are for. */
function rmonParts(input: RmonConfigInput): { lines: string[]; errors: Problem[]; notes: Problem[]; alarm: number; event: number } {
  const errors: Problem[] = [];
  const notes: Problem[] = [];
  const given = (field: keyof RmonConfigInput): boolean => text(input[field]) !== '';
  const number = (field: keyof RmonConfigInput, fallback: number, min: number, max: number, code: string): number => {
    if (!given(field)) return fallback;
    const n = integer(input[field], min, max);
    if (n === null) errors.push({ field, code, params: { value: text(input[field]), min, max } });
    return n ?? fallback;
  };

  let ifIndex: number | null = null;
  if (!given('ifIndex')) errors.push({ field: 'ifIndex', code: 'ifIndexMissing', params: {} });
  else {
    ifIndex = integer(input.ifIndex, 1, INT32_MAX);
    if (ifIndex === null) errors.push({ field: 'ifIndex', code: 'ifIndex', params: { value: text(input.ifIndex), min: 1, max: INT32_MAX } });
  }
  let variable = text(input.variable);
  if (variable === '') variable = RMON_DEFAULTS.variable;
  else if (!MIB_OBJECT.test(variable)) errors.push({ field: 'variable', code: 'variable', params: { value: variable } });
  const alarm = number('alarmIndex', RMON_DEFAULTS.alarmIndex, 1, RMON_INDEX_MAX, 'index');
  let event = 0;
  if (given('eventIndex')) event = number('eventIndex', 0, 1, RMON_INDEX_MAX, 'index');
  else if (ifIndex !== null) {
    event = ifIndex;
    if (ifIndex > RMON_INDEX_MAX) errors.push({ field: 'eventIndex', code: 'eventIndexDefault', params: { value: ifIndex, max: RMON_INDEX_MAX } });
  }
  let subtag = text(input.subtag);
  if (subtag === '') subtag = `IFINDEX${ifIndex ?? ''}`;
  else if (!/^[A-Z0-9_-]{1,80}$/.test(subtag)) errors.push({ field: 'subtag', code: 'subtag', params: { value: subtag } });
  const interval = number('interval', RMON_DEFAULTS.interval, 1, INT32_MAX, 'integer');
  const sampleType = sampleTypeOf(input.sampleType);
  if (sampleType === null) errors.push({ field: 'sampleType', code: 'sampleType', params: { value: text(input.sampleType) } });
  const rising = number('rising', RMON_DEFAULTS.rising, INT32_MIN, INT32_MAX, 'integer');
  const falling = number('falling', RMON_DEFAULTS.falling, INT32_MIN, INT32_MAX, 'integer');
  if (!errors.some((e) => e.field === 'rising' || e.field === 'falling') && !(falling < rising)) {
    errors.push({ field: 'falling', code: 'falling', params: { falling, rising } });
  }
  if (sampleType === 'delta-value') notes.push({ field: 'sampleType', code: 'delta', params: {} });

  const a = `set snmp rmon alarm ${alarm}`;
  const lines = [
    `${a} interval ${interval}`,
    `${a} variable ${variable}.${ifIndex}`,
    `${a} sample-type ${sampleType}`,
    `${a} request-type get-request`,
    `${a} rising-threshold ${rising}`,
    `${a} falling-threshold ${falling}`,
    `${a} rising-event-index ${event}`,
    `${a} falling-event-index ${event}`,
    `${a} syslog-subtag ${subtag}`,
    `set snmp rmon event ${event} type log-and-trap`,
  ];
  return { lines, errors, notes, alarm, event };
}

/**
 * What makes the router's alarm and event exactly rmonConfig's, to load with `load set` (the JET
 * ConfigSet load type SET): `delete snmp rmon alarm <alarmIndex>` and `delete snmp rmon event
 * <eventIndex>` (so statements the node does not set go too), then rmonConfig's lines. Nothing
 * else is touched: no other alarm, event or statement. `present` says which of the two the router
 * has (read back first): a delete is left out for one known to be absent (Junos warns "statement
 * not found" on it); without `present` both deletes are there. Same errors and notes as rmonConfig.
 */
export function rmonReplaceConfig(input: RmonConfigInput, present?: { alarm: boolean; event: boolean }): ConfigResult {
  const r = rmonParts(input);
  const deletes: string[] = [];
  if (!present || present.alarm) deletes.push(`delete snmp rmon alarm ${r.alarm}`);
  if (!present || present.event) deletes.push(`delete snmp rmon event ${r.event}`);
  return result([...deletes, ...r.lines], r.errors, r.notes);
}
