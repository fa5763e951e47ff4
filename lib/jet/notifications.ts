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
 * No Node-RED here: the jet-router node adapts it.
 */
import { EventEmitter } from 'events';
import * as mqtt from 'mqtt';
import type { ConnectionOptions } from 'tls';
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF } from '../backoff';
import { describeSocketError } from '../thrift/channel';
import type { SessionStatus } from './session';
import { topicMatches } from '../mqtt/topic';

export type NotificationHandler = (topic: string, payload: Buffer) => void;

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
}

export const DEFAULT_NOTIFICATION_PORT = 1883;
export const DEFAULT_RMON_TOPIC = '/junos/events/syslog/SNMPD_RMON_EVENTLOG';

type ClientListener = (...args: any[]) => void;

export class NotificationSession extends EventEmitter {
  private client: mqtt.MqttClient | null = null;
  private readonly clientListeners: Array<[string, ClientListener]> = [];
  private readonly subscriptions = new Map<string, Map<string, NotificationHandler>>();
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

  get peer(): string {
    return `${this.opts.username ? `${this.opts.username}@` : ''}${this.opts.host}:${this.opts.port}`;
  }

  /** Topic filters with at least one subscriber. */
  get filters(): string[] {
    return [...this.subscriptions.keys()];
  }

  start(): void {
    if (this.client || this.stateValue.state === 'closed') return;
    this.setState('connecting', `${this.opts.host}:${this.opts.port}`);
    const client = mqtt.connect({
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
    this.client = client;
    this.on_(client, 'connect', () => this.onConnect());
    this.on_(client, 'message', (topic: string, payload: Buffer) => this.dispatch(topic, payload));
    this.on_(client, 'error', (err: Error & { code?: string | number }) => this.onError(err));
    this.on_(client, 'close', () => this.onClose());
  }

  subscribe(ref: string, filter: string, handler: NotificationHandler): void {
    let subs = this.subscriptions.get(filter);
    const isNew = !subs;
    if (!subs) {
      subs = new Map();
      this.subscriptions.set(filter, subs);
    }
    subs.set(ref, handler);
    if (isNew && this.client?.connected) this.client.subscribe(filter, { qos: 0 }, (err) => err && this.emit('warning', `subscribe ${filter}: ${err.message}`));
  }

  /** Removes `ref`'s subscription to `filter`, or all of `ref`'s when no filter is given. */
  unsubscribe(ref: string, filter?: string): void {
    for (const [f, subs] of this.subscriptions) {
      if (filter !== undefined && f !== filter) continue;
      if (!subs.delete(ref) || subs.size > 0) continue;
      this.subscriptions.delete(f);
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
    client.subscribe(filters, { qos: 0 }, (err) => {
      if (this.client !== client || !client.connected) return;
      if (err) this.emit('warning', `subscribe ${filters.join(', ')}: ${err.message}`);
      else this.emit('subscribed', filters);
      this.setState('connected', this.peer);
    });
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
      for (const handler of subs.values()) {
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
