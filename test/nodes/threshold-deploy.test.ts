/**
 * jet-threshold across deploys in one Node-RED runtime (the default memory context store, which
 * Node-RED empties for every node it stops), deploys through the real admin API:
 *  - a full deploy keeps every key's state and a transition held by hold-down, which is sent when
 *    the time left on its hold-down runs out (the original message), and the status shows the counts;
 *  - a deploy that changes the node restarts it with its state; removing the node forgets it;
 *  - maxKeys bounds the keys: the least recently seen is forgotten first, with one warning per node
 *    start, and the held transition timer of a forgotten key is cleared.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { waitFor } from '../support/wait';
import { withCatalog } from '../support/catalog';
import { useNodeRedHelper } from '../support/nodered';

// Only this node (and a capture node) in the runtime: what the test is about, nothing else loaded.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const thresholdNode = withCatalog('jet-threshold', require('../../nodes/jet-threshold'));

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** What reached the capture nodes, whatever node instance a deploy made: (port name, msg). */
const outputs = new EventEmitter();
function captureNodes(RED: any): void {
  RED.nodes.registerType('capture', function (this: any, n: { name: string }) {
    RED.nodes.createNode(this, n);
    this.on('input', (msg: unknown) => outputs.emit('msg', n.name, msg, Date.now()));
  });
}

function out(port: 'rising' | 'falling' | 'none', pred: (msg: any) => boolean = () => true, timeoutMs = 15000): Promise<{ msg: any; at: number }> {
  return waitFor<[string, any, number]>(outputs, 'msg', (name, msg) => name === port && pred(msg), timeoutMs, `a message on output "${port}"`).then(([, msg, at]) => ({ msg, at }));
}

function flowWith(threshold: Record<string, unknown>): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'threshold' },
    { id: 't', type: 'jet-threshold', z: 'tab', mode: 'event', wires: [['c1'], ['c2'], ['c3']], ...threshold },
    { id: 'c1', type: 'capture', z: 'tab', name: 'rising' },
    { id: 'c2', type: 'capture', z: 'tab', name: 'falling' },
    { id: 'c3', type: 'capture', z: 'tab', name: 'none' },
  ];
}

function loadWith(extra: unknown[], flow: FlowNode[]): Promise<void> {
  return helper.load([thresholdNode, ...extra], flow);
}

/** A deploy as the editor makes it (full, or only the changed nodes); resolves once the flows started. */
function deploy(flow: FlowNode[], type: 'full' | 'nodes'): Promise<void> {
  return helper.setFlows(flow, type);
}

/** Calls of a spied Node.prototype method made by node `id`, across the node instances of the deploys. */
function calls(method: 'status' | 'warn', id: string): unknown[][] {
  const spy = helper._NodePrototype[method] as { getCalls(): Array<{ thisValue: { id: string }; args: unknown[] }> };
  return spy
    .getCalls()
    .filter((c) => c.thisValue?.id === id)
    .map((c) => c.args);
}
const lastStatus = (id: string): string => String((calls('status', id).at(-1)?.[0] as { text?: string } | undefined)?.text ?? '');
const nodeCalls = (method: 'warn', id: string): unknown[][] => calls(method, id);
function statusMatching(node: EventEmitter, re: RegExp): Promise<unknown> {
  return waitFor<[{ args: [{ text?: string }] }]>(node, 'call:status', (call) => re.test(call.args[0]?.text ?? ''), 15000, `status ${re}`);
}

