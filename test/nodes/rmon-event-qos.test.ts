/**
 * The QoS of the notification subscriptions (issue 12):
 *  - parseQos: 0, 1 or 2 from a flow's property (number or string); anything else, and a flow saved
 *    without it, gives 1;
 *  - the session subscribes each filter at the highest QoS its subscribers asked for (default 1),
 *    subscribes it again when a subscriber with a higher QoS joins or the last one asking for the
 *    highest leaves, and on every reconnect at that QoS (broker-side check: the QoS of each
 *    SUBSCRIBE as the simulator's broker received it);
 *  - jet-rmon-event's `qos` property (1, "1", missing, 0, "2") reaches the broker.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { helper, load, FlowNode } from '../support/nodered';
import { until, waitFor } from '../support/wait';
import { runtimeFixture } from '../support/fault';
import { JetSimulator, RMON_TOPIC } from '../../sim';
import { NotificationHandler, NotificationSession, parseQos, SubscriptionStatus } from '../../lib/mqtt/session';

/** Every filter SUBSCRIBEd at the broker, in order, with the QoS asked for. */
function recordSubscriptions(sim: JetSimulator): Array<[string, number]> {
  const seen: Array<[string, number]> = [];
  sim.broker.on('subscribe', (topics, _client, qos) => topics.forEach((t, i) => seen.push([t, qos[i]])));
  return seen;
}

function handler(qos?: unknown, onSubscription?: (s: SubscriptionStatus) => void): NotificationHandler {
  const fn = (): void => undefined;
  return Object.assign(fn, qos === undefined ? {} : { qos: qos as number }, onSubscription ? { onSubscription } : {});
}

describe('notifications: subscription QoS (lib)', function () {
  this.timeout(20000);
  let sim: JetSimulator;
  let ns: NotificationSession | null = null;

  beforeEach(async () => {
    sim = await JetSimulator.start({ sampling: false });
  });
  afterEach(async () => {
    if (ns) await ns.close();
    ns = null;
    await sim.stop();
  });

  function session(): NotificationSession {
    ns = new NotificationSession({ host: '127.0.0.1', port: sim.mqttPort, clientId: 'qos-test', backoff: { initialMs: 20, maxMs: 200, factor: 2, jitter: 0 } });
    return ns;
  }

  it('parseQos: 0, 1 or 2 as number or string; anything else (missing too) is 1', () => {
    assert.deepEqual([0, 1, 2, '0', '1', '2', ' 2 '].map((v) => parseQos(v)), [0, 1, 2, 0, 1, 2, 2]);
    assert.deepEqual([undefined, null, '', 3, '3', -1, 1.5, 'x', {}, true].map((v) => parseQos(v)), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(parseQos(undefined, 0), 0);
  });

  it('subscribes at QoS 1 by default and the broker grants it', async () => {
    const seen = recordSubscriptions(sim);
    const s = session();
    const answers: SubscriptionStatus[] = [];
    s.subscribe('n1', RMON_TOPIC, handler(undefined, (st) => answers.push(st)));
    const up = waitFor(s, 'state', (st: { state: string }) => st.state === 'connected');
    s.start();
    await up;
    assert.deepEqual(seen, [[RMON_TOPIC, 1]]);
    assert.deepEqual(answers.map((a) => [a.state, a.code]), [['subscribed', 1]], 'SUBACK grants QoS 1');
    assert.equal(s.qosOf(RMON_TOPIC), 1);
  });

  it('per filter, the highest QoS asked: raised when a subscriber asks more, lowered when it leaves, kept on reconnect', async () => {
    const seen = recordSubscriptions(sim);
    const s = session();
    s.subscribe('a', RMON_TOPIC, handler(0));
    s.subscribe('b', '/junos/events/other', handler(2));
    const up = waitFor(s, 'state', (st: { state: string }) => st.state === 'connected');
    s.start();
    await up;
    assert.deepEqual([...seen].sort(), [['/junos/events/other', 2], [RMON_TOPIC, 0]], 'one SUBSCRIBE per QoS at connect');

    seen.length = 0;
    const raised = waitFor(s, 'subscribed');
    s.subscribe('c', RMON_TOPIC, handler(2));
    await raised;
    assert.deepEqual(seen, [[RMON_TOPIC, 2]], 'subscribed again at 2');
    assert.equal(s.qosOf(RMON_TOPIC), 2);

    seen.length = 0;
    s.subscribe('d', RMON_TOPIC, handler(1));
    assert.equal(s.qosOf(RMON_TOPIC), 2, 'a lower QoS joining changes nothing');

    // Reconnect (broker restart: every subscription forgotten): at the highest QoS asked.
    const again = waitFor(s, 'state', (st: { state: string }) => st.state === 'connected', 10000);
    await sim.broker.restart();
    await again;
    assert.deepEqual([...seen].sort(), [['/junos/events/other', 2], [RMON_TOPIC, 2]], 'resubscribed at the highest QoS');

    seen.length = 0;
    const lowered = waitFor(s, 'subscribed');
    s.unsubscribe('c');
    await lowered;
    assert.deepEqual(seen, [[RMON_TOPIC, 1]], 'the one that asked 2 left: subscribed again at 1 (d)');
    assert.equal(s.qosOf(RMON_TOPIC), 1);
  });

  it('events arrive at the QoS granted: a QoS-1 publish reaches a QoS-1 subscriber as QoS 1', async () => {
    const s = session();
    const got = new EventEmitter();
    const qos: number[] = [];
    s.subscribe('n1', RMON_TOPIC, handler(1));
    const up = waitFor(s, 'state', (st: { state: string }) => st.state === 'connected');
    s.start();
    await up;
    // The MQTT.js client's own view of the packet (QoS of the PUBLISH it received).
    const client = (s as unknown as { client: EventEmitter }).client;
    client.on('packetreceive', (p: { cmd: string; qos?: number }) => {
      if (p.cmd === 'publish') {
        qos.push(p.qos ?? 0);
        got.emit('p');
      }
    });
    await sim.broker.publish(RMON_TOPIC, '{}', 1);
    await until(got, 'p', () => qos.length === 1, 5000, 'the event');
    assert.deepEqual(qos, [1]);
  });
});

describe('jet-rmon-event: the qos property (Node-RED runtime)', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  it('1, "1" and missing subscribe at 1; 0 and "2" at 0 and 2', async () => {
    const s = await fx.startSim({ sampling: false });
    const seen = recordSubscriptions(s);
    const cases: Array<[string, unknown]> = [['one', 1], ['one-text', '1'], ['missing', undefined], ['zero', 0], ['two-text', '2']];
    const flow: FlowNode[] = [
      { id: 'tq', type: 'tab' },
      { id: 'rq', type: 'jet-router', name: 'r0', host: '127.0.0.1', port: String(s.thriftPort), notificationPort: String(s.mqttPort) },
      ...cases.map(([tag, qos]) => ({
        id: `ev-${tag}`,
        z: 'tq',
        type: 'jet-rmon-event',
        router: 'rq',
        topic: `/junos/events/qos/${tag}`,
        ...(qos === undefined ? {} : { qos }),
        wires: [[]],
      })),
    ];
    await load(flow);
    await until(s.broker, 'subscribe', () => seen.length >= cases.length, 15000, 'every subscription');
    const byTopic = Object.fromEntries(seen.map(([t, q]) => [t.split('/').pop(), q]));
    assert.deepEqual(byTopic, { one: 1, 'one-text': 1, missing: 1, zero: 0, 'two-text': 2 });
    assert.ok(helper.getNode('ev-missing'), 'deployed');
  });
});
