/**
 * The simulated router's notification server: an embedded MQTT broker (aedes 1.x), standing in for
 * the router's Mosquitto (docs/protocol.md §3): port 1883 by default, optional user/password, optional TLS.
 *
 * Every listen() starts a fresh aedes instance, so close() + listen() (restart()) forgets every
 * session and subscription, as a restarted router does: clients must reconnect and re-subscribe.
 * close() is bounded and destroys every client socket (half-open and unauthenticated ones too).
 */
import { EventEmitter } from 'events';
import * as net from 'net';
import * as tls from 'tls';
import type { Aedes as AedesBroker, AedesOptions, AuthenticateError, AuthErrorCode } from 'aedes';
import { DEFAULT_NOTIFICATION_PORT } from '../lib/core/defaults';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_HOST } from './defaults';
import { handlesSettled } from './settle';
import { listenOrCleanUp, TrackedSockets } from './sockets';

// aedes 1.x is an ES module without top-level await: require() loads it on Node >= 20.19.
const { Aedes } = require('aedes') as { Aedes: { createBroker(options?: AedesOptions): Promise<AedesBroker> } };

export interface BrokerTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA certificates to verify client certificates with (then a client certificate is required). */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface SimBrokerOptions {
  /** When set, CONNECT must carry this user name and `password` (else: bad user name or password). */
  username?: string;
  password?: string;
  tls?: BrokerTlsOptions;
  log?: (line: string) => void;
  /** Bound on how long close() waits for client sockets to close (default 2000 ms). */
  closeTimeoutMs?: number;
  /**
   * Topic filters whose SUBSCRIBE the broker refuses (SUBACK return code 0x80), as a Mosquitto ACL
   * would; compared as exact filter strings. Also settable later through {@link SimBroker.refuseTopics}.
   */
  refuseTopics?: string[];
}

export interface BrokerCounters {
  /** MQTT clients accepted (CONNECT passed authentication), restarts included. */
  connections: number;
  /** Topic filters subscribed (each filter of each SUBSCRIBE). */
  subscriptions: number;
  /** CONNECTs refused for their user name or password. */
  authFailures: number;
  /** Messages published through {@link SimBroker.publish}. */
  published: number;
  /** Topic filters whose subscription was refused (see {@link SimBrokerOptions.refuseTopics}). */
  refusedSubscriptions: number;
  /** PINGREQs received from clients (keepalive pings). */
  pings: number;
}

export interface SimBrokerEvents {
  listening: [port: number];
  /** A client was accepted (after authentication). */
  client: [clientId: string];
  clientDisconnect: [clientId: string];
  /** `qos`: the QoS each filter of `topics` was asked for. */
  subscribe: [topics: string[], clientId: string, qos: number[]];
  /** A client's PINGREQ. */
  ping: [clientId: string];
  /** A message published through {@link SimBroker.publish}. */
  published: [topic: string, payload: Buffer];
}

/** aedes' "bad user name or password" CONNACK code. */
const BAD_USERNAME_OR_PASSWORD = 4 as AuthErrorCode;

