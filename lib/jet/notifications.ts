/**
 * The notification side of a JET router: one MQTT.js client to the router's broker (Mosquitto on
 * the router, port 1883), shared by every event node.
 *  - Subscriptions are reference-counted per topic filter and per subscriber (ref): a subscriber
 *    that leaves removes only its own, and a filter is unsubscribed when its last subscriber goes.
 *  - Every filter is subscribed again on every connect: a broker restart with a clean session
 *    forgets them, so MQTT.js's own resubscribe is not relied on.
 *  - Reconnects with capped exponential backoff and jitter (MQTT.js's fixed period is off); a
 *    refused login (CONNACK "not authorized" / "bad user name or password") waits the cap and the
 *    state stays `login-failed`.
 *  - Every listener added to the MQTT.js client is removed on close; close is bounded.
 *  - The broker's answer to each subscription (SUBACK) is reported per filter: a refused one (MQTT
 *    3.1.1 return code 0x80, MQTT 5 reason code >= 0x80, e.g. a Mosquitto ACL refusal) goes to the
 *    filter's subscribers' `onSubscription` and to the 'subscription' event; the session itself
 *    stays connected (other filters may be fine) and subscribes it again on the next connect.
 *  - Packets from the broker above `maxPacketBytes` (default 256 KiB) are refused from their fixed
 *    header, before MQTT.js reads or parses their body: the connection is dropped, the state says
 *    why, and the session reconnects as after any other drop.
 * No Node-RED here: the jet-router node adapts it.
 *
 * Events: 'state' (SessionStatus), 'warning' (text), 'subscribed' (filters acknowledged, granted or
 * not), 'subscription' (SubscriptionStatus, refs: the subscribers of that filter),
 * 'reconnect-scheduled' (delay ms).
 */
import { EventEmitter } from 'events';
import { Transform } from 'stream';
import * as mqtt from 'mqtt';
import type { ConnectionOptions } from 'tls';
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF } from '../backoff';
import { describeSocketError } from '../thrift/channel';
import type { SessionStatus } from './backend';
import { topicMatches } from '../mqtt/topic';
import { DEFAULT_MAX_PACKET_BYTES, MqttPacketSizeGuard } from '../mqtt/packet-guard';

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
export type NotificationHandler = ((topic: string, payload: Buffer) => void) & { onSubscription?: SubscriptionListener };

export interface NotificationOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  clientId: string;
  tls?: ConnectionOptions;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Largest packet accepted from the broker, in bytes (default {@link DEFAULT_MAX_PACKET_BYTES}, 256 KiB). */
  maxPacketBytes?: number;
}

export const DEFAULT_NOTIFICATION_PORT = 1883;
export const DEFAULT_RMON_TOPIC = '/junos/events/syslog/SNMPD_RMON_EVENTLOG';
export { DEFAULT_MAX_PACKET_BYTES };

type ClientListener = (...args: any[]) => void;
type StreamBuilder = (client: mqtt.MqttClient) => NodeJS.ReadWriteStream & { destroy(err?: Error): unknown };

interface Subscriber {
  handler: NotificationHandler;
  onSubscription?: SubscriptionListener;
}

/** MQTT.js names of MQTT 5 reason codes (the ones a SUBACK can carry). */
const SUBACK_REASONS: Record<number, string> = {
  0x80: 'Unspecified error',
  0x83: 'Implementation specific error',
  0x87: 'Not authorized',
  0x8f: 'Topic Filter invalid',
  0x91: 'Packet Identifier in use',
  0x97: 'Quota exceeded',
  0x9e: 'Shared Subscriptions not supported',
  0xa1: 'Subscription Identifiers not supported',
  0xa2: 'Wildcard Subscriptions not supported',
};

function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** The reason of a refused subscription, from its SUBACK code (and MQTT 5 reason string). */
export function describeSubackFailure(code: number, protocolVersion = 4, reasonString?: string): string {
  const base = protocolVersion === 5 ? `${hex(code)} ${SUBACK_REASONS[code] ?? 'refused'}` : `SUBACK ${hex(code)} failure`;
  return reasonString ? `${base}: ${reasonString}` : base;
}

export class NotificationSession extends EventEmitter {
  private client: mqtt.MqttClient | null = null;
  private readonly clientListeners: Array<[string, ClientListener]> = [];
  private readonly subscriptions = new Map<string, Map<string, Subscriber>>();
  /** The broker's answer per filter on the current connection (cleared when it drops). */
  private readonly answers = new Map<string, SubscriptionStatus>();
  private stateValue: SessionStatus = { state: 'idle', detail: '' };
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private lastError: string | null = null;
  private authFailed = false;
  private readonly backoff: BackoffOptions;

