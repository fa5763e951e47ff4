/**
 * jet-rmon-event with `interface` and `configureRmon` (issue 18) in a real Node-RED runtime against
 * the simulator's JET management API:
 *  - the interface's ifIndex is looked up at login, shown, and events are filtered by it;
 *  - an unknown interface: red with the router's words, no event passes; interface and ifIndex that
 *    disagree: red; an interface on a Thrift router: says it needs gRPC, no event passes;
 *  - configureRmon: the lab's configuration is left alone (no commit); a threshold change is one
 *    commit, and redeploys and re-logins commit nothing more; a change is exactly one more commit;
 *  - a refused commit (configuration locked): red with the router's words, events still flow;
 *  - two nodes claiming alarm 1 with different settings: both red, neither commits.
 */
import { strict as assert } from 'assert';
import { helper, load, statusMatching, FlowNode } from '../support/nodered';
import { waitFor } from '../support/wait';
import { deploy, eventually, lastStatus, nodeCalls, runtimeFixture } from '../support/fault';
import { PACKAGE_NAME } from '../../lib/core/defaults';
import type { JetSimulator } from '../../sim';

const CREDS = (tag: string): Record<string, Record<string, string>> => ({ [`router-${tag}`]: { username: 'lab', password: 'lab123' } });

type EventProps = Record<string, unknown> & { id: string };

function flow(s: JetSimulator, tag: string, events: EventProps[], api: 'grpc' | 'thrift' = 'grpc'): FlowNode[] {
  return [
    { id: `tab-${tag}`, type: 'tab' },
    {
      id: `router-${tag}`,
      type: 'jet-router',
      name: 'r0',
      api,
      host: '127.0.0.1',
      port: String(api === 'grpc' ? s.grpcPort : s.thriftPort),
      notificationPort: String(s.mqttPort),
    },
    ...events.map((e) => ({ z: `tab-${tag}`, type: 'jet-rmon-event', router: `router-${tag}`, topic: '', wires: [[`out-${e.id}`]], ...e })),
    ...events.map((e) => ({ id: `out-${e.id}`, z: `tab-${tag}`, type: 'helper' })),
  ];
}

function output(id: string): Promise<[any]> {
  return waitFor<[any]>(helper.getNode(`out-${id}`), 'input', () => true, 15000, `a message from ${id}`);
}

function logged(id: string, re: RegExp): number {
  return nodeCalls('log', id).filter((args) => re.test(String(args[0]))).length;
}

const UNCHANGED = /nothing committed/;

