/**
 * The notification side of a JET router: one MQTT.js client to the router's broker (Mosquitto on
 * the router, port 1883), shared by every event node.
 *  - Subscriptions are reference-counted per topic filter and per subscriber (ref): a subscriber
 *    that leaves removes only its own, and a filter is unsubscribed when its last subscriber goes.
 *  - Every filter is subscribed again on every connect: a broker restart with a clean session
 *    forgets them, so MQTT.js's own resubscribe is not relied on.
 *  - Reconnects through the shared loop of lib/core/reconnect.ts, with capped exponential backoff
 *    and jitter (MQTT.js's fixed period is off); a refused login (CONNACK "not authorized" / "bad
 *    user name or password") waits the cap and the state stays `login-failed`.
 *  - Each filter is subscribed at the highest QoS its subscribers asked for (a handler's `qos`,
 *    default 1): at QoS 1 the subscriber answers every message with a PUBACK, which carries the TCP
 *    ACK at once; at QoS 0 a broker with Nagle on (Mosquitto's default) holds the next messages
 *    until the receiver's delayed ACK, up to 40 ms. A subscriber joining with a higher QoS, or the
 *    last one asking for it leaving, subscribes the filter again at the new QoS.
 *  - No-delay on the socket (TCP and TLS): PUBACKs and pings leave at once.
 *  - Keepalive: MQTT.js pings `keepalive` after its last reschedule and gives up half a period
 *    later; it reschedules only on acknowledgements and PINGRESP. Here a received packet also
 *    reschedules it when the broker is known to have heard from us (a QoS>0 PUBLISH, answered by a
 *    PUBACK now, or anything sent in the last quarter period): no PINGREQ while events flow both
 *    ways, and a broker that goes silent is still noticed within 1.5 keepalive periods of its last
 *    packet. Rescheduled at most once per quarter period.
 *  - Every listener added to the MQTT.js client is removed on close; close is bounded.
 *  - The broker's answer to each subscription (SUBACK) is reported per filter: a refused one (MQTT
 *    3.1.1 return code 0x80, MQTT 5 reason code >= 0x80, e.g. a Mosquitto ACL refusal) goes to the
 *    filter's subscribers' `onSubscription` and to the 'subscription' event; the session itself
 *    stays connected (other filters may be fine) and subscribes it again on the next connect.
 *  - Packets from the broker above `maxPacketBytes` (default 256 KiB) are refused from their fixed
 *    header, before MQTT.js reads or parses their body (lib/mqtt/packet-guard.ts): the connection
 *    is dropped, the state says why, and the session reconnects as after any other drop. On every
 *    connect the session checks that the guard saw the broker's bytes; if an MQTT.js version goes
 *    around it, the session warns once and its connected status says "packet-size guard off".
 * No Node-RED here: the jet-router node adapts it.
 *
 * Events: 'state' (SessionStatus), 'warning' (text), 'subscribed' (filters acknowledged, granted or
 * not), 'subscription' (SubscriptionStatus, refs: the subscribers of that filter),
 * 'reconnect-scheduled' (delay ms).
 */
import * as mqtt from 'mqtt';
import type { ConnectionOptions } from 'tls';
import { BackoffOptions, ReconnectingSession } from '../core/reconnect';
import type { SessionState } from '../core/backend';
import type { NotificationChannel, NotificationHandler, SubscriptionListener, SubscriptionStatus } from '../core/notification-channel';
import { describeSocketError, ignoreError } from '../net/socket';
import { toInteger } from '../flow-props';
import { topicMatches } from './topic';
import { DEFAULT_MAX_PACKET_BYTES, guardStreams, StreamGuard } from './packet-guard';

export type { NotificationHandler, SubscriptionListener, SubscriptionStatus };

export type Qos = 0 | 1 | 2;

/** QoS of a subscription when its subscriber names none. */
export const DEFAULT_NOTIFICATION_QOS: Qos = 1;

/** 0, 1 or 2 from a flow's property (1 or "1", read as lib/flow-props.ts reads every number); anything else (missing, '', 3, 'x') gives `dflt`. */
export function parseQos(value: unknown, dflt: Qos = DEFAULT_NOTIFICATION_QOS): Qos {
  try {
    return toInteger('qos', value, dflt, 0, 2) as Qos;
  } catch {
    return dflt;
  }
}

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

export { DEFAULT_MAX_PACKET_BYTES };

type ClientListener = (...args: any[]) => void;

/** What the connected status adds when the packet-size guard saw none of the broker's bytes. */
export const GUARD_OFF = 'packet-size guard off';

