/**
 * JET client ids. The router keys a session, and on gRPC the routes, by the client id: two
 * Node-RED instances on one host running the same flow (same node ids) must not share one, and an
 * id must never be cut short into another's (the notification id adds a suffix, and MQTT brokers
 * may refuse ids over 23 bytes in MQTT 3.1, over 64 here by choice). Pure: the router node gives
 * what identifies its Node-RED instance.
 */
import { createHash } from 'crypto';

/** Longest client id this package makes (the user's own may be longer; see notificationClientId). */
export const MAX_CLIENT_ID = 64;
const EVENTS_SUFFIX = '-events';

function hash8(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * `node-red-<host, at most 20 characters>-<8 hex of host and instance>-<node id>`: stable across
 * restarts of one instance, different between instances (the instance key is e.g. the user
 * directory and port), readable, at most 64 characters with the notification suffix.
 */
export function defaultClientId(hostname: string, instanceKey: string, nodeId: string): string {
  const host = hostname.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 20) || 'host';
  const node = nodeId.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 24);
  return `node-red-${host}-${hash8(`${hostname}\0${instanceKey}`)}-${node}`;
}

/** The notification session's id: `<id>-events`, or, when that is too long, a prefix and a hash of the whole id (never a plain cut). */
export function notificationClientId(clientId: string): string {
  const plain = `${clientId}${EVENTS_SUFFIX}`;
  if (plain.length <= MAX_CLIENT_ID) return plain;
  const keep = MAX_CLIENT_ID - EVENTS_SUFFIX.length - 9;
  return `${clientId.slice(0, keep)}-${hash8(clientId)}${EVENTS_SUFFIX}`;
}

/** One user of a client id: who it is, and the `host:port` endpoints it opens sessions to. */
export interface ClientIdUser<T> {
  owner: T;
  /** `host:port` of each session (request-response and notifications); compared without case. */
  endpoints: readonly string[];
}

/**
 * The client ids in use in one runtime, for the warning at deploy: two users of one id on one
 * router lock each other out (a gRPC router refuses a second login of a live client id) and drop
 * each other (an MQTT broker disconnects a client when another connects with its id). Two users
 * share a router when they share an endpoint; the same router under two names goes unseen.
 */
export class ClientIdRegistry<T> {
  private readonly byId = new Map<string, Array<ClientIdUser<T>>>();

  /** Registers `user` under `clientId`; returns the owners already registered under it that share an endpoint with it. */
  claim(clientId: string, user: ClientIdUser<T>): T[] {
    const mine = new Set(user.endpoints.map((e) => e.toLowerCase()));
    const users = this.byId.get(clientId) ?? [];
    const clashes = users.filter((u) => u.owner !== user.owner && u.endpoints.some((e) => mine.has(e.toLowerCase()))).map((u) => u.owner);
    this.byId.set(clientId, [...users.filter((u) => u.owner !== user.owner), user]);
    return clashes;
  }

  /** Removes `owner` from `clientId` (the node stopped). */
  release(clientId: string, owner: T): void {
    const users = (this.byId.get(clientId) ?? []).filter((u) => u.owner !== owner);
    if (users.length > 0) this.byId.set(clientId, users);
    else this.byId.delete(clientId);
  }
}
