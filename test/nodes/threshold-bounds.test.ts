/**
 * Bounded memory under bad input, in a real Node-RED runtime (node-red-node-test-helper) against the
 * simulator's broker: jet-router → jet-rmon-event → jet-threshold, events published on the RMON
 * topic, each just under the notification session's 256 KiB packet limit.
 *  - 1,000 events with 256 KiB host names: refused by the parser (a host name is at most 253
 *    characters), counted as unparsed; jet-threshold's saved state does not grow.
 *  - 1,000 events whose variable (no numeric instance) makes a 256 KiB msg.topic: jet-threshold keeps
 *    1,000 keys, each shortened (head and hash) and each its own; its saved state stays small.
 * What is measured is the state as a context store saves it (its JSON, in bytes), not the heap.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { helper, load, statusMatching, FlowNode } from '../support/nodered';
import { until, waitFor } from '../support/wait';
import { lastStatus, runtimeFixture } from '../support/fault';
import { JetSimulator, RMON_TOPIC } from '../../sim';

const EVENTS = 1000;
/** The event's JSON around its big field, and the MQTT header and topic, stay under the 256 KiB packet limit with this. */
const BIG = 256 * 1024 - 1024;
const TEXT = (variable: string): string =>
  `Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ${variable}, value: 8288)`;

function event(hostname: string, variable = 'ifIn1SecRate.541'): Buffer {
  return Buffer.from(JSON.stringify({ 'jet-event': { 'event-id': 'SNMPD_RMON_EVENTLOG', hostname, severity: 'notice', attributes: { message: TEXT(variable) } } }));
}

function flow(s: JetSimulator): FlowNode[] {
  return [
    { id: 'tab', type: 'tab' },
    { id: 'r', type: 'jet-router', name: 'r0', host: '127.0.0.1', port: String(s.thriftPort), notificationPort: String(s.mqttPort) },
    { id: 'ev', z: 'tab', type: 'jet-rmon-event', router: 'r', topic: '', wires: [['t']] },
    { id: 't', z: 'tab', type: 'jet-threshold', mode: 'event', wires: [['o1'], ['o2'], ['o3']] },
    { id: 'o1', z: 'tab', type: 'helper' },
    { id: 'o2', z: 'tab', type: 'helper' },
    { id: 'o3', z: 'tab', type: 'helper' },
  ];
}

/** jet-threshold's state as a context store saves it: its JSON, in UTF-8 bytes. */
function storedBytes(): number {
  return Buffer.byteLength(JSON.stringify(helper.getNode('t').context().get('thresholdState') ?? {}), 'utf8');
}

describe('bounded memory under bad input: jet-rmon-event → jet-threshold (Node-RED runtime)', function () {
  this.timeout(240000);
  const fx = runtimeFixture();

  async function start(): Promise<JetSimulator> {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s));
    await statusMatching(helper.getNode('ev'), /^listening/, 30000);
    return s;
  }

  it(`${EVENTS} events with 256 KiB host names: unparsed, and the threshold's saved state does not grow`, async () => {
    const s = await start();
    const before = storedBytes();
    for (let i = 0; i < EVENTS; i++) await s.broker.publish(RMON_TOPIC, event(`${'h'.repeat(BIG)}${i}`), 1);
    // Messages of one connection arrive in order: once this one is through, every one before is handled.
    const last = waitFor<[any]>(helper.getNode('o1'), 'input', (m) => m.topic === 'r0nec/541', 120000, 'the last, valid event at the threshold');
    await s.broker.publish(RMON_TOPIC, event('r0nec'), 1);
    await last;
    const stored = storedBytes();
    assert.ok(stored < 64 * 1024, `stored ${stored} bytes (${before} before), bound 64 KiB`);
    assert.deepEqual(Object.keys(helper.getNode('t').context().get('thresholdState')), ['r0nec/541']);
    const counted = new RegExp(`· ${EVENTS} unparsed$`);
    if (!counted.test(lastStatus('ev'))) await statusMatching(helper.getNode('ev'), counted, 10000);
    assert.deepEqual(fx.unhandled(), []);
  });

  it(`${EVENTS} events whose msg.topic is 256 KiB long: ${EVENTS} keys kept, each shortened and its own; the saved state stays small`, async () => {
    const s = await start();
    const seen = new EventEmitter();
    const keys = new Set<string>();
    helper.getNode('o1').on('input', (m: any) => {
      keys.add(m.threshold.key);
      seen.emit('key');
    });
    // ifIn1SecRate.<256 KiB>x: no numeric instance, so msg.topic is <hostname>/<variable>.
    for (let i = 0; i < EVENTS; i++) await s.broker.publish(RMON_TOPIC, event('r0nec', `ifIn1SecRate.${'v'.repeat(BIG - 200)}${i}x`), 1);
    await until(seen, 'key', () => keys.size === EVENTS, 120000, `${EVENTS} rising transitions`).catch((err: Error) => {
      throw new Error(`${err.message}: ${keys.size} distinct keys seen, event node "${lastStatus('ev')}"`);
    });
    for (const k of keys) assert.ok(/^r0nec\/ifIn1SecRate\.v{181}…sha256:[0-9a-f]{32}$/.test(k), `a key of ${k.length} characters: ${k.slice(0, 40)}…${k.slice(-40)}`);
    const state = helper.getNode('t').context().get('thresholdState') as Record<string, unknown>;
    assert.equal(Object.keys(state).length, EVENTS);
    const stored = storedBytes();
    assert.ok(stored < EVENTS * 450, `stored ${stored} bytes for ${EVENTS} keys, bound ${EVENTS * 450}`);
    // The same long key again is the same key: a repeat, not a new transition.
    const repeat = waitFor<[any]>(helper.getNode('o3'), 'input', () => true, 30000, 'a repeat on output 3');
    await s.broker.publish(RMON_TOPIC, event('r0nec', `ifIn1SecRate.${'v'.repeat(BIG - 200)}7x`), 1);
    assert.match((await repeat)[0].payload.reason, /repeated rising event, already high/);
    assert.deepEqual(fx.unhandled(), []);
  });
});
