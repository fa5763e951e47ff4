/**
 * Fault suite, part 5: deploys, through the real Node-RED admin API (POST /flows with
 * Node-RED-Deployment-Type), against the simulator.
 *  - A partial deploy ("nodes", "flows") that touches only unrelated nodes keeps both router
 *    connections up: same node instances, no new Thrift or MQTT connection, no status flicker.
 *  - 50 full redeploys leak nothing: active handles and timers, router sessions, runtime event
 *    listeners back to the steady state; the heap does not grow materially (numbers printed).
 */
import { strict as assert } from 'assert';
import type { EventEmitter } from 'events';
import { helper, load, sampleFlow, statusMatching, FlowNode } from '../support/nodered';
import { until, waitFor } from '../support/wait';
import { deploy, eventually, heapAfterGc, resources, sameResources, SAMPLE, SAMPLE_CAPTURE, statusTexts, stillResources, runtimeFixture } from '../support/fault';
import { JetSimulator } from '../../sim';

const CREDS = { [SAMPLE.router]: { username: 'lab', password: 'lab123' } };
const REDEPLOYS = 50;

function flowFor(s: JetSimulator, unrelated: { u1: string; u2: string; extra?: boolean }): FlowNode[] {
  const flow = sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, { host: '127.0.0.1', api: 'thrift', port: String(s.thriftPort), notificationPort: String(s.mqttPort) });
  flow.push({ id: 'u1', type: 'helper', z: SAMPLE.tab, name: unrelated.u1 });
  flow.push({ id: 't2', type: 'tab', label: 'other work' });
  flow.push({ id: 'u2', type: 'helper', z: 't2', name: unrelated.u2 });
  if (unrelated.extra) flow.push({ id: 'u3', type: 'helper', z: SAMPLE.tab, name: 'new node' });
  return flow;
}

/** Waits until the deployed flow's route node is connected and its event node listening. */
async function bothUp(): Promise<void> {
  const r = helper.getNode(SAMPLE.router);
  const ready = (): boolean => r.hub.rpc.status.state === 'connected' && r.hub.notifications.status.state === 'connected';
  if (ready()) return;
  await Promise.all([
    r.hub.rpc.status.state === 'connected' ? null : statusMatching(helper.getNode(SAMPLE.add), /^connected/),
    r.hub.notifications.status.state === 'connected' ? null : statusMatching(helper.getNode(SAMPLE.event), /^listening|^jet-sim/),
  ]);
}

function listenerSnapshot(emitter: EventEmitter): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of emitter.eventNames()) out[String(name)] = emitter.listenerCount(name);
  return out;
}