describe('jet-rmon-event: interface lookup and RMON set-up through the management API (Node-RED runtime)', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  it('looks the interface up at login, shows it and filters events by it', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s, 'lookup', [{ id: 'ev-l', interface: 'ge-0/0/0.0' }]), CREDS('lookup'));
    const ev = helper.getNode('ev-l');
    const [st] = await statusMatching(ev, /^listening: ge-0\/0\/0\.0 → ifIndex 541$/);
    assert.deepEqual([st.args[0].fill, st.args[0].shape], ['green', 'ring']);
    const got = output('ev-l');
    await s.rmon.setRate(541, 8288, true);
    const [m] = await got;
    assert.match(m.topic, /\/541$/);
    assert.equal(m.payload.ifIndex, 541);
    // No RMON set-up asked: nothing read beyond the lookup, nothing committed.
    assert.equal(s.management.commitCount, 0);
  });

  it("an unknown interface: red with the router's words and no event passes; disagreeing ifIndex: red", async () => {
    const s = await fx.startSim({ sampling: false });
    await load(
      flow(s, 'unknown', [
        { id: 'ev-u', interface: 'ge-9/9/9.0' },
        { id: 'ev-m', interface: 'ge-0/0/0.0', ifIndex: '17' },
        { id: 'ev-any', ifIndex: '541' },
      ]),
      CREDS('unknown'),
    );
    const [[red], [mismatch]] = await Promise.all([
      statusMatching(helper.getNode('ev-u'), /^ge-9\/9\/9\.0: error: device ge-9\/9\/9\.0 not found$/),
      statusMatching(helper.getNode('ev-m'), /^ge-0\/0\/0\.0 is ifIndex 541, not 17/),
      statusMatching(helper.getNode('ev-any'), /^listening: ifIndex 541$/),
    ]);
    assert.equal(red.args[0].fill, 'red');
    assert.equal(mismatch.args[0].fill, 'red');
    // The event reaches the node filtering by ifIndex 541 alone (the same notification, the same turn).
    const got = output('ev-any');
    await s.rmon.setRate(541, 8288, true);
    await got;
    assert.deepEqual([nodeCalls('send', 'ev-u').length, nodeCalls('send', 'ev-m').length], [0, 0]);
  });

  it('an interface on a Thrift router says it needs gRPC, and no event passes', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s, 'thrift', [{ id: 'ev-t', interface: 'ge-0/0/0.0' }, { id: 'ev-t2', ifIndex: '541' }], 'thrift'), CREDS('thrift'));
    const [[st]] = await Promise.all([
      statusMatching(helper.getNode('ev-t'), /^ge-0\/0\/0\.0 needs a gRPC router \(this one is Thrift\)$/),
      statusMatching(helper.getNode('ev-t2'), /^listening: ifIndex 541$/),
    ]);
    assert.equal(st.args[0].fill, 'red');
    const got = output('ev-t2');
    await s.rmon.setRate(541, 8288, true);
    await got;
    assert.equal(nodeCalls('send', 'ev-t').length, 0);
  });

  it('configureRmon: the lab configuration commits nothing; a threshold change is one commit, kept across redeploys and re-logins; another change is one more', async () => {
    const s = await fx.startSim({ sampling: false });
    const lab = flow(s, 'cfg', [{ id: 'ev-c', name: 'uplink watch', interface: 'ge-0/0/0.0', configureRmon: true }]);
    await load(lab, CREDS('cfg'));
    await eventually(() => logged('ev-c', UNCHANGED) === 1, 15000, 'the set-up found the lab configuration');
    assert.equal(s.management.commitCount, 0);

    // Thresholds of its own: exactly one commit, signed with the package and the node.
    const mine = flow(s, 'cfg', [{ id: 'ev-c', name: 'uplink watch', interface: 'ge-0/0/0.0', configureRmon: true, rising: 2048, falling: '2000' }]);
    await deploy(mine, 'full');
    await eventually(() => s.management.commitCount === 1, 15000, 'one commit');
    assert.deepEqual(
      s.management.commitHistory().map((h) => h.comment),
      [`${PACKAGE_NAME}: jet-rmon-event uplink watch`],
    );
    await eventually(() => s.rmon.alarms()[0]?.rising === 2048, 15000, 'the engine runs the new threshold');
    await eventually(() => /^listening: ge-0\/0\/0\.0 → ifIndex 5/.test(lastStatus('ev-c')), 15000, () => `listening, not ${lastStatus('ev-c')}`);

    // A redeploy of the same flow: set up again, nothing to commit.
    await deploy(mine, 'full');
    await eventually(() => logged('ev-c', UNCHANGED) >= 2, 15000, 'the redeployed node found its configuration');
    // A re-login (the JET daemon restarts): set up again, nothing to commit.
    const before = logged('ev-c', UNCHANGED);
    await s.restartGrpc();
    await eventually(() => logged('ev-c', UNCHANGED) > before, 20000, 'the set-up after the re-login');
    assert.equal(s.management.commitCount, 1);

    // Events on the committed alarm reach the flow.
    const got = output('ev-c');
    await s.rmon.setRate(541, 3000, true);
    assert.equal((await got)[0].payload.threshold, 2048);

    // One more change: exactly one more commit.
    await deploy(flow(s, 'cfg', [{ id: 'ev-c', name: 'uplink watch', interface: 'ge-0/0/0.0', configureRmon: true, rising: '4096', falling: '2000' }]), 'full');
    await eventually(() => s.management.commitCount === 2, 15000, 'the second commit');
    await eventually(() => s.rmon.alarms()[0]?.rising === 4096, 15000, 'the engine runs 4096');
    assert.equal(s.management.commitCount, 2);
  });

  it("a refused commit: red with the router's words; events for the resolved ifIndex still flow", async () => {
    const s = await fx.startSim({ sampling: false });
    s.management.lock('admin');
    await load(flow(s, 'lock', [{ id: 'ev-k', interface: 'ge-0/0/0.0', configureRmon: 'true', rising: '2048', falling: '2000' }]), CREDS('lock'));
    const [[st]] = await Promise.all([statusMatching(helper.getNode('ev-k'), /^RMON not committed: error: configuration database locked by/)]);
    assert.equal(st.args[0].fill, 'red');
    assert.equal(s.management.commitCount, 0);
    const got = output('ev-k');
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await got)[0].payload.ifIndex, 541);
  });

  it('two nodes claiming alarm 1 with different settings: both red, neither commits; a node on alarm 2 commits', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(
      flow(s, 'claim', [
        { id: 'ev-a', name: 'a', interface: 'ge-0/0/0.0', configureRmon: true, rising: '2048', falling: '2000' },
        { id: 'ev-b', name: 'b', interface: 'ge-0/0/0.0', configureRmon: true, rising: '4096', falling: '2000' },
        { id: 'ev-2', name: 'second', interface: 'ge-0/0/1.0', configureRmon: true, alarmIndex: '2', eventIndex: '7', subtag: 'UPLINK2' },
      ]),
      CREDS('claim'),
    );
    const [[a], [b]] = await Promise.all([
      statusMatching(helper.getNode('ev-a'), /^alarm 1 is also set up by b with other settings$/),
      statusMatching(helper.getNode('ev-b'), /^alarm 1 is also set up by a with other settings$/),
    ]);
    assert.deepEqual([a.args[0].fill, b.args[0].fill], ['red', 'red']);
    await eventually(() => s.management.commitCount === 1, 15000, 'the alarm-2 node commits');
    assert.deepEqual(
      s.management.commitHistory().map((h) => h.comment),
      [`${PACKAGE_NAME}: jet-rmon-event second`],
    );
    assert.equal(s.rmon.alarms().find((x) => x.index === 1)?.rising, 1024);
    assert.match(lastStatus('ev-a'), /^alarm 1 is also set up by b/);
  });
});
