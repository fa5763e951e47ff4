/**
 * The PUBACK of a QoS-1 event leaves after the route call the event leads to (issue 12,
 * lib/jet/ack-order.ts), against the simulator's real MQTT broker and Thrift router:
 *  - while the event crosses Node-RED-like hops (macrotasks), the broker has no PUBACK; the route
 *    call reaches the router before the PUBACK reaches the broker (a PUBACK written at once, as
 *    MQTT.js does by itself, reaches the broker before the first hop even runs);
 *  - an event that leads to no route call is acknowledged all the same, and so is a burst;
 *  - closing the session sends the held PUBACK before the DISCONNECT.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as mqtt from 'mqtt';
import { until, waitFor } from './support/wait';
import { JetSimulator, RMON_TOPIC } from '../sim';
import { NotificationSession } from '../lib/jet/notifications';
import { ThriftBackend } from '../lib/jet/thrift-backend';
import { buildRouteSpecs } from '../lib/routes/validate';
import { heldAcks } from '../lib/jet/ack-order';

const CLIENT = 'ack-order-test';
const TOPIC = RMON_TOPIC;

/** Resolves after `n` macrotasks (setImmediate), as n Node-RED hops take. */
function hops(n: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (k: number): void => {
      if (k === 0) resolve();
      else setImmediate(() => step(k - 1));
    };
    step(n);
  });
}

describe('notifications: a QoS-1 event is acknowledged after its route call (lib)', function () {
  this.timeout(20000);
  let sim: JetSimulator;
  let ns: NotificationSession | null = null;
  let backend: ThriftBackend | null = null;
  let pub: mqtt.MqttClient | null = null;
  /** What reached the simulator, in order: 'puback' (at the broker, from the session) and 'route' (a RIB change). */
  let seen: string[];

  beforeEach(async () => {
    sim = await JetSimulator.start({ sampling: false });
    seen = [];
    sim.broker.on('ack', (id) => {
      if (id === CLIENT) seen.push('puback');
    });
    sim.rib.on('change', () => seen.push('route'));
    pub = mqtt.connect(`mqtt://127.0.0.1:${sim.mqttPort}`, { clientId: 'ack-order-publisher' });
    await waitFor(pub as unknown as EventEmitter, 'connect');
  });
  afterEach(async () => {
    if (ns) await ns.close();
    ns = null;
    backend?.close();
    backend = null;
    pub?.end(true);
    pub = null;
    await sim.stop();
  });

  async function subscribed(onEvent: () => void): Promise<NotificationSession> {
    ns = new NotificationSession({ host: '127.0.0.1', port: sim.mqttPort, clientId: CLIENT });
    ns.subscribe('n1', TOPIC, Object.assign(onEvent, { qos: 1 }));
    ns.start();
    await waitFor(ns, 'subscribed');
    return ns;
  }

  it('no PUBACK while the event crosses three hops; the route reaches the router first, then the PUBACK the broker', async () => {
    backend = new ThriftBackend({ host: '127.0.0.1', port: sim.thriftPort, username: 'lab', password: 'lab123', clientId: 'ack-order-rpc', requestTimeoutMs: 5000, queueLimit: 10 });
    backend.start();
    await waitFor(backend, 'ready');
    const [spec] = buildRouteSpecs({ prefixes: '198.51.100.7/32', nexthops: '10.1.1.2' }, true);
    const atThirdHop: string[][] = [];
    let resolveAdded: (status: string) => void = () => undefined;
    const added = new Promise<string>((resolve) => (resolveAdded = resolve));
    await subscribed(() => {
      void hops(3).then(() => {
        atThirdHop.push([...seen]);
        return backend!.add([spec]).then(([r]) => resolveAdded(r.status));
      });
    });
    pub!.publish(TOPIC, '{"x":1}', { qos: 1 });
    assert.equal(await added, 'added');
    await until(sim.broker, 'ack', () => seen.includes('puback'), 5000, 'the PUBACK at the broker');
    assert.deepEqual(atThirdHop, [[]], 'nothing reached the broker or the router during the hops');
    assert.deepEqual(seen, ['route', 'puback']);
    assert.equal(heldAcks(), 0);
  });

  it('an event that leads to no route call is still acknowledged; so is every event of a burst', async () => {
    let events = 0;
    await subscribed(() => {
      events++;
    });
    const n = 200;
    for (let i = 0; i < n; i++) pub!.publish(TOPIC, `{"i":${i}}`, { qos: 1 });
    await until(sim.broker, 'ack', () => seen.filter((s) => s === 'puback').length === n, 10000, `${n} PUBACKs`);
    assert.equal(events, n);
    await hops(1);
    assert.equal(heldAcks(), 0, 'no hold left registered');
  });

  it('closing the session sends the held PUBACK first', async () => {
    let closing: Promise<void> | null = null;
    await subscribed(() => {
      // Closed in the event's own tick: the PUBACK is held at that moment.
      closing = ns!.close();
      ns = null;
    });
    pub!.publish(TOPIC, '{"x":2}', { qos: 1 });
    await until(sim.broker, 'ack', () => seen.includes('puback'), 5000, 'the PUBACK at the broker');
    await closing;
    assert.equal(heldAcks(), 0);
  });
});
