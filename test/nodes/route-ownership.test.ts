/**
 * Ownership is what this client added (issue 20, item 6), in a real Node-RED runtime against the
 * simulator. RouteGet is a lookup in the routing table: it names no client, so it never makes a
 * route this node's. On Thrift two router nodes that share the default app id (each its own
 * session) neither adopt nor delete each other's routes; on gRPC verify reports this client's route
 * among the routes of other protocols at the prefix; a router that holds more routes of this
 * client id than the node's record knows is reconciled at login.
 */
import { strict as assert } from 'assert';
import { helper, load, roundTrip, statusMatching, FlowNode } from '../support/nodered';
import { deploy, eventually, nodeCalls, runtimeFixture } from '../support/fault';
import { until, waitFor } from '../support/wait';
import type { JetSimulator, RibChange } from '../../sim';

const LAB = { username: 'lab', password: 'lab123' };

/** What the router node's context holds (saved at the end of the turn of every change). */
function stored(id: string): { desired: Array<{ prefix: string }>; acknowledged: Array<{ prefix: string }>; retired?: unknown[] } {
  return helper.getNode(id).context().get('desiredRoutes') ?? { desired: [], acknowledged: [] };
}

/** The router node's route state in memory (the context is written a turn later). */
function prefixes(id: string, set: 'desired' | 'acknowledged'): string[] {
  return (helper.getNode(id).routes.state[set].list() as Array<{ prefix: string }>).map((r) => r.prefix);
}

/** The router node is connected and its session has nothing queued or in flight. */
function idle(id: string): boolean {
  const r = helper.getNode(id);
  const load = r?.routes?.backend.load;
  return r?.hub.rpc.status.state === 'connected' && load?.queued === 0 && load?.inFlight === 0;
}

