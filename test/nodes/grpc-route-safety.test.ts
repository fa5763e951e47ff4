/**
 * Route safety on gRPC in a real Node-RED runtime (issue 20, items 1 and 2): the simulator answers a
 * message's RouteAdd with a gRPC status of the whole call, or with TRY_AGAIN. The route node reports an
 * outcome for the message at once (failed, unanswered: "still desired"); the route stays desired and
 * the router node sends it again until the router takes it.
 */
import { strict as assert } from 'assert';
import { helper, load, roundTrip, statusMatching, FlowNode } from '../support/nodered';
import { until } from '../support/wait';
import { runtimeFixture } from '../support/fault';

const CREDS = { r1: { username: 'lab', password: 'lab123' } };

function flow(port: number): FlowNode[] {
  return [
    { id: 'r1', type: 'jet-router', api: 'grpc', host: '127.0.0.1', port: String(port), purgeTime: '60' },
    { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

describe('gRPC route safety in Node-RED: unanswered outcomes, routes kept and sent again', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  for (const fault of [{ status: 'RESOURCE_EXHAUSTED' }, { subCode: 'TRY_AGAIN' }]) {
    const name = fault.status ?? fault.subCode;
    it(`${name} to the message's RouteAdd: an unanswered outcome at once, the route still desired and added by a retry`, async () => {
      const s = await fx.startSim({ thriftPort: false, sampling: false });
      await load(flow(s.grpcPort), CREDS);
      const add = helper.getNode('add');
      await statusMatching(add, /^connected 127\.0\.0\.1:/);
      s.grpc.faults.add({ method: 'RouteAdd|RouteUpdate', ...fault, count: 1 });
      const m = await roundTrip(add, helper.getNode('out'), { payload: { prefixes: '5.5.5.0/24' } });
      const [r] = m.payload.results;
      assert.equal(r.status, 'failed');
      assert.match(r.message, new RegExp(`${name}.*still desired: it is sent again shortly`));
      await until(s.rib, 'change', () => s.rib.get('inet.0', '5.5.5.0/24') !== undefined, 20000, 'the route added by a retry');
      const state = helper.getNode('r1').context().get('desiredRoutes');
      assert.deepEqual(state.desired.map((d: any) => d.prefix), ['5.5.5.0/24']);
      assert.deepEqual(fx.unhandled(), []);
    });
  }
});
