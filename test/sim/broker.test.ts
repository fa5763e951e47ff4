import { strict as assert } from 'assert';
import { EventEmitter, once } from 'events';
import * as net from 'net';
import * as mqtt from 'mqtt';
import { RMON_TOPIC, SimBroker } from '../../sim';
import { waitFor } from '../support/wait';
import { selfSignedCert, type SelfSigned } from '../support/certs';

/** TCP handles (servers and sockets) open now. */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
}

/** MQTT.js' client is a Node EventEmitter at run time; its typings use their own emitter type. */
const emitter = (client: mqtt.MqttClient): EventEmitter => client as unknown as EventEmitter;

function nextMessage(client: mqtt.MqttClient): Promise<[string, Buffer]> {
  return waitFor<[string, Buffer]>(emitter(client), 'message', () => true, 5000, 'an MQTT message');
}

describe('sim MQTT broker', () => {
  const clients: mqtt.MqttClient[] = [];
  const brokers: SimBroker[] = [];

  async function startBroker(options: ConstructorParameters<typeof SimBroker>[0] = {}): Promise<SimBroker> {
    const broker = new SimBroker(options);
    brokers.push(broker);
    await broker.listen(0);
    return broker;
  }

  async function connect(url: string, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options }, false);
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await Promise.all(brokers.splice(0).map((b) => b.close()));
  });

  it('delivers a published event to a subscriber, exactly and on wildcards too', async () => {
    const broker = await startBroker();
    assert.match(broker.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const exact = await connect(broker.url);
    const wild = await connect(broker.url);
    await exact.subscribeAsync(RMON_TOPIC);
    await wild.subscribeAsync('/junos/events/#');
    assert.equal(broker.counters.connections, 2);
    assert.equal(broker.counters.subscriptions, 2);
    assert.equal(broker.clients, 2);
    const payload = JSON.stringify({ 'jet-event': { 'event-id': 'SNMPD_RMON_EVENTLOG' } });
    const got = Promise.all([nextMessage(exact), nextMessage(wild)]);
    await broker.publish(RMON_TOPIC, payload);
    for (const [topic, body] of await got) {
      assert.equal(topic, RMON_TOPIC);
      assert.equal(body.toString('utf8'), payload);
    }
    assert.equal(broker.counters.published, 1);
  });

  it('asks for the user name and password when configured', async () => {
    const broker = await startBroker({ username: 'jet', password: 's3cret' });
    await assert.rejects(connect(broker.url, { username: 'jet', password: 'wrong' }), /bad user ?name or password/i);
    await assert.rejects(connect(broker.url), /bad user ?name or password|not authorized/i);
    assert.equal(broker.counters.authFailures, 2);
    assert.equal(broker.counters.connections, 0);
    const ok = await connect(broker.url, { username: 'jet', password: 's3cret' });
    assert.equal(ok.connected, true);
    assert.equal(broker.counters.connections, 1);
  });

  it('restarts on the same port: the client reconnects, re-subscribes and receives again', async () => {
    const broker = await startBroker();
    const port = broker.port;
    const client = await connect(broker.url, { reconnectPeriod: 50 });
    await client.subscribeAsync(RMON_TOPIC);
    const first = nextMessage(client);
    await broker.publish(RMON_TOPIC, 'one');
    assert.equal((await first)[1].toString(), 'one');

    const closed = once(emitter(client), 'close');
    const resubscribed = waitFor(broker, 'subscribe', (topics: string[]) => topics.includes(RMON_TOPIC), 10000, 're-subscription');
    await broker.restart();
    await closed;
    assert.equal(broker.port, port);
    await resubscribed;
    assert.equal(broker.counters.connections, 2);
    const second = nextMessage(client);
    await broker.publish(RMON_TOPIC, 'two');
    assert.equal((await second)[1].toString(), 'two');
  });

  it('closes every client socket and leaves no TCP handle; publishing then rejects', async () => {
    const before = tcpHandles();
    const broker = await startBroker();
    const port = broker.port;
    const client = await connect(broker.url);
    const raw = net.connect(port, '127.0.0.1'); // a socket that never sends CONNECT
    raw.on('error', () => undefined);
    await once(raw, 'connect');
    const closed = Promise.all([once(emitter(client), 'close'), once(raw, 'close')]);
    await broker.close();
    await closed;
    assert.equal(broker.port, 0);
    assert.equal(broker.url, '');
    await assert.rejects(broker.publish(RMON_TOPIC, 'x'), /not listening/);
    await broker.close(); // idempotent
    await client.endAsync(true);
    assert.equal(tcpHandles(), before);
    const refused = net.connect(port, '127.0.0.1');
    const [err] = (await once(refused, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
  });

  it('fails to listen on a port in use without leaking the broker', async () => {
    const broker = await startBroker();
    const other = new SimBroker();
    const before = tcpHandles();
    await assert.rejects(other.listen(broker.port), /EADDRINUSE/);
    assert.equal(other.listening, false);
    assert.equal(tcpHandles(), before);
  });

  describe('over TLS', () => {
    let made: SelfSigned | null = null;
    let cert: string;
    let key: string;

    before(() => {
      made = selfSignedCert();
      ({ cert, key } = made);
    });

    after(() => made?.remove());

    it('serves mqtts with user and password', async () => {
      const broker = await startBroker({ tls: { key, cert }, username: 'jet', password: 'pw' });
      assert.match(broker.url, /^mqtts:\/\//);
      const client = await connect(broker.url, { ca: cert, username: 'jet', password: 'pw' });
      await client.subscribeAsync(RMON_TOPIC);
      const got = nextMessage(client);
      await broker.publish(RMON_TOPIC, Buffer.from('tls'));
      assert.equal((await got)[1].toString(), 'tls');
      await assert.rejects(connect(broker.url.replace('mqtts:', 'mqtt:')));
    });
  });
});