interface Subscriber {
  handler: NotificationHandler;
  onSubscription?: SubscriptionListener;
  qos: Qos;
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

export class NotificationSession extends ReconnectingSession implements NotificationChannel {
  private client: mqtt.MqttClient | null = null;
  private readonly clientListeners: Array<[string, ClientListener]> = [];
  private readonly subscriptions = new Map<string, Map<string, Subscriber>>();
  /** Per filter, its handlers as an array, rebuilt when its subscribers change (dispatch copies nothing). */
  private readonly handlers = new Map<string, NotificationHandler[]>();
  /** The broker's answer per filter on the current connection (cleared when it drops). */
  private readonly answers = new Map<string, SubscriptionStatus>();
  /** The QoS each filter was last SUBSCRIBEd with on the current connection. */
  private readonly requested = new Map<string, Qos>();
  /** Keepalive bookkeeping (Date.now() ms): last packet written, last reschedule of the ping. */
  private lastSent = 0;
  private lastReschedule = 0;
  private lastError: string | null = null;
  /** The packet-size guard of the current client, and why it is off (null: it saw the broker's bytes). */
  private guard: StreamGuard | null = null;
  private guardOff: string | null = null;

  constructor(private readonly opts: NotificationOptions) {
    super(opts);
  }

  /** Topic filters with at least one subscriber. */
  get filters(): string[] {
    return [...this.subscriptions.keys()];
  }

