/**
 * A jet-rmon-event node's RMON set-up (lib/junos/rmon-setup.ts) on a real gRPC session
 * (GrpcBackend.management) against the simulated router: the ifIndex lookup, an idempotent commit
 * (the same settings again: no ConfigSet, no commit), a threshold change giving exactly one commit
 * that the RMON engine runs at once, an unknown interface in the router's words, a refused commit
 * (configuration locked by another user), and a node's own alarm beside the lab's.
 */
import { strict as assert } from 'assert';
import { GrpcBackend } from '../../lib/grpc/backend';
import type { ManagementApi } from '../../lib/core/management';
import { PACKAGE_NAME } from '../../lib/core/defaults';
import { compareRmon } from '../../lib/junos/rmon-config';
import { lookUpInterface, RmonSetupResult, setUpRmon } from '../../lib/junos/rmon-setup';
import { GrpcCallInfo, JetSimulator, RmonSample } from '../../sim';
import { backendFor, connected } from '../unit/grpc/support';

const fired = (samples: RmonSample[]): Array<string | null> => samples.map((s) => s.fired);

describe('RMON set-up of a node against the simulator (lib/junos/rmon-setup on a gRPC session)', function () {
  this.timeout(30000);
  let sim: JetSimulator;
  let backend: GrpcBackend;
  let api: ManagementApi;
  let calls: GrpcCallInfo[];
  const count = (method: string): number => calls.filter((c) => c.method === method).length;

  beforeEach(async function () {
    sim = await JetSimulator.start({ sampling: false, thriftPort: false });
    calls = [];
    sim.grpc.on('call', (c) => calls.push(c));
    backend = backendFor(sim.grpcPort);
    const ready = connected(backend);
    backend.start();
    await ready;
    api = backend.management!;
  });

  afterEach(async function () {
    await backend.close(2000);
    await sim.stop();
  });

  it('lookup: the SNMP ifIndex of an IFL and of an IFD, one JSON command each', async () => {
    assert.deepEqual(await lookUpInterface(api, 'ge-0/0/0.0'), { found: true, name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 });
    assert.deepEqual(await lookUpInterface(api, 'ge-0/0/0'), { found: true, name: 'ge-0/0/0', kind: 'physical', ifIndex: 513 });
    assert.deepEqual(await lookUpInterface(api, 'lo0.0'), { found: true, name: 'lo0.0', kind: 'logical', ifIndex: 16 });
    assert.equal(count('OpCommandGet'), 3);
  });

  it("the lab's settings on ge-0/0/0.0 are what the simulator runs from the start: unchanged, no ConfigSet", async () => {
    const r = await setUpRmon(api, { interface: 'ge-0/0/0.0' }, { node: 'lab' });
    assert.deepEqual(r, { status: 'unchanged', ifIndex: 541, interface: { name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 } });
    assert.deepEqual([count('ConfigSet'), sim.management.commitCount], [0, 0]);
  });

  it('a threshold change: exactly one commit, which the RMON engine runs at once; the same settings again: no ConfigSet, no commit', async () => {
    const settings = { interface: 'ge-0/0/0.0', rising: 2048, falling: 2000 };
    const first = await setUpRmon(api, settings, { node: 'uplink watch' });
    assert.equal(first.status, 'committed', JSON.stringify(first));
    const c = first as Extract<RmonSetupResult, { status: 'committed' }>;
    assert.deepEqual([c.readBack, c.remaining], ['equal', []]);
    assert.deepEqual(c.differences, ["alarm 1 rising-threshold is 1024, the node's 2048", "alarm 1 falling-threshold is 1023, the node's 2000"]);
    assert.deepEqual([count('ConfigSet'), sim.management.commitCount], [1, 1]);
    assert.deepEqual(
      sim.management.commitHistory().map((h) => [h.user, h.comment]),
      [['lab', `${PACKAGE_NAME}: jet-rmon-event uplink watch`]],
    );
    const cmp = compareRmon(sim.management.committedRmon(), { ifIndex: 541, rising: 2048, falling: 2000 });
    assert.ok(cmp.ok && cmp.equal);
    // The engine samples with the committed thresholds.
    const [alarm] = sim.rmon.alarms();
    assert.deepEqual([alarm.index, alarm.rising, alarm.falling, alarm.risingEventIndex, alarm.subtag], [1, 2048, 2000, 541, 'IFINDEX541']);
    const published: string[] = [];
    sim.rmon.on('event', (p) => published.push(p.notification['jet-event'].message));
    assert.deepEqual(fired(await sim.rmon.setRate(541, 1500, true)), [null]);
    assert.deepEqual(fired(await sim.rmon.setRate(541, 3000, true)), ['rising']);
    assert.equal(published.length, 1);
    assert.match(published[0], /^IFINDEX541: .*threshold.*2048/);

    // Idempotent: the same settings again load nothing and commit nothing.
    const second = await setUpRmon(api, settings, { node: 'uplink watch' });
    assert.equal(second.status, 'unchanged');
    assert.deepEqual([count('ConfigSet'), sim.management.commitCount], [1, 1]);
    // The engine kept its state: no new event from the set-up itself.
    assert.deepEqual(fired(await sim.rmon.tick()), [null]);

    // One more change: exactly one more commit.
    const third = await setUpRmon(api, { ...settings, rising: 4096 }, { node: 'uplink watch' });
    assert.equal(third.status, 'committed');
    assert.deepEqual([count('ConfigSet'), sim.management.commitCount], [2, 2]);
    assert.equal(sim.rmon.alarms()[0].rising, 4096);
  });

  it("an unknown interface: lookup-failed in the router's words; nothing read, nothing loaded", async () => {
    const r = await setUpRmon(api, { interface: 'ge-9/9/9.0', rising: 2048 }, { node: 'n' });
    assert.deepEqual(r, { status: 'lookup-failed', interface: 'ge-9/9/9.0', reason: 'not-found', message: 'error: device ge-9/9/9.0 not found' });
    assert.deepEqual([count('OpCommandGet'), count('ConfigSet'), sim.management.commitCount], [1, 0, 0]);
  });

  it("a refused commit (configuration locked by another user): refused in the router's words, nothing committed, the engine unchanged", async () => {
    sim.management.lock('admin');
    const settings = { interface: 'ge-0/0/0.0', rising: 2048, falling: 2000 };
    const r = await setUpRmon(api, settings, { node: 'n' });
    assert.equal(r.status, 'refused');
    assert.match((r as { message: string }).message, /^error: configuration database locked by: admin/);
    assert.deepEqual([count('ConfigSet'), sim.management.commitCount, sim.rmon.alarms()[0].rising], [1, 0, 1024]);
    sim.management.unlock();
    assert.equal((await setUpRmon(api, settings, { node: 'n' })).status, 'committed');
    assert.deepEqual([count('ConfigSet'), sim.management.commitCount, sim.rmon.alarms()[0].rising], [2, 1, 2048]);
  });

  it("a node's own alarm and event beside the lab's: only they are loaded; the engine runs both", async () => {
    const settings = { interface: 'ge-0/0/1.0', alarmIndex: 2, eventIndex: 7, subtag: 'UPLINK2', rising: 500, falling: 100, interval: 5 };
    const r = await setUpRmon(api, settings, { node: 'second' });
    assert.equal(r.status, 'committed', JSON.stringify(r));
    assert.ok((r as { lines: string[] }).lines.every((l) => /^set snmp rmon (alarm 2|event 7) /.test(l)), 'nothing to delete, nothing else touched');
    assert.deepEqual(
      sim.rmon.alarms().map((a) => [a.index, a.variable, a.rising, a.intervalS, a.risingEventIndex, a.subtag]),
      [
        [1, 'ifIn1SecRate.541', 1024, 1, 541, 'IFINDEX541'],
        [2, 'ifIn1SecRate.542', 500, 5, 7, 'UPLINK2'],
      ],
    );
    assert.equal((await setUpRmon(api, { interface: 'ge-0/0/0.0' }, { node: 'lab' })).status, 'unchanged');
    assert.equal(sim.management.commitCount, 1);
  });
});
