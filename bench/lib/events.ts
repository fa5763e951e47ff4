/**
 * The RMON notifications the bench publishes (the simulator's own builder, so the payload is the
 * router's SNMPD_RMON_EVENTLOG shape of docs/protocol.md §3), and the ifIndex → prefix mapping that every
 * implementation under test applies (prefix.ts, re-exported here): ifIndex i → 10.<i>>16>.<i>>8>.<i>/32.
 */
import { buildRmonNotification } from '../../sim';

export { RMON_TOPIC } from '../../sim';

export const HOSTNAME = 'jet-sim';
const RISING = 1024;
const FALLING = 1023;

export type Direction = 'rising' | 'falling';

export { prefixOf } from './prefix';

/** The notification payload of a rising (or falling) event on `ifIndex`. */
export function rmonPayload(ifIndex: number, direction: Direction = 'rising'): string {
  const rising = direction === 'rising';
  const n = buildRmonNotification(
    {
      direction,
      eventIndex: 541,
      alarmIndex: 1,
      threshold: rising ? RISING : FALLING,
      variable: `ifIn1SecRate.${ifIndex}`,
      value: rising ? 8288 : 0,
      subtag: `IFINDEX${ifIndex}`,
    },
    { hostname: HOSTNAME, time: new Date(), processId: 1204 },
  );
  return JSON.stringify(n);
}

/**
 * Event k of a cycle over `count` interfaces from `first`: interface first + k % count, rising in
 * even rounds of `count`, falling in odd ones, so that every event is a transition (a RouteAdd or
 * a RouteDelete) and the routes and keys in play stay bounded (at most `count` of each).
 */
export function cycledEvent(k: number, count: number, first: number): { ifIndex: number; direction: Direction } {
  return { ifIndex: first + (k % count), direction: Math.floor(k / count) % 2 === 0 ? 'rising' : 'falling' };
}