export class SimBroker extends EventEmitter<SimBrokerEvents> {
  readonly counters: BrokerCounters = { connections: 0, subscriptions: 0, authFailures: 0, published: 0, refusedSubscriptions: 0, pings: 0 };
  /** Topic filters refused from now on (read at each SUBSCRIBE; restarts keep it). */
  refuseTopics: string[];
  private aedes?: AedesBroker;
  private server?: net.Server;
  private boundPort = 0;
  private boundHost = DEFAULT_HOST;
  /** Every socket accepted (raw TCP ones too under TLS), with a promise of its 'close'. */
  private readonly sockets: TrackedSockets;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SimBrokerOptions = {}) {
    super();
    this.log = options.log ?? ((): void => undefined);
    this.sockets = new TrackedSockets(this.log);
    this.refuseTopics = [...(options.refuseTopics ?? [])];
  }

  /** Port listened on (0 when not listening). */
  get port(): number {
    return this.server ? this.boundPort : 0;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** MQTT clients connected now. */
  get clients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  /** `mqtt://host:port` (or `mqtts://`); empty when not listening. */
  get url(): string {
    return this.server ? `${this.options.tls ? 'mqtts' : 'mqtt'}://${this.boundHost}:${this.boundPort}` : '';
  }

  /** Starts a fresh broker on host:port (0 = a free port); resolves with the bound port. */
  async listen(port = DEFAULT_NOTIFICATION_PORT, host = DEFAULT_HOST): Promise<number> {
    if (this.server) throw new Error('mqtt broker already listening');
    const aedes = await Aedes.createBroker({ authenticate: this.authenticate, authorizeSubscribe: this.authorizeSubscribe });
    aedes.on('client', (c) => {
      this.counters.connections++;
      this.log(`mqtt: client ${c.id} connected`);
      this.emit('client', c.id);
    });
    aedes.on('clientDisconnect', (c) => {
      this.log(`mqtt: client ${c.id} disconnected`);
      this.emit('clientDisconnect', c.id);
    });
    aedes.on('subscribe', (subs, c) => {
      const topics = subs.map((s) => s.topic);
      this.counters.subscriptions += topics.length;
      this.log(`mqtt: client ${c.id} subscribed to ${topics.join(', ')}`);
      this.emit('subscribe', topics, c.id, subs.map((s) => s.qos));
    });
    aedes.on('ping', (_packet, c) => {
      this.counters.pings++;
      this.emit('ping', c.id);
    });
    aedes.on('clientError', (c, err) => this.log(`mqtt: client ${c.id}: ${err.message}`));
    aedes.on('connectionError', (_c, err) => this.log(`mqtt: connection refused: ${err.message}`));

    const t = this.options.tls;
    const server: net.Server = t
      ? tls.createServer({ key: t.key, cert: t.cert, ca: t.ca, requestCert: t.ca !== undefined, rejectUnauthorized: t.ca !== undefined })
      : net.createServer();
    server.on('connection', (raw: net.Socket) => {
      this.sockets.track(raw, 'mqtt');
      if (!t) aedes.handle(raw);
    });
    if (t) {
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        this.sockets.track(socket, 'mqtt');
        aedes.handle(socket);
      });
      server.on('tlsClientError', (err: Error) => this.log(`mqtt: TLS handshake failed: ${err.message}`));
    }
    this.boundPort = await listenOrCleanUp(server, port, host, () => new Promise<void>((resolve) => aedes.close(resolve)));
    server.on('error', (err: Error) => this.log(`mqtt: server error: ${err.message}`));
    this.aedes = aedes;
    this.server = server;
    this.boundHost = host;
    this.log(`mqtt: listening on ${this.url}${this.options.username !== undefined ? ` (user ${this.options.username})` : ''}`);
    this.emit('listening', this.boundPort);
    return this.boundPort;
  }

  /** Stops listening, closes the broker and every client socket; waits (bounded) until all are closed. */
  async close(): Promise<void> {
    const { server, aedes } = this;
    this.server = undefined;
    this.aedes = undefined;
    if (!server || !aedes) return;
    const brokerClosed = new Promise<void>((resolve) => aedes.close(resolve));
    await this.sockets.closeWith(server, this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, 'mqtt', [brokerClosed]);
    await handlesSettled();
    this.log('mqtt: closed');
  }

  /** A broker restart: close (every client is dropped, every subscription forgotten), then listen on the same port. */
  async restart(): Promise<void> {
    if (!this.server) throw new Error('mqtt broker not listening');
    const { boundPort: port, boundHost: host } = this;
    await this.close();
    await this.listen(port, host);
  }

  /**
   * Publishes a message (QoS 0 unless `qos` says otherwise, not retained) to the subscribers; each
   * gets it at the lower of `qos` and its subscription's. Rejects when the broker is not listening.
   */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 0): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('mqtt broker not listening'));
    const buf = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    return new Promise<void>((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload: buf, qos, dup: false, retain: false }, (err) => {
        if (err) {
          reject(err);
          return;
        }
        this.counters.published++;
        this.emit('published', topic, buf);
        resolve();
      });
    });
  }

  private readonly authenticate: NonNullable<AedesOptions['authenticate']> = (client, username, password, done) => {
    const want = this.options.username;
    if (want === undefined) {
      done(null, true);
      return;
    }
    if (username === want && (password?.toString('utf8') ?? '') === (this.options.password ?? '')) {
      done(null, true);
      return;
    }
    this.counters.authFailures++;
    this.log(`mqtt: client ${client.id}: bad user name or password (user ${JSON.stringify(username ?? '')})`);
    const err = Object.assign(new Error('bad user name or password'), { returnCode: BAD_USERNAME_OR_PASSWORD }) as AuthenticateError;
    done(err, null);
  };

  /** Refuses the filters of {@link refuseTopics}: aedes answers SUBACK 0x80 for them. */
  private readonly authorizeSubscribe: NonNullable<AedesOptions['authorizeSubscribe']> = (client, sub, done) => {
    if (!this.refuseTopics.includes(sub.topic)) {
      done(null, sub);
      return;
    }
    this.counters.refusedSubscriptions++;
    this.log(`mqtt: client ${client?.id ?? '?'}: subscription to ${sub.topic} refused`);
    done(null, null);
  };


}