describe('route ownership: what this client added (Node-RED runtime)', function () {
  this.timeout(60000);
  let sim: JetSimulator;
  const runtime = runtimeFixture();
  beforeEach(async () => {
    sim = await runtime.startSim({ sampling: false });
  });

  it('Thrift: two router nodes sharing the default app id neither adopt nor delete each other\'s route', async () => {
    const port = String(sim.thriftPort);
    const both: FlowNode[] = [
      { id: 'ra', type: 'jet-router', api: 'thrift', host: '127.0.0.1', port, clientId: 'node-a' },
      { id: 'rb', type: 'jet-router', api: 'thrift', host: '127.0.0.1', port, clientId: 'node-b' },
      { id: 'addA', type: 'jet-route-add', router: 'ra', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
      { id: 'addB', type: 'jet-route-add', router: 'rb', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', verify: true, wires: [['out']] },
      { id: 'delB', type: 'jet-route-delete', router: 'rb', prefixes: '1.1.1.1/32', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    await load(both, { ra: LAB, rb: LAB });
    await Promise.all(['addA', 'addB'].map((id) => statusMatching(helper.getNode(id), /^connected 127\.0\.0\.1:/)));
    const out = helper.getNode('out');
    assert.equal((await roundTrip(helper.getNode('addA'), out, { payload: 1 })).payload.results[0].status, 'added');

    // B's add meets A's route (same app id, A's session): "exists", and RouteGet of the app id finds it.
    const b = (await roundTrip(helper.getNode('addB'), out, { payload: 1 })).payload.results[0];
    assert.equal(b.status, 'unchanged');
    assert.match(b.warning, /not this node's route \(app id 111:222\)/);
    assert.deepEqual(b.installed, [], 'verify: none of the routes there is this client\'s');
    assert.deepEqual(prefixes('rb', 'desired'), [], 'B does not adopt A\'s route');
    assert.deepEqual(prefixes('rb', 'acknowledged'), []);

    // B's delete would delete A's route (a Thrift RouteDelete names the app id, not the session): not sent.
    const deletes = sim.thrift.counters.calls.RouteDelete ?? 0;
    const d = (await roundTrip(helper.getNode('delB'), out, { payload: 1 })).payload.results[0];
    assert.equal(d.status, 'unchanged');
    assert.match(d.warning, /is another's route on the router/);
    assert.equal(sim.thrift.counters.calls.RouteDelete ?? 0, deletes, 'no RouteDelete sent');
    assert.deepEqual(sim.rib.get('inet.0', '1.1.1.1/32')?.clientId, 'node-a', 'A\'s route untouched');

    // A's node goes (its session ends, the router purges its route): B never believed it installed.
    const purged = until(sim.rib, 'change', () => sim.rib.get('inet.0', '1.1.1.1/32') === undefined, 15000, 'A\'s route purged');
    await deploy(both.filter((n) => n.id === 'rb' || n.id === 'addB' || n.id === 'delB' || n.id === 'out'), 'nodes');
    await purged;
    assert.deepEqual(prefixes('rb', 'acknowledged'), [], 'B does not believe a route installed that the router purged');
    // Now B's own add installs B's route.
    const again = (await roundTrip(helper.getNode('addB'), out, { payload: 1 })).payload.results[0];
    assert.deepEqual([again.status, again.installed], ['added', ['10.1.1.2']]);
    assert.equal(sim.rib.get('inet.0', '1.1.1.1/32')?.clientId, 'node-b');
  });
  it('gRPC: verify reports this client\'s route among other protocols\' at the prefix; "exists" for another\'s is not adopted', async () => {
    await sim.stop();
    sim = await runtime.startSim({ sampling: false, otherRoutes: [{ prefix: '1.1.1.1/32', nexthops: ['10.9.9.9'] }, { prefix: '5.5.5.0/24', nexthops: ['10.9.9.9'] }] });
    // Another JET client holds 5.5.5.0/24 (a static route from the CLI sits there too).
    const r = sim.rib.set({ table: 'inet.0', prefix: '5.5.5.0/24', family: 'inet', nexthops: ['10.1.1.2'], preference: 5, metric: 0, appId: '' }, { sessionId: 999, clientId: 'someone-else', api: 'grpc' });
    assert.equal(r.errCode, 0);
    await load(
      [
        { id: 'r1', type: 'jet-router', api: 'grpc', host: '127.0.0.1', port: String(sim.grpcPort) },
        { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', verify: true, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { r1: LAB },
    );
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    const out = helper.getNode('out');
    const mine = (await roundTrip(add, out, { payload: 1 })).payload.results[0];
    assert.deepEqual([mine.status, mine.installed], ['added', ['10.1.1.2']], 'not the static route\'s 10.9.9.9 that RouteGet lists first');
    const theirs = (await roundTrip(add, out, { payload: { prefixes: '5.5.5.0/24' } })).payload.results[0];
    assert.equal(theirs.status, 'unchanged');
    assert.match(theirs.warning, /5\.5\.5\.0\/24 exists on the router but is not this node's route \(app id 111:222, this client id\)/);
    assert.deepEqual(theirs.installed, [], 'none of the routes there is this client\'s, though one has its next hop');
    assert.deepEqual(prefixes('r1', 'desired'), ['1.1.1.1/32']);
    assert.deepEqual(prefixes('r1', 'acknowledged'), ['1.1.1.1/32']);
  });

  it('gRPC: the router holds a route of this client id the node has no record of: RouteCleanup at the next login, the desired routes back in the very next request', async () => {
    await load(
      [
        { id: 'r1', type: 'jet-router', api: 'grpc', host: '127.0.0.1', port: String(sim.grpcPort), clientId: 'recon', purgeTime: '600' },
        { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { r1: LAB },
    );
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    assert.equal((await roundTrip(add, helper.getNode('out'), { payload: 1 })).payload.results[0].status, 'added');
    // A route of this client id that the node never recorded (a lost delete, another name of this router...).
    sim.rib.set({ table: 'inet.0', prefix: '9.9.9.0/24', family: 'inet', nexthops: ['10.1.1.2'], preference: 5, metric: 0, appId: '' }, { sessionId: 999, clientId: 'recon', api: 'grpc' });
    const calls: string[] = [];
    sim.grpc.on('call', (c: { method: string }) => calls.push(c.method));
    const logins = sim.grpc.counters.logins;
    sim.grpc.closeAllConnections();
    await until(sim.rib, 'change', () => sim.rib.get('inet.0', '9.9.9.0/24') === undefined && sim.rib.get('inet.0', '1.1.1.1/32') !== undefined, 20000, 'reconciled');
    assert.equal(sim.grpc.counters.logins, logins + 1);
    const i = calls.indexOf('RouteCleanup');
    assert.ok(i >= 0, calls.join(', '));
    assert.equal(calls[i + 1], 'RouteUpdate', `the desired route asserted in the request right after: ${calls.join(', ')}`);
    assert.deepEqual(sim.rib.get('inet.0', '1.1.1.1/32')?.nexthops, ['10.1.1.2']);
    await eventually(() => nodeCalls('log', 'r1').some((a) => /after removing 1 route\(s\) of this client id that this node had no record of \(RouteCleanup\)/.test(String(a[0]))), 10000, 'logged');
    assert.deepEqual(prefixes('r1', 'acknowledged'), ['1.1.1.1/32']);
  });
});

describe('re-pointing a router node (Node-RED runtime)', function () {
  this.timeout(60000);
  const runtime = runtimeFixture();

  function flow(host: string, port: number): FlowNode[] {
    return [
      { id: 'r1', type: 'jet-router', api: 'grpc', host, port: String(port), purgeTime: '600' },
      { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
  }

  it('the same router under another name: the routes added under the old name are deleted, not left to nobody', async () => {
    const sim = await runtime.startSim({ sampling: false });
    await load(flow('127.0.0.1', sim.grpcPort), { r1: LAB });
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    assert.equal((await roundTrip(add, helper.getNode('out'), { payload: 1 })).payload.results[0].status, 'added');
    const changes: RibChange[] = [];
    sim.rib.on('change', (c: RibChange) => changes.push(c));

    await deploy(flow('localhost', sim.grpcPort), 'full');
    await eventually(() => idle('r1'), 20000, 'the re-pointed node logged in');
    await until(sim.rib, 'change', () => sim.rib.get('inet.0', '1.1.1.1/32') === undefined, 20000, 'the old route deleted');
    assert.ok(changes.some((c) => c.entry.prefix === '1.1.1.1/32' && c.op !== 'add'), 'removed by this client');
    // The same client id logged in under the new name: the router holds nothing of it now.
    await eventually(() => idle('r1'), 10000, 'idle');
    assert.equal(sim.rib.clientRoutes(sim.grpc.sessionList()[0].clientId).length, 0);
  });

  it('another router: the old router\'s routes are deleted there, and not replayed on the new one', async () => {
    const a = await runtime.startSim({ sampling: false });
    const { JetSimulator } = await import('../../sim');
    const b = await JetSimulator.start({ sampling: false, thriftPort: false });
    try {
      await load(flow('127.0.0.1', a.grpcPort), { r1: LAB });
      const add = helper.getNode('add');
      await statusMatching(add, /^connected 127\.0\.0\.1:/);
      assert.equal((await roundTrip(add, helper.getNode('out'), { payload: 1 })).payload.results[0].status, 'added');
      // Its purge time is 600 s: a removal within 20 s is this node's doing.
      const gone = waitFor<[RibChange]>(a.rib, 'change', (c) => c.entry.prefix === '1.1.1.1/32' && c.op !== 'add', 20000, 'the route on the old router removed');
      await deploy(flow('127.0.0.1', b.grpcPort), 'full');
      const [change] = await gone;
      assert.equal(change.op, 'delete', 'deleted by this client, not purged by the router');
      await eventually(() => idle('r1'), 20000, 'the node logged in to the new router');
      assert.equal(b.rib.size, 0, 'nothing replayed on the new router');
      assert.match(nodeCalls('warn', 'r1').map((w) => String(w[0])).join('\n'), /dropped 1 desired route\(s\) that belonged to grpc 127\.0\.0\.1:\d+/);
      await eventually(() => stored('r1').retired === undefined, 10000, 'no to-delete list left');
    } finally {
      await helper.unload();
      await b.stop();
    }
  });
});