  constructor(private readonly opts: NotificationOptions) {
    super();
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  get status(): SessionStatus {
    return this.stateValue;
  }

  /** `host:port`: never the user name, which would reach dashboards through the node status. */
  get peer(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  /** Topic filters with at least one subscriber. */
  get filters(): string[] {
    return [...this.subscriptions.keys()];
  }

  start(): void {
    if (this.client || this.stateValue.state === 'closed') return;
    this.setState('connecting', `${this.opts.host}:${this.opts.port}`);
    const client = mqtt.connect({
      manualConnect: true,
      host: this.opts.host,
      port: this.opts.port,
      protocol: this.opts.tls ? 'mqtts' : 'mqtt',
      ...(this.opts.tls ?? {}),
      clientId: this.opts.clientId,
      username: this.opts.username || undefined,
      password: this.opts.password || undefined,
      keepalive: this.opts.keepaliveS ?? 60,
      connectTimeout: this.opts.connectTimeoutMs ?? 10000,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      protocolVersion: 4,
    } as mqtt.IClientOptions);
    this.guardPacketSizes(client);
    this.client = client;
    this.on_(client, 'connect', () => this.onConnect());
    this.on_(client, 'message', (topic: string, payload: Buffer) => this.dispatch(topic, payload));
    this.on_(client, 'error', (err: Error & { code?: string | number }) => this.onError(err));
    this.on_(client, 'close', () => this.onClose());
    client.connect();
  }

  /**
   * Subscribes `ref` to `filter`. `onSubscription` (else `handler.onSubscription`) hears the
   * broker's answer for this filter on every connect, and at once when it is already known.
   */
  subscribe(ref: string, filter: string, handler: NotificationHandler, onSubscription?: SubscriptionListener): void {
    let subs = this.subscriptions.get(filter);
    const isNew = !subs;
    if (!subs) {
      subs = new Map();
      this.subscriptions.set(filter, subs);
    }
    const sub: Subscriber = { handler, onSubscription: onSubscription ?? handler.onSubscription };
    subs.set(ref, sub);
    const client = this.client;
    if (isNew && client?.connected) {
      this.subscribeFilters(client, [filter], () => undefined);
    } else {
      const known = this.answers.get(filter);
      if (known) this.tell(sub, known);
    }
  }

  /** The broker's answer to `filter`'s subscription on the current connection, if any yet. */
  subscriptionStatus(filter: string): SubscriptionStatus | undefined {
    return this.answers.get(filter);
  }

  /** Removes `ref`'s subscription to `filter`, or all of `ref`'s when no filter is given. */
  unsubscribe(ref: string, filter?: string): void {
    for (const [f, subs] of this.subscriptions) {
      if (filter !== undefined && f !== filter) continue;
      if (!subs.delete(ref) || subs.size > 0) continue;
      this.subscriptions.delete(f);
      this.answers.delete(f);
      if (this.client?.connected) this.client.unsubscribe(f);
    }
  }

  /** Ends the session: no reconnect, every listener removed; resolves within `timeoutMs`. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.stateValue.state === 'closed') return;
    this.setState('closed', 'closed');
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.subscriptions.clear();
    this.answers.clear();
    const client = this.client;
    this.client = null;
    if (client) {
      for (const [event, fn] of this.clientListeners) client.off(event as "connect", fn);
      this.clientListeners.length = 0;
      client.on('error', noop);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => client.end(true, {}, () => resolve()), timeoutMs);
        client.end(false, {}, () => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    this.removeAllListeners();
  }

  private on_(client: mqtt.MqttClient, event: string, fn: ClientListener): void {
    client.on(event as 'connect', fn);
    this.clientListeners.push([event, fn]);
  }

  private onConnect(): void {
    this.attempt = 0;
    this.authFailed = false;
    this.lastError = null;
    const filters = this.filters;
    const client = this.client;
    if (filters.length === 0 || !client) {
      this.setState('connected', this.peer);
      return;
    }
    // Connected counts from the broker's SUBACK: before it, events would be lost unseen.
    this.subscribeFilters(client, filters, () => this.setState('connected', this.peer));
  }

  /** SUBSCRIBEs `filters` and reports the broker's answer per filter; `then` runs after it (on this connection). */
  private subscribeFilters(client: mqtt.MqttClient, filters: string[], then: () => void): void {
    client.subscribe(filters, { qos: 0 }, (err, _granted, packet) => {
      if (this.client !== client || !client.connected) return;
      const codes = packet?.granted;
      if (!Array.isArray(codes) || codes.length !== filters.length) {
        // No SUBACK to read (e.g. the client is closing): nothing is known per filter.
        if (err) this.emit('warning', `subscribe ${filters.join(', ')}: ${err.message}`);
      } else {
        const version = client.options.protocolVersion ?? 4;
        const reasonString = packet?.properties?.reasonString;
        filters.forEach((filter, i) => {
          const code = Number(codes[i]);
          const refused = (code & 0x80) !== 0;
          const status: SubscriptionStatus = {
            filter,
            state: refused ? 'refused' : 'subscribed',
            code,
            reason: refused ? describeSubackFailure(code, version, reasonString) : '',
          };
          this.report(status);
          if (refused) {
            this.emit('warning', `the broker at ${this.peer} refused the subscription to ${filter}: ${status.reason} (check its ACL for this user)`);
          }
        });
        this.emit('subscribed', filters);
      }
      if (this.client === client && client.connected) then();
    });
  }

  private report(status: SubscriptionStatus): void {
    const subs = this.subscriptions.get(status.filter);
    if (!subs) return; // unsubscribed meanwhile
    this.answers.set(status.filter, status);
    this.emit('subscription', status, [...subs.keys()]);
    for (const sub of [...subs.values()]) this.tell(sub, status);
  }

  private tell(sub: Subscriber, status: SubscriptionStatus): void {
    if (!sub.onSubscription) return;
    try {
      sub.onSubscription({ ...status });
    } catch (err) {
      this.emit('warning', `subscription listener for ${status.filter} failed: ${(err as Error).message}`);
    }
  }

  /**
   * Puts a {@link MqttPacketSizeGuard} between every stream MQTT.js opens (first connect and each
   * reconnect) and MQTT.js' parser: MQTT.js pipes the stream into its parser, and that pipe goes
   * through a filter that passes whole packets under the limit only. On a packet above it, the
   * bytes from that packet's start on are never passed on, and the connection is dropped.
   */
  private guardPacketSizes(client: mqtt.MqttClient): void {
    const holder = client as unknown as { streamBuilder?: StreamBuilder };
    const build = holder.streamBuilder;
    if (typeof build !== 'function') throw new Error('this MQTT.js has no streamBuilder: packet sizes cannot be guarded');
    const max = this.opts.maxPacketBytes && this.opts.maxPacketBytes > 0 ? this.opts.maxPacketBytes : DEFAULT_MAX_PACKET_BYTES;
    holder.streamBuilder = (c: mqtt.MqttClient) => {
      const stream = build(c);
      const guard = new MqttPacketSizeGuard(max);
      let dropped = false;
      const filter = new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
          if (dropped) {
            done();
            return;
          }
          const big = guard.push(chunk);
          if (!big) {
            done(null, chunk);
            return;
          }
          dropped = true;
          if (big.offset > 0) filter.push(chunk.subarray(0, big.offset));
          done();
          const size = Number.isNaN(big.bytes) ? 'a malformed length' : `${big.bytes} bytes`;
          const why = `the broker sent a ${big.type} packet of ${size}, over the ${max}-byte limit: dropped unread, reconnecting`;
          if (this.client === client) {
            this.lastError = why;
            this.emit('warning', why);
          }
          stream.destroy();
        },
      });
      // MQTT.js calls stream.pipe(parser) once per stream: route that pipe through the filter.
      const pipe = stream.pipe;
      stream.pipe = function <T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T {
        pipe.call(stream, filter);
        return filter.pipe(dest, options);
      };
      return stream;
    };
  }

  private onError(err: Error & { code?: string | number }): void {
    if (err.code === 4 || err.code === 5 || /not authori[sz]ed|bad user ?name or password/i.test(err.message)) {
      this.authFailed = true;
      this.lastError = `login failed: ${err.message} (check the notification user and password)`;
      return;
    }
    if (err.code === 'ECONNREFUSED') {
      this.lastError = 'connection refused (is the JET notification-server enabled on that address and port?)';
      return;
    }
    this.lastError = typeof err.code === 'string' ? describeSocketError(err as Error & { code?: string }) : err.message;
  }

  private onClose(): void {
    if (this.stateValue.state === 'closed' || !this.client) return;
    this.answers.clear();
    if (this.authFailed) {
      this.setState('login-failed', this.lastError ?? 'login failed');
    } else {
      this.setState('disconnected', this.lastError ?? 'connection closed by the broker');
    }
    // A 'state' listener may have closed the session meanwhile: then nothing is scheduled.
    if (this.reconnectTimer || this.isClosed()) return;
    const delay = this.authFailed ? this.backoff.maxMs : backoffDelay(this.attempt++, this.backoff);
    this.emit('reconnect-scheduled', delay);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.client || this.stateValue.state === 'closed') return;
      if (!this.authFailed) this.setState('connecting', `${this.opts.host}:${this.opts.port}`);
      this.lastError = null;
      this.client.reconnect();
    }, delay);
  }

  private dispatch(topic: string, payload: Buffer): void {
    for (const [filter, subs] of this.subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      for (const { handler } of [...subs.values()]) {
        try {
          handler(topic, payload);
        } catch (err) {
          this.emit('warning', `handler for ${filter} failed: ${(err as Error).message}`);
        }
      }
    }
  }

  /** A method, not a narrowed field read: listeners called by setState may have closed the session. */
  private isClosed(): boolean {
    return this.stateValue.state === 'closed';
  }

  private setState(state: SessionStatus['state'], detail: string): void {
    if (this.stateValue.state === state && this.stateValue.detail === detail) return;
    this.stateValue = { state, detail };
    this.emit('state', this.stateValue);
  }
}

function noop(): void {
  /* errors after close */
}
