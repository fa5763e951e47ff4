/**
 * Routes only where they are wanted (issue: intents bound to their owner), in a real Node-RED
 * runtime against the simulator: the router keys a route by (table, prefix), the nodes' intents
 * by (app id, table, prefix), so a route another application owns is never taken for ours, a
 * delete under another app id says it left the route, and a desired route the router refuses at a
 * replay is dropped and shown, not re-sent at every login.
 */
import { strict as assert } from 'assert';
import { helper, load, roundTrip, statusMatching, FlowNode } from '../support/nodered';
import { waitFor } from '../support/wait';
import { eventually, nodeCalls, runtimeFixture } from '../support/fault';
import { JetSimulator } from '../../sim';
import { jetGrpc } from '../../lib/grpc/proto';
import * as grpc from '@grpc/grpc-js';

const CREDS = { r1: { username: 'lab', password: 'lab123' } };

function flow(router: Record<string, unknown>, addApp = '111:222', delApp = '111:222'): FlowNode[] {
  return [
    { id: 'r1', type: 'jet-router', host: '127.0.0.1', requestTimeout: '5', ...router },
    { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', appId: addApp, wires: [['out']] },
    { id: 'del', type: 'jet-route-delete', router: 'r1', prefixes: '1.1.1.1/32', appId: delApp, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

/** The router node is connected and its session has nothing queued or in flight. */
function idle(): boolean {
  const r = helper.getNode('r1');
  const load = r.routes?.backend.load;
  return r.hub.rpc.status.state === 'connected' && load?.queued === 0 && load?.inFlight === 0;
}

function desiredPrefixes(): string[] {
  const state = helper.getNode('r1').context().get('desiredRoutes') as { desired: Array<{ prefix: string; appId: string }> } | undefined;
  return (state?.desired ?? []).map((r) => `${r.appId} ${r.prefix}`);
}

describe('route intents bound to their owner', function () {
  this.timeout(30000);
  let sim: JetSimulator;
  const runtime = runtimeFixture();
  beforeEach(async () => {
    sim = await runtime.startSim({ sampling: false });
  });

  it('Thrift: an add answered "exists" for another app\'s route is not recorded, warns, and never comes back after the other app\'s route goes', async () => {
    // Another application (another app id, its own session) holds 1.1.1.1/32 via 10.9.9.9.
    const other = sim.rib.add(
      { app_id: 'other:1', prefix: '1.1.1.1/32', nexthops: [{ nexthop_address: { nexthop_ip: '10.9.9.9' } }] },
      { sessionId: 999, clientId: 'other' },
    );
    assert.equal(other.errCode, 0);
    await load(flow({ api: 'thrift', port: String(sim.thriftPort) }), CREDS);
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    const m = await roundTrip(add, helper.getNode('out'), { payload: 1 });
    const [r] = m.payload.results;
    assert.equal(r.status, 'unchanged');
    assert.match(r.warning, /exists on the router but is not this node's route \(app id 111:222\): left as it is, not recorded as desired/);
    assert.equal(nodeCalls('warn', 'add').length, 1, 'warned');
    assert.deepEqual(desiredPrefixes(), [], 'not this app\'s intent');
    // The other app's route goes (its router session ended); our session restarts: nothing of
    // ours comes back with the other app's next hop.
    sim.rib.purgeApp('other:1');
    const logins = sim.thrift.counters.logins;
    sim.thrift.closeAllConnections();
    await eventually(() => sim.thrift.counters.logins === logins + 1 && sim.thrift.connections === 1, 10000, 'logged in again');
    await eventually(() => idle(), 10000, 'connected, nothing in flight');
    assert.equal(sim.rib.get('inet.0', '1.1.1.1/32'), undefined, 'not replayed');
  });

  it('Thrift: a route is this node\'s by its record of adding it, never by RouteGet: recorded, "exists" is unchanged; unrecorded, it is left alone', async () => {
    await load(flow({ api: 'thrift', port: String(sim.thriftPort) }), CREDS);
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    const first = await roundTrip(add, helper.getNode('out'), { payload: 1 });
    assert.equal(first.payload.results[0].status, 'added');
    // Added and acknowledged on this session: an add of it again is "unchanged", its own, no warning.
    const again = await roundTrip(add, helper.getNode('out'), { payload: 1 });
    assert.equal(again.payload.results[0].status, 'unchanged');
    assert.equal(again.payload.results[0].warning, undefined);
    assert.deepEqual(desiredPrefixes(), ['111:222 1.1.1.1/32']);
    // The node's record of it lost: RouteGet still lists the route under this app id, but a RouteGet
    // answer names no session (another node sharing the app id would look the same): not adopted.
    const state = helper.getNode('r1').hub.routes.state;
    state.desired.remove('111:222', 'inet.0', '1.1.1.1/32');
    state.acknowledged.remove('111:222', 'inet.0', '1.1.1.1/32');
    const gets = sim.thrift.counters.calls.RouteGet ?? 0;
    const lost = await roundTrip(add, helper.getNode('out'), { payload: 1 });
    assert.equal(lost.payload.results[0].status, 'unchanged');
    assert.match(lost.payload.results[0].warning, /not this node's route \(app id 111:222\): left as it is, not recorded as desired/);
    assert.equal(sim.thrift.counters.calls.RouteGet ?? 0, gets, 'no RouteGet asked whose route it is');
    assert.deepEqual(state.desired.list(), []);
    assert.equal(helper.getNode('r1').routes.runningKeys, 0, 'no per-prefix bookkeeping left once the calls are done');
  });

  it('Thrift: a delete under another app id than the add says it left the route in place', async () => {
    await load(flow({ api: 'thrift', port: String(sim.thriftPort) }, '111:222', '333:444'), CREDS);
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    assert.equal((await roundTrip(add, helper.getNode('out'), { payload: 1 })).payload.results[0].status, 'added');
    const m = await roundTrip(helper.getNode('del'), helper.getNode('out'), { payload: 1 });
    const [r] = m.payload.results;
    assert.equal(r.status, 'unchanged');
    assert.match(r.warning, /inet\.0 1\.1\.1\.1\/32 is desired under app id 111:222, not 333:444: this delete left that route in place/);
    assert.equal(nodeCalls('warn', 'del').length, 1);
    assert.ok(sim.rib.get('inet.0', '1.1.1.1/32'), 'still installed');
    assert.deepEqual(desiredPrefixes(), ['111:222 1.1.1.1/32']);
  });

  it('gRPC: a desired route the router refuses at the replay is dropped, warned about once, and counted in the route nodes\' status', async () => {
    // A router that purges a client's routes as its session ends (purge time 0, not the default 120 s).
    await sim.stop();
    sim = await runtime.startSim({ sampling: false, defaultPurgeTimeS: 0 });
    await load(flow({ api: 'grpc', port: String(sim.grpcPort) }), CREDS);
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    assert.equal((await roundTrip(add, helper.getNode('out'), { payload: 1 })).payload.results[0].status, 'added');
    // Our session drops (purge time 0: the router drops our route); another client takes the prefix.
    const g = jetGrpc();
    const md = new grpc.Metadata();
    md.set('client-id', 'someone-else');
    const creds = grpc.credentials.createInsecure();
    const auth = new g.jnx.jet.authentication.Authentication(`127.0.0.1:${sim.grpcPort}`, creds);
    const rib = new g.jnx.jet.routing.rib.Rib(`127.0.0.1:${sim.grpcPort}`, creds, { channelOverride: auth.getChannel() });
    try {
      const unary = <T>(fn: (cb: (err: grpc.ServiceError | null, r?: T) => void) => void): Promise<T> =>
        new Promise((resolve, reject) => fn((err, r) => (err ? reject(err) : resolve(r as T))));
      const warnsBefore = nodeCalls('warn', 'r1').length;
      const down = waitFor(sim.rib, 'change', (c: { op: string }) => c.op === 'purge', 10000, 'our route purged');
      sim.grpc.closeAllConnections();
      await down;
      await unary((cb) => auth.Login({ username: 'lab', password: 'lab123', client_id: 'someone-else' }, md, cb));
      await unary((cb) => rib.RouteInitialize({}, md, cb));
      const taken = await unary<{ sub_code: string }>((cb) =>
        rib.RouteAdd(
          {
            routes: [
              {
                key: { dest_prefix: { inet: { addr_string: '1.1.1.1' } }, dest_prefix_len: 32, table: { name: { name: 'inet.0' } } },
                nexthop: { gateways: [{ gateway_address: { inet: { addr_string: '10.9.9.9' } } }] },
              },
            ],
          },
          md,
          cb,
        ),
      );
      assert.equal(taken.sub_code, 'SUCCESS');
      // Our node logs in again and replays: RouteUpdate meets the other client's route.
      const [st] = await statusMatching(add, /desired route\(s\) refused at the replay/);
      assert.equal(st.args[0].fill, 'yellow');
      assert.match(st.args[0].text ?? '', /^1 desired route/);
      assert.deepEqual(desiredPrefixes(), [], 'dropped from the desired set');
      const warns = nodeCalls('warn', 'r1').slice(warnsBefore).map((a) => String(a[0]));
      assert.equal(warns.filter((w) => /refused desired route inet\.0 1\.1\.1\.1\/32/.test(w)).length, 1, warns.join(' | '));
      assert.deepEqual(sim.rib.get('inet.0', '1.1.1.1/32')?.nexthops, ['10.9.9.9'], 'the other client\'s route untouched');
      // A later login does not send it again.
      const updates = sim.grpc.counters.calls.RouteUpdate ?? 0;
      const logins = sim.grpc.counters.logins;
      sim.grpc.closeAllConnections();
      await eventually(() => sim.grpc.counters.logins > logins && idle(), 10000, 'logged in again, nothing in flight');
      assert.equal(sim.grpc.counters.calls.RouteUpdate ?? 0, updates, 'not re-sent');
    } finally {
      rib.close();
      auth.close();
    }
  });
});
