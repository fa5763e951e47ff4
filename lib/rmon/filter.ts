/**
 * What a jet-rmon-event node lets through and what it sends: the node's filters (each empty = any)
 * read from flow JSON in any form (541 or "541"), and the message built from a parsed event.
 */
import type { RmonEvent } from './parser';

export type DirectionFilter = 'both' | 'rising' | 'falling';

export interface RmonEventFilter {
  ifIndex: number | null;
  alarmIndex: number | null;
  eventIndex: number | null;
  subtag: string | null;
  direction: DirectionFilter;
}

export interface RmonFilterInput {
  ifIndex?: unknown;
  alarmIndex?: unknown;
  eventIndex?: unknown;
  subtag?: unknown;
  direction?: unknown;
}

function optionalIndex(field: string, value: unknown): number | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${field}: expected a whole number or nothing, got ${JSON.stringify(value)}`);
  return n;
}

/** Throws an Error naming the field for a value that cannot be a filter. */
export function parseRmonEventFilter(input: RmonFilterInput): RmonEventFilter {
  const direction = input.direction === undefined || input.direction === null || input.direction === '' ? 'both' : input.direction;
  if (direction !== 'both' && direction !== 'rising' && direction !== 'falling') {
    throw new Error(`direction: expected both, rising or falling, got ${JSON.stringify(input.direction)}`);
  }
  const subtag = typeof input.subtag === 'string' && input.subtag.trim() !== '' ? input.subtag.trim() : null;
  return {
    ifIndex: optionalIndex('ifIndex', input.ifIndex),
    alarmIndex: optionalIndex('alarmIndex', input.alarmIndex),
    eventIndex: optionalIndex('eventIndex', input.eventIndex),
    subtag,
    direction,
  };
}

export function matchesRmonFilter(e: RmonEvent, f: RmonEventFilter): boolean {
  if (f.direction !== 'both' && e.direction !== f.direction) return false;
  if (f.ifIndex !== null && e.ifIndex !== f.ifIndex) return false;
  if (f.alarmIndex !== null && e.alarmIndex !== f.alarmIndex) return false;
  if (f.eventIndex !== null && e.eventIndex !== f.eventIndex) return false;
  if (f.subtag !== null && (e.subtag ?? '').toLowerCase() !== f.subtag.toLowerCase()) return false;
  return true;
}

export interface RmonMessage {
  /** `<hostname>/<ifIndex>`: a stable key per router and interface. */
  topic: string;
  payload: RmonEvent;
}

/** The message for an event; `fallbackHost` names the router when the event carries no hostname. */
export function rmonMessage(e: RmonEvent, fallbackHost: string): RmonMessage {
  const host = e.hostname || fallbackHost;
  const iface = e.ifIndex !== null ? String(e.ifIndex) : e.variable;
  return { topic: `${host}/${iface}`, payload: e };
}

/** A short label for status and the editor, e.g. "ifIndex 541 rising". */
export function describeFilter(f: RmonEventFilter): string {
  const parts: string[] = [];
  if (f.ifIndex !== null) parts.push(`ifIndex ${f.ifIndex}`);
  if (f.alarmIndex !== null) parts.push(`alarm ${f.alarmIndex}`);
  if (f.eventIndex !== null) parts.push(`event ${f.eventIndex}`);
  if (f.subtag !== null) parts.push(f.subtag);
  if (f.direction !== 'both') parts.push(f.direction);
  return parts.length > 0 ? parts.join(' ') : 'any';
}
