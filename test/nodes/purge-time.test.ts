/**
 * The jet-router's purge time (gRPC RoutePurgeTimerAdd) in a real Node-RED runtime against the
 * simulated router: the IDL's range is 1 to 1,000 s (docs/protocol.md §6), and a value outside
 * it, as an imported flow may carry, is never sent (the router would refuse it at every login):
 * one warning, the router's default, a session that comes up. Empty sends nothing either, and the
 * router keeps the routes for its own default (120 s), so routes outlive a reconnect.
 */
import { strict as assert } from 'assert';
import { helper, load, roundTrip, statusMatching, FlowNode } from '../support/nodered';
import { nodeCalls, runtimeFixture } from '../support/fault';
import { JetSimulator, RibChange } from '../../sim';
import { ROUTER_PURGE_TIME_S } from '../../lib/core/defaults';

const CREDS = { r1: { username: 'lab', password: 'lab123' } };

function flow(port: number, purgeTime: unknown): FlowNode[] {
  return [
    { id: 'r1', type: 'jet-router', api: 'grpc', host: '127.0.0.1', port: String(port), requestTimeout: '5', purgeTime },
    { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

describe('jet-router purge time (RoutePurgeTimerAdd, 1..1000 s)', function () {
  this.timeout(30000);
  let sim: JetSimulator;
  const runtime = runtimeFixture();
  beforeEach(async () => {
    sim = await runtime.startSim({ sampling: false, thriftPort: false });
  });

  /** Deploys the flow and adds one route; resolves with the router node's warnings. */
  async function deployAndAdd(purgeTime: unknown): Promise<string[]> {
    await load(flow(sim.grpcPort, purgeTime), CREDS);
    const add = helper.getNode('add');
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    const m = await roundTrip(add, helper.getNode('out'), { payload: 1 });
    assert.equal(m.payload.results[0].status, 'added');
    return nodeCalls('warn', 'r1').map((a) => String(a[0]));
  }

  for (const purgeTime of ['5000', '86400', '0', 0, '-5', 'soon']) {
    it(`an out-of-range or unreadable value from an imported flow (${JSON.stringify(purgeTime)}): one warning, nothing sent, the session comes up`, async () => {
      const warnings = await deployAndAdd(purgeTime);
      assert.equal(warnings.length, 1, warnings.join(' | '));
      assert.match(warnings[0], /^purgeTime: .*; not sent: the router keeps this client's routes for its own default purge time \(120 s\) after a session ends$/);
      assert.match(warnings[0], /1\.\.1000/);
      assert.equal(sim.grpc.counters.calls.RoutePurgeTimerAdd ?? 0, 0, 'no RoutePurgeTimerAdd');
      assert.equal(sim.grpc.counters.logins, 1, 'one login: no reconnect loop');
      assert.equal(sim.grpc.purgeTimeOf(sim.grpc.sessionList()[0].clientId), ROUTER_PURGE_TIME_S);
    });
  }

  for (const purgeTime of ['1', ' 300 ', 1000]) {
    it(`a value in range (${JSON.stringify(purgeTime)}) is sent at the login, no warning`, async () => {
      const warnings = await deployAndAdd(purgeTime);
      assert.deepEqual(warnings, []);
      assert.equal(sim.grpc.counters.calls.RoutePurgeTimerAdd, 1);
      assert.equal(sim.grpc.purgeTimeOf(sim.grpc.sessionList()[0].clientId), Number(String(purgeTime).trim()));
    });
  }

  it('empty: nothing sent, no warning; the router keeps the routes for its default (120 s), so a reconnect finds them', async () => {
    const warnings = await deployAndAdd('');
    assert.deepEqual(warnings, []);
    assert.equal(sim.grpc.counters.calls.RoutePurgeTimerAdd ?? 0, 0);
    const clientId = sim.grpc.sessionList()[0].clientId;
    assert.equal(sim.grpc.purgeTimeOf(clientId), 120);
    const logins = sim.grpc.counters.logins;
    const initialised = sim.grpc.counters.calls.RouteInitialize ?? 0;
    const changes: RibChange[] = [];
    sim.rib.on('change', (c: RibChange) => changes.push(c));
    sim.grpc.closeAllConnections();
    await statusMatching(helper.getNode('add'), /^connected 127\.0\.0\.1:/);
    assert.ok(sim.grpc.counters.logins > logins && (sim.grpc.counters.calls.RouteInitialize ?? 0) > initialised);
    assert.ok(sim.rib.get('inet.0', '1.1.1.1/32'), 'kept across the reconnect');
    assert.deepEqual(changes.filter((c) => c.op === 'purge' || c.op === 'delete').map((c) => `${c.op} ${c.entry.prefix}`), [], 'never purged: no gap');
    assert.equal(sim.rib.clientRoutes(clientId).length, 1);
  });
});