const t = (): any => helper.getNode('t');
const send = (topic: string, direction: 'rising' | 'falling', extra: Record<string, unknown> = {}): void => t().receive({ topic, payload: { direction, ...extra } });
const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('jet-threshold across deploys (memory context store)', function () {
  this.timeout(30000);
  useNodeRedHelper();

  it('a full deploy keeps the state and a held transition, sent when its remaining hold-down runs out', async () => {
    // 1.5 s of hold-down: the falling event is held, the deploy happens within it.
    const flow = flowWith({ holdDown: '1.5' });
    await loadWith([captureNodes], flow);
    const up = out('rising');
    send('r0/541', 'rising', { prefixes: ['1.1.1.1/32'] });
    await up;
    send('r0/542', 'rising');
    await out('rising', (m) => m.topic === 'r0/542');
    const held = out('none', (m) => /held by hold-down/.test(m.payload.reason));
    send('r0/541', 'falling', { prefixes: ['1.1.1.1/32'] });
    await held;
    const until = t().context().get('thresholdState')['r0/541'].held.until as number;
    assert.ok(until > Date.now(), 'still held');

    const before = t();
    const falling = out('falling', (m) => m.topic === 'r0/541', 10000);
    await deploy(flow, 'full');
    assert.notEqual(t(), before, 'the node was restarted');
    // The counts of the restored state (not "high 0 / low 0" while the route is installed).
    assert.match(lastStatus('t'), /^high 2 \/ low 0 · 1 held/);
    const state = t().context().get('thresholdState');
    assert.deepEqual(state['r0/541'].held, { direction: 'falling', until }, 'the same deadline: the time left, not a new hold-down');
    const counted = statusMatching(t(), /^high 1 \/ low 1/);

    const { msg, at } = await falling;
    assert.ok(at >= until, `sent when the hold-down ran out (${at - until} ms after it)`);
    assert.equal(msg.threshold.direction, 'falling');
    assert.equal(msg.threshold.state, 'low');
    assert.deepEqual(msg.payload.prefixes, ['1.1.1.1/32'], 'the message held before the deploy');
    await counted;
    // And the other key is still known: a repeat, not a transition.
    const same = out('none');
    send('r0/542', 'rising');
    assert.match((await same).msg.payload.reason, /repeated rising event, already high/);
  });

  it('a deploy that changes the node restarts it with its state; removing the node forgets it', async () => {
    const flow = flowWith({ holdDown: '0' });
    await loadWith([captureNodes], flow);
    const up = out('rising');
    send('a', 'rising');
    await up;

    await deploy(flowWith({ holdDown: '0', name: 'renamed' }), 'nodes');
    assert.equal(t().name, 'renamed');
    assert.match(lastStatus('t'), /^high 1 \/ low 0/);
    const same = out('none');
    send('a', 'rising');
    assert.match((await same).msg.payload.reason, /repeated rising event, already high/);

    // Removed, then added again with the same id: a new node, nothing kept.
    await deploy(flowWith({ holdDown: '0' }).filter((n) => n.id !== 't'), 'full');
    assert.equal(t(), null);
    await deploy(flowWith({ holdDown: '0' }), 'full');
    assert.match(lastStatus('t'), /^high 0 \/ low 0/);
    const again = out('rising');
    send('a', 'rising');
    assert.equal((await again).msg.threshold.key, 'a');
  });

  it('maxKeys: the least recently seen key is forgotten first, one warning, its held timer cleared', async () => {
    await loadWith([captureNodes], flowWith({ holdDown: '60', maxKeys: 2 }));
    const up = out('rising', (m) => m.topic === 'a');
    send('a', 'rising');
    await up;
    const held = out('none', (m) => m.topic === 'a');
    send('a', 'falling');
    assert.match((await held).msg.payload.reason, /held by hold-down/);
    const upB = out('rising', (m) => m.topic === 'b');
    const twoHigh = statusMatching(t(), /^high 2 \/ low 0 · 1 held/);
    send('b', 'rising');
    await upB;
    await twoHigh;
    const armed = timeouts();

    // c is the third key: a (seen before b) is forgotten, with its held transition.
    const upC = out('rising', (m) => m.topic === 'c');
    const shown = statusMatching(t(), /^high 2 \/ low 0(?! · \d+ held)/);
    send('c', 'rising');
    await upC;
    await shown;
    assert.equal(timeouts(), armed - 1, "a's hold-down timer was cleared");
    assert.deepEqual(Object.keys(t().context().get('thresholdState')).sort(), ['b', 'c']);

    // b is seen again, so d forgets c; then a comes back as a new key (its first event is a transition).
    const sameB = out('none', (m) => m.topic === 'b');
    send('b', 'rising');
    await sameB;
    const upD = out('rising', (m) => m.topic === 'd');
    send('d', 'rising');
    await upD;
    assert.deepEqual(Object.keys(t().context().get('thresholdState')).sort(), ['b', 'd']);
    const upA = out('rising', (m) => m.topic === 'a');
    send('a', 'rising');
    assert.equal((await upA).msg.threshold.state, 'high');

    const warnings = nodeCalls('warn', 't').map((args) => String(args[0]));
    assert.equal(warnings.length, 1, `one warning for three evictions: ${JSON.stringify(warnings)}`);
    assert.match(warnings[0], /more than 2 keys/);
  });
});