describe('fault: deploys (Node-RED admin API)', function () {
  this.timeout(120000);
  const fx = runtimeFixture();

  it('a partial deploy of unrelated nodes ("nodes" and "flows") keeps both connections up', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flowFor(s, { u1: 'a', u2: 'b' }), CREDS);
    await bothUp();
    const added = waitFor<[any]>(helper.getNode(SAMPLE.added), 'input', () => true);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added)[0].payload.results[0].status, 'added');

    const nodes = [SAMPLE.router, SAMPLE.event, SAMPLE.threshold, SAMPLE.add, SAMPLE.del].map((id) => helper.getNode(id));
    const before = {
      thrift: s.thrift.counters.connectionsTotal,
      logins: s.thrift.counters.logins,
      mqtt: s.broker.counters.connections,
      subscriptions: s.broker.counters.subscriptions,
    };
    const statusesBefore = statusTexts().length;

    await deploy(flowFor(s, { u1: 'a changed', u2: 'b changed', extra: true }), 'nodes');
    assert.equal(helper.getNode('u1').name, 'a changed', 'the unrelated nodes were redeployed');
    assert.ok(helper.getNode('u3'), 'the new node runs');
    await deploy(flowFor(s, { u1: 'a changed', u2: 'b changed again', extra: true }), 'flows');
    assert.equal(helper.getNode('u2').name, 'b changed again');

    assert.deepEqual(
      [SAMPLE.router, SAMPLE.event, SAMPLE.threshold, SAMPLE.add, SAMPLE.del].map((id) => helper.getNode(id) === nodes.shift()),
      [true, true, true, true, true],
      'the JET nodes were not restarted',
    );
    // Still the same sessions: the next event runs on them.
    const deleted = waitFor<[any]>(helper.getNode(SAMPLE.deleted), 'input', () => true);
    await s.rmon.setRate(541, 0, true);
    assert.equal((await deleted)[0].payload.results[0].status, 'deleted');
    assert.deepEqual(
      {
        thrift: s.thrift.counters.connectionsTotal,
        logins: s.thrift.counters.logins,
        mqtt: s.broker.counters.connections,
        subscriptions: s.broker.counters.subscriptions,
      },
      before,
      'no new Thrift or MQTT connection, no new login or subscription',
    );
    assert.equal(s.thrift.connections, 1);
    assert.equal(s.broker.clients, 1);
    const flicker = statusTexts()
      .slice(statusesBefore)
      .filter((t) => /^(disconnected|connecting|login failed)/.test(t));
    assert.deepEqual(flicker, [], 'no connection status change during the partial deploys');
    assert.deepEqual(fx.unhandled(), []);
  });

  it('a deploy that changes only the route and event nodes reopens both sessions and re-adds the routes', async () => {
    const s = await fx.startSim({ sampling: false });
    const flow = flowFor(s, { u1: 'a', u2: 'b' });
    await load(flow, CREDS);
    await bothUp();
    const added = waitFor<[any]>(helper.getNode(SAMPLE.added), 'input', () => true);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added)[0].payload.results[0].status, 'added');
    const router = helper.getNode(SAMPLE.router);

    // Every user of the router is replaced; the router node itself is untouched.
    const renamed = flow.map((n) => ([SAMPLE.event, SAMPLE.add, SAMPLE.del] as string[]).includes(n.id) ? { ...n, name: `${n.type} renamed` } : n);
    await deploy(renamed, 'nodes');
    assert.equal(helper.getNode(SAMPLE.router), router, 'the router node was not restarted');
    assert.equal(helper.getNode(SAMPLE.add).name, 'jet-route-add renamed');
    await bothUp();
    await until(s.rib, 'change', () => s.rib.get('inet.0', '1.1.1.1/32') !== undefined, 10000, 'route re-added on the new session');
    const deleted = waitFor<[any]>(helper.getNode(SAMPLE.deleted), 'input', () => true);
    await s.rmon.setRate(541, 0, true);
    assert.equal((await deleted)[0].payload.results[0].status, 'deleted');
    assert.equal(s.rib.size, 0);
    assert.deepEqual(fx.unhandled(), []);
  });

  it(`${REDEPLOYS} full redeploys leak nothing: handles, timers, sessions, listeners, heap`, async () => {
    const s = await fx.startSim({ sampling: false });
    const flow = flowFor(s, { u1: 'a', u2: 'b' });
    const before = await stillResources();
    await load(flow, CREDS);
    await bothUp();
    const added = waitFor<[any]>(helper.getNode(SAMPLE.added), 'input', () => true);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added)[0].payload.results[0].status, 'added');

    const runtimeEvents = helper._events as EventEmitter;
    let steady: { res: ReturnType<typeof resources>; events: Record<string, number>; process: Record<string, number>; heap: number } | null = null;
    const heaps: number[] = [];
    const durations: number[] = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      const t0 = Date.now();
      await deploy(flow, 'full');
      await bothUp();
      // The route the flow added is re-added on each new session.
      await until(s.rib, 'change', () => s.rib.get('inet.0', '1.1.1.1/32') !== undefined, 5000, `route re-added after redeploy ${i}`);
      durations.push(Date.now() - t0);
      await eventually(() => s.thrift.connections === 1 && s.broker.clients === 1, 5000, `one session each after redeploy ${i}`);
      // The test helper's spies record every call (with its node): drop that history, it is ours.
      helper._sandbox.resetHistory();
      if (i === 5 || i === REDEPLOYS) {
        if (i === 5) {
          // The steady state is the one that holds still, not whatever an instant happened to hold.
          const res = await stillResources();
          steady = { res, events: listenerSnapshot(runtimeEvents), process: listenerSnapshot(process), heap: heapAfterGc() };
        } else {
          // Exactly the steady state, or one timer more at most (an armed call or keepalive timer):
          // a leak per redeploy would show as 45 more.
          await eventually(() => sameResources(resources(), steady!.res, 1), 10000, () => `handles back to the steady state ${JSON.stringify(steady!.res)}, now ${JSON.stringify(resources())}`);
          assert.deepEqual(listenerSnapshot(runtimeEvents), steady!.events, 'runtime event listeners');
          assert.deepEqual(listenerSnapshot(process), steady!.process, 'process listeners');
        }
      }
      if (i % 5 === 0) heaps.push(heapAfterGc());
    }
    // The desired route outlived 50 stops of the router node (Node-RED clears a stopped node's
    // in-memory context) and is in the new node's context.
    assert.deepEqual(helper.getNode(SAMPLE.router).context().get('desiredRoutes').desired.map((r: any) => r.prefix), ['1.1.1.1/32']);
    const growth = heaps[heaps.length - 1] - steady!.heap;
    const secondHalf = heaps[heaps.length - 1] - heaps[Math.floor(heaps.length / 2) - 1];
    const perDeploy = growth / (REDEPLOYS - 5);
    assert.equal(s.thrift.errCount('RouteAdd', 2), 0, 'each new session re-added the route once');
    assert.equal(s.thrift.counters.logins, REDEPLOYS + 1);
    assert.equal(s.broker.counters.connections, REDEPLOYS + 1);
    assert.ok(perDeploy < 100 * 1024, `heap growth ${Math.round(perDeploy / 1024)} KiB per redeploy (limit 100 KiB)`);
    assert.deepEqual(fx.unhandled(), []);

    await helper.unload();
    await eventually(() => s.thrift.connections === 0 && s.broker.clients === 0, 5000, 'sessions closed');
    await eventually(() => sameResources(resources(), before), 5000, () => `handles back to ${JSON.stringify(before)}, now ${JSON.stringify(resources())}`);
    const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
    // eslint-disable-next-line no-console
    console.log(
      `      ${REDEPLOYS} redeploys: ${Math.round(durations.reduce((a, b) => a + b, 0) / durations.length)} ms each on average (max ${Math.max(...durations)}); ` +
        `heap after gc ${mb(steady!.heap)} MB after 5, ${heaps.map(mb).join(' / ')} MB every 5 → ${(growth / 1024).toFixed(0)} KiB (${(perDeploy / 1024).toFixed(1)} KiB per redeploy; ${(secondHalf / 1024).toFixed(0)} KiB over the last ${REDEPLOYS / 2}); ` +
        `handles ${steady!.res.handles} steady, ${before.handles} before load and after unload`,
    );
  });
});
