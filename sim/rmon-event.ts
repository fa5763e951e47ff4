/**
 * The notification a Junos router publishes for an RMON event (docs/protocol.md §3): the
 * SNMPD_RMON_EVENTLOG `jet-event` with the event text of lib/rmon/parser.ts formatRmonText (so the
 * simulator and the parser cannot drift apart) and the router's time format. Used by the RMON
 * engine (sim/rmon.ts) and the tests' synthetic events.
 */
import type { Direction } from '../lib/rmon/alarm';
import { formatRmonText } from '../lib/rmon/parser';
import { RMON_EVENT_ID } from '../lib/core/defaults';

/** The `jet-event` object of a notification (docs/protocol.md §3). */
export interface JetEvent {
  'event-id': string;
  hostname: string;
  time: string;
  severity: string;
  facility: string;
  'process-id': number;
  'process-name': string;
  message: string;
  attributes: { 'event-name'?: string; message: string };
}

export interface JetEventNotification {
  'jet-event': JetEvent;
}

/** What one RMON event says. */
export interface RmonEventFields {
  direction: Direction;
  eventIndex: number;
  alarmIndex: number;
  threshold: number;
  variable: string;
  value: number;
  /** '' for none. */
  subtag: string;
}

/** `YYYY-MM-DD-HH:MM:SS`, in UTC. */
export function formatJetTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** The SNMPD_RMON_EVENTLOG notification a Junos router sends for an RMON event. */
export function buildRmonNotification(
  e: RmonEventFields,
  origin: { hostname: string; time: Date; processId: number },
): JetEventNotification {
  const text = formatRmonText(e);
  return {
    'jet-event': {
      'event-id': RMON_EVENT_ID,
      hostname: origin.hostname,
      time: formatJetTime(origin.time),
      severity: 'notice',
      facility: 'daemon',
      'process-id': origin.processId,
      'process-name': 'snmpd',
      message: e.subtag ? `${e.subtag}: ${text}` : text,
      attributes: e.subtag ? { 'event-name': e.subtag, message: text } : { message: text },
    },
  };
}