  start(): void {
    if (this.client || this.isClosed()) return;
    this.setState('connecting', this.peer);
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
      // MQTT.js logs through the `debug` package about ten times per packet; with DEBUG unset each
      // call still packs its arguments into an array (~2.7 KB per event at 500 events/s, the
      // largest allocation site in the event path). Its documented `log` option: a no-op then.
      ...(process.env.DEBUG ? {} : { log: ignoreError }),
    } as mqtt.IClientOptions);
    const max = this.opts.maxPacketBytes && this.opts.maxPacketBytes > 0 ? this.opts.maxPacketBytes : DEFAULT_MAX_PACKET_BYTES;
    this.guard = guardStreams(client, {
      maxBytes: max,
      onOversized: (why) => {
        if (this.client !== client) return;
        this.lastError = why;
        this.emit('warning', why);
      },
    });
    this.client = client;
    // First, so that the connected state set by onConnect says whether the guard is off.
    this.on_(client, 'connect', () => this.checkGuard());
    this.on_(client, 'connect', () => this.onConnect());
    this.on_(client, 'message', (topic: string, payload: Buffer) => this.dispatch(topic, payload));
    this.on_(client, 'error', (err: Error & { code?: string | number }) => this.onError(err));
    this.on_(client, 'close', () => this.onClose());
    this.on_(client, 'packetsend', () => {
      this.lastSent = Date.now();
    });
    this.on_(client, 'packetreceive', (packet: { cmd: string; qos?: number }) => this.onPacketReceived(client, packet));
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
    const sub: Subscriber = { handler, onSubscription: onSubscription ?? handler.onSubscription, qos: parseQos(handler.qos) };
    subs.set(ref, sub);
    this.handlers.set(filter, [...subs.values()].map((x) => x.handler));
    const client = this.client;
    const asked = this.requested.get(filter);
    if (client?.connected && (isNew || (asked !== undefined && asked < sub.qos))) {
      // New, or asked for at a lower QoS so far: SUBSCRIBE (again) at the highest one.
      this.subscribeFilters(client, [filter], this.qosOf(filter) ?? sub.qos, () => undefined);
    } else {
      const known = this.answers.get(filter);
      if (known) this.tell(sub, known);
    }
  }

  /** The QoS `filter` is subscribed at: the highest its subscribers asked for (undefined: no subscriber). */
  qosOf(filter: string): Qos | undefined {
    const subs = this.subscriptions.get(filter);
    if (!subs || subs.size === 0) return undefined;
    let q: Qos = 0;
    for (const s of subs.values()) if (s.qos > q) q = s.qos;
    return q;
  }

  /** The broker's answer to `filter`'s subscription on the current connection, if any yet. */
  subscriptionStatus(filter: string): SubscriptionStatus | undefined {
    return this.answers.get(filter);
  }

  /** Removes `ref`'s subscription to `filter`, or all of `ref`'s when no filter is given. */
  unsubscribe(ref: string, filter?: string): void {
    for (const [f, subs] of this.subscriptions) {
      if (filter !== undefined && f !== filter) continue;
      if (!subs.delete(ref)) continue;
      const client = this.client;
      if (subs.size > 0) {
        this.handlers.set(f, [...subs.values()].map((x) => x.handler));
        // The one that asked for the highest QoS left: subscribe again at what the others ask.
        const q = this.qosOf(f) as Qos;
        const asked = this.requested.get(f);
        if (client?.connected && asked !== undefined && q < asked) this.subscribeFilters(client, [f], q, () => undefined);
        continue;
      }
      this.subscriptions.delete(f);
      this.handlers.delete(f);
      this.answers.delete(f);
      this.requested.delete(f);
      if (client?.connected) client.unsubscribe(f);
    }
  }

  /** Ends the session: no reconnect, every listener removed; resolves within `timeoutMs`. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.isClosed()) return;
    this.setState('closed', 'closed');
    this.cancelRetry();
    this.subscriptions.clear();
    this.handlers.clear();
    this.answers.clear();
    this.requested.clear();
    const client = this.client;
    this.client = null;
    if (client) {
      for (const [event, fn] of this.clientListeners) client.off(event as "connect", fn);
      this.clientListeners.length = 0;
      client.on('error', ignoreError);
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
    this.sessionUp();
    this.lastError = null;
    const filters = this.filters;
    const client = this.client;
    if (filters.length === 0 || !client) {
      this.setState('connected', this.peer);
      return;
    }
    // Connected counts from the broker's SUBACKs: before them, events would be lost unseen.
    // One SUBSCRIBE per QoS asked for.
    const byQos = new Map<Qos, string[]>();
    for (const f of filters) {
      const q = this.qosOf(f) ?? DEFAULT_NOTIFICATION_QOS;
      const list = byQos.get(q);
      if (list) list.push(f);
      else byQos.set(q, [f]);
    }
    let waiting = byQos.size;
    for (const [q, list] of byQos) {
      this.subscribeFilters(client, list, q, () => {
        if (--waiting === 0) this.setState('connected', this.peer);
      });
    }
  }

  /**
   * Keepalive: see the header. MQTT.js's KeepaliveManager pings `keepalive` after its last
   * reschedule and drops the connection half a period after that; reschedulePing(true) is its
   * public way to restart that count.
   */
  private onPacketReceived(client: mqtt.MqttClient, packet: { cmd: string; qos?: number }): void {
    const periodMs = (client.options.keepalive ?? 0) * 1000;
    if (periodMs <= 0 || this.client !== client) return;
    const now = Date.now();
    const quarter = periodMs / 4;
    if (now - this.lastReschedule < quarter) return;
    // The broker must hear from us within its 1.5 periods too: only when a PUBACK goes out now,
    // or something went out lately.
    const answered = packet.cmd === 'publish' && (packet.qos ?? 0) > 0;
    if (!answered && now - this.lastSent > quarter) return;
    this.lastReschedule = now;
    client.reschedulePing(true);
  }

  /** SUBSCRIBEs `filters` at `qos` and reports the broker's answer per filter; `then` runs after it (on this connection). */
  private subscribeFilters(client: mqtt.MqttClient, filters: string[], qos: Qos, then: () => void): void {
    for (const f of filters) this.requested.set(f, qos);
    client.subscribe(filters, { qos }, (err, _granted, packet) => {
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
   * The start-up self-check of the packet-size guard, on every connect: MQTT.js has parsed the
   * broker's CONNACK, so those bytes must have gone through the guard. If none did, this MQTT.js
   * goes around it (builds or reads its connection another way): said once as a warning, and in the
   * connected status for as long as it lasts, instead of silently losing the guard.
   */
  private checkGuard(): void {
    const seen = this.guard?.seen ?? null;
    if (seen !== null && seen > 0) {
      this.guardOff = null;
      return;
    }
    const how = seen === null ? 'opened its connection without the stream builder it wraps' : "read the broker's bytes around it";
    const first = this.guardOff === null;
    this.guardOff = how;
    if (!first) return;
    const version = (mqtt as { MQTTJS_VERSION?: string }).MQTTJS_VERSION ?? 'unknown';
    this.emit(
      'warning',
      `${GUARD_OFF}: MQTT.js ${version} ${how}, so broker packets of any size now reach its parser unchecked ` +
        '(this plugin is tested with the mqtt version its package.json pins: install that one)',
    );
  }

  private onError(err: Error & { code?: string | number }): void {
    if (err.code === 4 || err.code === 5 || /not authori[sz]ed|bad user ?name or password/i.test(err.message)) {
      this.lastError = `login failed: ${err.message} (check the notification user and password)`;
      this.loginRefused(this.lastError);
      return;
    }
    if (err.code === 'ECONNREFUSED') {
      this.lastError = 'connection refused (is the JET notification-server enabled on that address and port?)';
      return;
    }
    this.lastError = typeof err.code === 'string' ? describeSocketError(err as Error & { code?: string }) : err.message;
  }

  private onClose(): void {
    if (this.isClosed() || !this.client) return;
    this.answers.clear();
    this.requested.clear();
    if (this.loginFailure !== null) {
      this.setState('login-failed', this.lastError ?? 'login failed');
    } else {
      this.setState('disconnected', this.lastError ?? 'connection closed by the broker');
    }
    this.retryLater();
  }

  protected retry(): void {
    if (!this.client) return;
    if (this.loginFailure === null) this.setState('connecting', this.peer);
    this.lastError = null;
    this.client.reconnect();
  }

  private dispatch(topic: string, payload: Buffer): void {
    // The arrays are replaced, never changed, when subscribers come and go: a handler that
    // unsubscribes (or subscribes) during this loop does not disturb it.
    for (const [filter, list] of this.handlers) {
      if (!topicMatches(filter, topic)) continue;
      for (let i = 0; i < list.length; i++) {
        const handler = list[i];
        try {
          handler(topic, payload);
        } catch (err) {
          this.emit('warning', `handler for ${filter} failed: ${(err as Error).message}`);
        }
      }
    }
  }

  /** The connected status says so while the packet-size guard is off. */
  protected override setState(state: SessionState, plain: string): void {
    super.setState(state, state === 'connected' && this.guardOff !== null ? `${plain} · ${GUARD_OFF}` : plain);
  }
}
