/**
 * jet-router + jet-route-add / jet-route-delete in a real Node-RED runtime against the simulated
 * router over a real socket.
 */
import { strict as assert } from 'assert';
import { helper, load, roundTrip, statusMatching, FlowNode, useNodeRedHelper } from '../support/nodered';
import { waitFor, until } from '../support/wait';
import { JetSimulator } from '../../sim';

const CREDS = { r1: { username: 'lab', password: 'lab123' } };

function flow(port: number, extra: Partial<Record<string, unknown>> = {}): FlowNode[] {
  return [
    { id: 'r1', type: 'jet-router', host: '127.0.0.1', port: String(port), requestTimeout: '5', ...extra },
    {
      id: 'add',
      type: 'jet-route-add',
      router: 'r1',
      prefixes: '1.1.1.1/32',
      nexthops: '10.1.1.2',
      preference: '5',
      metric: 3,
      table: '',
      appId: '111:222',
      verify: true,
      wires: [['out']],
    },
    { id: 'del', type: 'jet-route-delete', router: 'r1', prefixes: '1.1.1.1/32', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

describe('route nodes on the simulated router', function () {
  let sim: JetSimulator;

  useNodeRedHelper();
  beforeEach(async () => {
    sim = await JetSimulator.start();
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('adds a route with next hop, preference and metric, then reports unchanged; deletes it, then unchanged', async () => {
    await load(flow(sim.thriftPort), CREDS);
    const add = helper.getNode('add');
    const del = helper.getNode('del');
    const out = helper.getNode('out');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);

    const m1 = await roundTrip(add, out, { payload: Date.now() });
    assert.deepEqual(
      m1.payload.results.map((r: any) => [r.prefix, r.table, r.status, r.errCode]),
      [['1.1.1.1/32', 'inet.0', 'added', 0]],
    );
    assert.equal(m1.payload.changed, true);
    assert.deepEqual(m1.payload.results[0].installed, ['10.1.1.2']);
    const entry = sim.rib.get('inet.0', '1.1.1.1/32');
    assert.ok(entry, 'route in the RIB');
    assert.deepEqual(entry.nexthops, ['10.1.1.2']);
    assert.equal(entry.preference, 5);
    assert.equal(entry.metric, 3);

    const m2 = await roundTrip(add, out, { payload: 'x'.length });
    assert.equal(m2.payload.results[0].status, 'unchanged');
    assert.match(m2.payload.results[0].message, /No configuration changes required/);
    assert.equal(m2.payload.changed, false);
    assert.equal(sim.thrift.errCount('RouteAdd', 2), 1);

    const m3 = await roundTrip(del, out, { payload: true });
    assert.equal(m3.payload.results[0].status, 'deleted');
    assert.equal(sim.rib.get('inet.0', '1.1.1.1/32'), undefined);
    const m4 = await roundTrip(del, out, { payload: true });
    assert.equal(m4.payload.results[0].status, 'unchanged');
    assert.equal(m4.payload.changed, false);
  });

  it('programs ECMP and IPv6 routes from msg.payload overrides, results in prefix order', async () => {
    await load(flow(sim.thriftPort), CREDS);
    const add = helper.getNode('add');
    const out = helper.getNode('out');
    const m = await roundTrip(add, out, {
      payload: { prefixes: '3.3.3.0/24, 2.2.2.0/24 4.4.0.0/16', nexthops: ['10.1.1.2', '10.1.1.3'], preference: '7', note: 'kept' },
    });
    assert.deepEqual(m.payload.results.map((r: any) => r.prefix), ['3.3.3.0/24', '2.2.2.0/24', '4.4.0.0/16']);
    assert.equal(m.payload.note, 'kept');
    for (const prefix of ['3.3.3.0/24', '2.2.2.0/24', '4.4.0.0/16']) {
      const e = sim.rib.get('inet.0', prefix);
      assert.ok(e, prefix);
      assert.deepEqual(e.nexthops, ['10.1.1.2', '10.1.1.3']);
      assert.equal(e.preference, 7);
    }
    const v6 = await roundTrip(add, out, { payload: { prefixes: '2001:DB8:1::/48', nexthops: '2001:db8::2' } });
    assert.deepEqual(v6.payload.results.map((r: any) => [r.prefix, r.table, r.status]), [['2001:db8:1::/48', 'inet6.0', 'added']]);
    assert.deepEqual(sim.rib.get('inet6.0', '2001:db8:1::/48')?.nexthops, ['2001:db8::2']);
  });

  it('refuses bad input with an error naming the field, and sends nothing', async () => {
    await load(flow(sim.thriftPort), CREDS);
    const add = helper.getNode('add');
    await statusMatching(add, /^connected/);
    const before = sim.thrift.counters.calls.RouteAdd ?? 0;
    const cases: Array<[unknown, RegExp]> = [
      [{ prefixes: '1.1.1.1/24' }, /prefixes: "1.1.1.1\/24" has host bits set/],
      [{ prefixes: '1.1.1.1/32', nexthops: '2001:db8::1' }, /nexthops: next hop 2001:db8::1 is IPv6/],
      [{ preference: -5 }, /preference: -5 is out of range/],
      [{ prefixes: ['1.1.1.1/32', 'bogus'] }, /prefixes: "bogus" is not a CIDR/],
      ['1.1.1.1/32', /msg.payload: a string/],
    ];
    for (const [payload, re] of cases) {
      const err = waitFor<[any]>(add, 'call:error', () => true);
      add.receive({ payload });
      const [call] = await err;
      assert.match(String(call.args[0]?.message ?? call.args[0]), re);
    }
    assert.equal(sim.thrift.counters.calls.RouteAdd ?? 0, before, 'no RouteAdd sent');
    assert.equal(sim.rib.size, 0);
  });

  it('shows login failed on a wrong password, sends no route call and does not retry in a tight loop', async () => {
    await load(flow(sim.thriftPort), { r1: { username: 'lab', password: 'wrong' } });
    const add = helper.getNode('add');
    const del = helper.getNode('del');
    const router = helper.getNode('r1');
    const scheduled = waitFor<[number]>(router.routes.backend, 'reconnect-scheduled');
    await Promise.all([statusMatching(add, /^login failed/), statusMatching(del, /^login failed/)]);
    const [delay] = await scheduled;
    assert.equal(delay, 30000, 'a rejected login waits the backoff cap');
    const err = waitFor<[any]>(add, 'call:error', () => true);
    add.receive({ payload: 1 });
    const [call] = await err;
    assert.match(String(call.args[0]?.message ?? call.args[0]), /login failed for user lab/);
    assert.equal(sim.thrift.counters.calls.RouteAdd ?? 0, 0);
    assert.equal(sim.thrift.counters.loginFailures, 1);
  });

  it('reconnects, logs in again and re-adds its routes after the router restarts', async () => {
    await load(flow(sim.thriftPort), CREDS);
    const add = helper.getNode('add');
    const out = helper.getNode('out');
    await roundTrip(add, out, { payload: { prefixes: '1.1.1.1/32 5.5.5.0/24' } });
    assert.equal(sim.rib.size, 2);
    const disconnected = statusMatching(add, /^disconnected/);
    const reconnected = disconnected.then(() => statusMatching(add, /^connected|^added/));
    await sim.restartThrift();
    await disconnected;
    assert.equal(sim.rib.size, 0, 'the router dropped the app routes with the session');
    await until(sim.rib, 'change', () => sim.rib.size === 2, 15000, 'routes re-added');
    assert.deepEqual(sim.rib.get('inet.0', '5.5.5.0/24')?.nexthops, ['10.1.1.2']);
    assert.equal(sim.thrift.counters.logins, 2);
    await reconnected;
    // The desired state is in the router node's context.
    const stored = helper.getNode('r1').context().get('desiredRoutes').desired;
    assert.deepEqual(stored.map((r: any) => r.prefix).sort(), ['1.1.1.1/32', '5.5.5.0/24']);
  });

  it('queues a call made while the router is down and sends it once the session is back', async () => {
    await load(flow(sim.thriftPort), CREDS);
    const add = helper.getNode('add');
    const out = helper.getNode('out');
    await statusMatching(add, /^connected/);
    const port = sim.thriftPort;
    const down = statusMatching(add, /^disconnected/);
    await sim.thrift.close();
    await down;
    const result = roundTrip(add, out, { payload: 1 });
    await sim.thrift.listen(port, '127.0.0.1');
    const m = await result;
    assert.equal(m.payload.results[0].status, 'added');
    assert.ok(sim.rib.get('inet.0', '1.1.1.1/32'));
  });

  it('detects a router that stops answering (half-open), tears the session down and rebuilds it', async () => {
    await load(flow(sim.thriftPort, { requestTimeout: '1' }), CREDS);
    const add = helper.getNode('add');
    await statusMatching(add, /^connected/);
    sim.thrift.setResponding(false);
    const err = waitFor<[any]>(add, 'call:error', () => true);
    const down = statusMatching(add, /^disconnected: no reply from the router within 1 s/);
    add.receive({ payload: 1 });
    const [call] = await err;
    assert.match(String(call.args[0]?.message ?? call.args[0]), /RouteAdd failed for 1 of 1 route\(s\): inet.0 1.1.1.1\/32: RouteAdd: no reply from the router within 1 s \(still desired: it is added when the session is back\)/);
    await down;
    sim.thrift.setResponding(true);
    await statusMatching(add, /^connected/);
    assert.equal(sim.thrift.counters.logins, 2, 'a new session logged in');
    // The router will not send the rising event again: the unanswered add is made on the new session.
    await until(sim.rib, 'change', () => sim.rib.get('inet.0', '1.1.1.1/32') !== undefined, 10000, 'route added on the new session');
  });

  it('an add of an existing route with other next hops is unchanged, says so, and keeps the installed route desired', async () => {
    await load(flow(sim.thriftPort), CREDS);
    const add = helper.getNode('add');
    const out = helper.getNode('out');
    await roundTrip(add, out, { payload: 1 });
    const m = await roundTrip(add, out, { payload: { nexthops: '10.1.1.3' } });
    assert.equal(m.payload.results[0].status, 'unchanged');
    assert.match(m.payload.results[0].message, /it stays via 10.1.1.2: delete it first to change its next hops/);
    assert.deepEqual(sim.rib.get('inet.0', '1.1.1.1/32')?.nexthops, ['10.1.1.2']);
    const stored = helper.getNode('r1').context().get('desiredRoutes').desired;
    assert.deepEqual(stored.map((r: any) => r.nexthops), [['10.1.1.2']]);
  });

  it('closes within the bound on redeploy even when the router hangs, leaving no session behind', async () => {
    await load(flow(sim.thriftPort), CREDS);
    await statusMatching(helper.getNode('add'), /^connected/);
    sim.thrift.setResponding(false);
    helper.getNode('add').receive({ payload: 1 });
    const t0 = Date.now();
    await helper.unload();
    assert.ok(Date.now() - t0 < 5000, 'close took less than 5 s');
    await until(sim.thrift, 'disconnect', () => sim.thrift.connections === 0, 5000, 'session closed');
  });

  it('fans the connection status out to every node of the router', async () => {
    await load(flow(sim.thriftPort), CREDS);
    await Promise.all(['add', 'del'].map((id) => statusMatching(helper.getNode(id), /^connected 127\.0\.0\.1:/)));
  });

  it('reports an unreachable router as disconnected with the reason', async () => {
    const port = sim.thriftPort;
    await sim.stop();
    await load(flow(port), CREDS);
    await statusMatching(helper.getNode('add'), /^disconnected: connection refused/);
  });
});
