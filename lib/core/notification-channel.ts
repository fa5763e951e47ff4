/**
 * The notification side of a router as the router hub (lib/core/hub.ts) and the event nodes know
 * it, whatever carries it: a session that is shared by every subscriber, reference-counts their
 * subscriptions per topic filter and per subscriber (ref), and tells its state. lib/mqtt/session.ts
 * implements it over MQTT (docs/protocol.md §3); the composition (nodes/jet-router.ts) hands the
 * concrete session to the hub.
 */
import type { EventEmitter } from 'events';
import type { SessionStatus } from './backend';

/**
 * The broker's answer to the subscription of one topic filter, on the current connection. Told on
 * every SUBACK (every connect), and at once to a subscriber that joins a filter already answered.
 */
export interface SubscriptionStatus {
  filter: string;
  state: 'subscribed' | 'refused';
  /** The SUBACK return code: the granted QoS (0..2), or a failure (0x80; MQTT 5: a reason code >= 0x80). */
  code: number;
  /** Short reason for a refusal, e.g. "SUBACK 0x80 failure" or "0x87 Not authorized"; '' when subscribed. */
  reason: string;
}

export type SubscriptionListener = (status: SubscriptionStatus) => void;

/**
 * Receives the messages of a filter. It may carry `onSubscription`: the session calls it as it
 * would a listener given to subscribe(); this lets a node hear its filter's SUBACK through an
 * adapter that passes on only (ref, filter, handler), as the jet-router node does.
 */
export type NotificationHandler = ((topic: string, payload: Buffer) => void) & {
  onSubscription?: SubscriptionListener;
  /** The QoS this subscriber asks for (0, 1 or 2; the session's default when absent). */
  qos?: number;
};

/**
 * A notification session. Events: 'state' (SessionStatus) on every change; it may emit more
 * (lib/mqtt/session.ts lists its own).
 */
export interface NotificationChannel extends EventEmitter {
  readonly status: SessionStatus;
  /** Connects, and reconnects by itself until closed. */
  start(): void;
  /** Ends the session: no reconnect, every listener removed; resolves within `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
  /** Subscribes `ref` to `filter` (counted per ref); the filter is subscribed with its first subscriber. */
  subscribe(ref: string, filter: string, handler: NotificationHandler): void;
  /** Removes `ref`'s subscription to `filter`, or all of `ref`'s when no filter is given. */
  unsubscribe(ref: string, filter?: string): void;
}
