/**
 * NotificationSession (lib/mqtt/session.ts) against the simulator's aedes broker:
 *  - a subscription the broker refuses (SUBACK 0x80, as a Mosquitto ACL does) is reported per
 *    filter to its subscribers (subscribe()'s listener, or the handler's onSubscription) and on
 *    the 'subscription' event, while the other filters and the session stay up;
 *  - a packet above the size limit is dropped from its fixed header, before MQTT.js parses it:
 *    the session says why, reconnects, resubscribes and delivers the next message;
 *  - the packet-size guard follows packet boundaries across any chunking.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import { makeCa, makeServerCert, tempDir } from '../../support/fault';
import { SimBroker, RMON_TOPIC } from '../../../sim';
import { NotificationHandler, NotificationSession, SubscriptionStatus, DEFAULT_MAX_PACKET_BYTES } from '../../../lib/mqtt/session';
import { MqttPacketSizeGuard } from '../../../lib/mqtt/packet-guard';
import type { SessionStatus } from '../../../lib/core/backend';
import { until, waitFor } from '../../support/wait';

const SHORT = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 };
const DENIED = '/junos/events/denied/#';

// The parser MQTT.js uses (one mqtt-packet in node_modules): to see what it is asked to parse.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Parser = require('mqtt-packet/parser') as { prototype: { _parsePublish(this: { packet: { length: number } }): unknown } };

describe('notification session: refused subscriptions and packet size', function () {
  this.timeout(30000);
  let broker: SimBroker;
  let session: NotificationSession | null = null;

  beforeEach(async () => {
    broker = new SimBroker({ refuseTopics: [DENIED] });
    await broker.listen(0);
  });
  afterEach(async () => {
    await session?.close();
    session = null;
    await broker.close();
  });

  function open(clientId: string, extra: Partial<ConstructorParameters<typeof NotificationSession>[0]> = {}): NotificationSession {
    session = new NotificationSession({ host: '127.0.0.1', port: broker.port, clientId, backoff: SHORT, ...extra });
    return session;
  }

  const connected = (s: NotificationSession): Promise<unknown> =>
    until(s, 'state', () => s.status.state === 'connected', 10000, 'session connected');

  it('reports a refused subscription per filter, to its subscribers only; the session and other filters stay up', async () => {
    const s = open('notify-refused');
    const a: SubscriptionStatus[] = [];
    const b: SubscriptionStatus[] = [];
    const events: Array<[SubscriptionStatus, string[]]> = [];
    s.on('subscription', (st: SubscriptionStatus, refs: string[]) => events.push([st, refs]));
    const warnings: string[] = [];
    s.on('warning', (w: string) => warnings.push(w));
    s.subscribe('a', DENIED, () => undefined, (st) => a.push(st));
    // The listener may also ride on the handler (how the jet-router node passes it on).
    const handlerB: NotificationHandler = Object.assign((): void => undefined, { onSubscription: (st: SubscriptionStatus) => b.push(st) });
    s.subscribe('b', RMON_TOPIC, handlerB);
    s.start();
    await connected(s);
    assert.deepEqual(a, [{ filter: DENIED, state: 'refused', code: 0x80, reason: 'SUBACK 0x80 failure' }]);
    assert.deepEqual(b, [{ filter: RMON_TOPIC, state: 'subscribed', code: 1, reason: '' }]); // SUBACK grants QoS 1, the default
    assert.deepEqual(events.map(([st, refs]) => [st.filter, st.state, refs]), [[DENIED, 'refused', ['a']], [RMON_TOPIC, 'subscribed', ['b']]]);
    assert.equal(s.status.state, 'connected');
    assert.ok(warnings.some((w) => w.includes(DENIED) && /refused.*SUBACK 0x80/.test(w)), warnings.join(' | '));
    assert.equal(broker.counters.refusedSubscriptions, 1);
    assert.equal(s.subscriptionStatus(DENIED)?.state, 'refused');

    // A subscriber joining the refused filter hears the answer at once.
    const late: SubscriptionStatus[] = [];
    s.subscribe('c', DENIED, () => undefined, (st) => late.push(st));
    assert.deepEqual(late.map((st) => st.state), ['refused']);

    // A new filter subscribed while connected is answered too.
    const added = waitFor<[SubscriptionStatus]>(s, 'subscription', (st) => st.filter === '/junos/events/denied2');
    broker.refuseTopics.push('/junos/events/denied2');
    const d: SubscriptionStatus[] = [];
    s.subscribe('d', '/junos/events/denied2', () => undefined, (st) => d.push(st));
    await added;
    assert.deepEqual(d.map((st) => [st.state, st.code]), [['refused', 0x80]]);

    // The broker's ACL changes and it restarts: every subscriber of the filter hears it is granted now.
    broker.refuseTopics = [];
    const granted = waitFor<[SubscriptionStatus]>(s, 'subscription', (st) => st.filter === DENIED && st.state === 'subscribed', 10000);
    await broker.restart();
    await granted;
    assert.deepEqual([a.at(-1)?.state, late.at(-1)?.state], ['subscribed', 'subscribed']);
  });

  it(`drops a packet above the limit (default ${DEFAULT_MAX_PACKET_BYTES} bytes) before parsing it, says why, reconnects`, async () => {
    const s = open('notify-big');
    const got: Buffer[] = [];
    const messages = new EventEmitter();
    s.subscribe('a', RMON_TOPIC, (_t, p) => {
      got.push(p);
      messages.emit('message');
    });
    const warnings: string[] = [];
    s.on('warning', (w: string) => warnings.push(w));
    s.start();
    await connected(s);
    await broker.publish(RMON_TOPIC, 'small');
    await until(messages, 'message', () => got.length === 1, 5000, 'the small message');

    const original = Parser.prototype._parsePublish;
    const parsedSizes: number[] = [];
    Parser.prototype._parsePublish = function (this: { packet: { length: number } }) {
      parsedSizes.push(this.packet.length);
      return original.call(this);
    };
    try {
      const states: SessionStatus[] = [];
      s.on('state', (st: SessionStatus) => states.push({ ...st }));
      const down = waitFor<[SessionStatus]>(s, 'state', (st) => st.state === 'disconnected', 10000, 'disconnected');
      await broker.publish(RMON_TOPIC, Buffer.alloc(1024 * 1024, 'a'));
      const [st] = await down;
      assert.match(st.detail, /publish packet of 10486\d\d bytes, over the 262144-byte limit: dropped unread/);
      assert.ok(warnings.some((w) => /over the 262144-byte limit/.test(w)), warnings.join(' | '));
      await connected(s);
      // Resubscribed: the next message comes through.
      const next = waitFor(messages, 'message');
      await broker.publish(RMON_TOPIC, 'after');
      await next;
      assert.ok(parsedSizes.every((n) => n < DEFAULT_MAX_PACKET_BYTES), `parser never saw the big packet: ${parsedSizes.join(', ')}`);
      assert.ok(got.every((p) => p.length < 1000), 'the big payload never reached a handler');
      assert.equal(got.at(-1)?.toString(), 'after');
      assert.deepEqual(states.map((x) => x.state), ['disconnected', 'connecting', 'connected']);
      assert.equal(broker.counters.connections, 2);
    } finally {
      Parser.prototype._parsePublish = original;
    }
  });

  it('honours maxPacketBytes: a message just under passes, one byte more is dropped', async () => {
    const max = 2048;
    const s = open('notify-max', { maxPacketBytes: max });
    const got: number[] = [];
    s.subscribe('a', 't', (_t, p) => got.push(p.length));
    s.start();
    await connected(s);
    // PUBLISH QoS 0: 1 type byte + 2 length bytes (< 16384) + 2 + topic (1) + payload.
    const fits = max - 1 - 2 - 2 - 1;
    const arrived = new Promise<void>((resolve) => s.subscribe('b', 't', () => resolve()));
    await broker.publish('t', Buffer.alloc(fits));
    await arrived;
    assert.deepEqual(got, [fits]);
    const down = waitFor<[SessionStatus]>(s, 'state', (st) => st.state === 'disconnected', 10000);
    await broker.publish('t', Buffer.alloc(fits + 1));
    assert.match((await down)[0].detail, new RegExp(`packet of ${max + 1} bytes, over the ${max}-byte limit`));
    assert.deepEqual(got, [fits]);
    await connected(s);
  });

  it('over TLS: the guard sits on the decrypted stream; certificate errors still say why', async () => {
    const dir = tempDir('jet-notify-tls-');
    try {
      const ca = makeCa(dir, 'ca');
      const good = makeServerCert(ca, 'router', 'IP:127.0.0.1,DNS:localhost');
      const other = makeServerCert(ca, 'other', 'DNS:router.example');
      await broker.close();
      broker = new SimBroker({ tls: good });
      await broker.listen(0);
      const s = open('notify-tls', { tls: { ca: ca.ca } });
      const got: Buffer[] = [];
      const messages = new EventEmitter();
      s.subscribe('a', RMON_TOPIC, (_t, p) => {
        got.push(p);
        messages.emit('message');
      });
      s.start();
      await connected(s);
      await broker.publish(RMON_TOPIC, 'tls');
      await until(messages, 'message', () => got.length === 1, 5000, 'a message over TLS');
      const down = waitFor<[SessionStatus]>(s, 'state', (st) => st.state === 'disconnected', 10000);
      await broker.publish(RMON_TOPIC, Buffer.alloc(300 * 1024));
      assert.match((await down)[0].detail, /over the 262144-byte limit/);
      await connected(s);
      await s.close();

      await broker.close();
      broker = new SimBroker({ tls: other });
      await broker.listen(0);
      const bad = open('notify-tls-name', { tls: { ca: ca.ca } });
      const refused = waitFor<[SessionStatus]>(bad, 'state', (st) => st.state === 'disconnected', 10000);
      bad.start();
      assert.match((await refused)[0].detail, /Hostname\/IP does not match|altnames/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the packet-size guard follows packet boundaries across any chunking', () => {
    // PINGRESP (no body), a PUBLISH of 200 bytes body (2 length bytes), then one of 70000 bytes (3 length bytes).
    const small = Buffer.concat([Buffer.from([0x30, 0xc8, 0x01]), Buffer.alloc(200, 1)]);
    const ping = Buffer.from([0xd0, 0x00]);
    const bigHeader = Buffer.from([0x30, 0xf0, 0xa2, 0x04]); // 70000 = 0x70 + 0x22*128 + 4*16384
    const stream = Buffer.concat([ping, small, ping, bigHeader, Buffer.alloc(10)]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const guard = new MqttPacketSizeGuard(65536);
      let hit = null;
      for (let i = 0; i < stream.length && !hit; i += size) hit = guard.push(stream.subarray(i, i + size));
      assert.equal(hit?.type, 'publish', `chunks of ${size}`);
      assert.equal(hit?.bytes, 1 + 3 + 70000, `chunks of ${size}`);
      // Where the big packet starts in the chunk that showed its size (0: in an earlier chunk).
      const at = ping.length + small.length + ping.length;
      const chunkStart = Math.floor((at + 3) / size) * size;
      assert.equal(hit?.offset, at >= chunkStart ? at - chunkStart : 0, `offset, chunks of ${size}`);
    }
    const ok = new MqttPacketSizeGuard(65536);
    assert.equal(ok.push(Buffer.concat([ping, small, ping, small])), null);
    // A Remaining Length longer than 4 bytes is malformed: refused too.
    assert.deepEqual(new MqttPacketSizeGuard(65536).push(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80])), { type: 'publish', bytes: NaN, offset: 0 });
  });
});
