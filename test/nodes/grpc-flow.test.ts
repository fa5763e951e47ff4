/**
 * The sample flow as it ships (jet-router on gRPC, purge time 60 s) end to end in a real Node-RED
 * runtime against the simulator: RMON events from its MQTT broker, routes over JET gRPC. A full
 * redeploy leaves the installed route in the RIB the whole time (the router keeps it for the purge
 * time; the new session adopts it); a gRPC node pointed at a Thrift port says which API to pick.
 * The event node looks ge-0/0/0.0 up and sets the RMON alarm up (issue 18): on a router without it
 * (as `npm start` runs the simulator) the deploy commits it once and a redeploy commits nothing;
 * the sample flow as saved before (ifIndex 541) works as it did, with no management call.
 */
import { strict as assert } from 'assert';
import { helper, load, sampleFlow, statusMatching } from '../support/nodered';
import { waitFor } from '../support/wait';
import { deploy, eventually, lastStatus, nodeCalls, SAMPLE, SAMPLE_CAPTURE, runtimeFixture } from '../support/fault';
import type { GrpcCallInfo, RibChange } from '../../sim';
import { PACKAGE_NAME } from '../../lib/core/defaults';

const CREDS = { [SAMPLE.router]: { username: 'lab', password: 'lab123' } };

function next(id: string): Promise<Record<string, any>> {
  return waitFor<[Record<string, any>]>(helper.getNode(id), 'input', () => true, 15000, `a message at ${id}`).then(([m]) => m);
}

describe('sample flow on JET gRPC (as shipped)', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  it('rising event adds the route over gRPC; a full redeploy keeps it installed with no gap; falling deletes it', async () => {
    const s = await fx.startSim({ sampling: false });
    // Only where the simulator listens changes: api "grpc" and purgeTime 60 come from the flow file.
    const flow = sampleFlow(SAMPLE.file, SAMPLE_CAPTURE, { host: '127.0.0.1', port: String(s.grpcPort), notificationPort: String(s.mqttPort) });
    const router = flow.find((n) => n.type === 'jet-router')!;
    assert.equal(router.api, 'grpc');
    assert.equal(router.purgeTime, '60');
    await load(flow, CREDS);
    await Promise.all([statusMatching(helper.getNode(SAMPLE.add), /^connected 127\.0\.0\.1:/), statusMatching(helper.getNode(SAMPLE.event), /^listening: ge-0\/0\/0\.0 → ifIndex 5/)]);
    // The simulator starts with the lab's alarm: the node's settings are those, nothing to commit.
    assert.equal(s.management.commitCount, 0);

    const added = next(SAMPLE.added);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added).payload.results[0].status, 'added');
    const entry = s.rib.get('inet.0', '1.1.1.1/32');
    assert.ok(entry, 'installed');
    assert.deepEqual(entry.nexthops, ['10.1.1.2']);
    assert.equal(entry.preference, 5);

    // A full redeploy: the old session ends, a new one logs in with the same client id.
    const changes: RibChange[] = [];
    const onChange = (c: RibChange): void => {
      changes.push(c);
    };
    s.rib.on('change', onChange);
    const before = helper.getNode(SAMPLE.router);
    await deploy(flow, 'full');
    const fresh = (): any => helper.getNode(SAMPLE.router);
    await eventually(() => fresh() !== before && fresh()?.hub.rpc.status.state === 'connected', 15000, 'the new router node logged in');
    await eventually(() => fresh()?.hub.notifications.status.state === 'connected', 15000, 'the new event subscription');
    const replayed = s.rib.get('inet.0', '1.1.1.1/32');
    s.rib.off('change', onChange);
    assert.ok(replayed, 'still installed after the redeploy');
    assert.deepEqual(
      changes.filter((c) => c.entry.prefix === '1.1.1.1/32' && (c.op === 'delete' || c.op === 'purge')),
      [],
      'never deleted or purged: no gap in the RIB',
    );

    // The flow still works on the new session: the falling event deletes the route.
    const deleted = next(SAMPLE.deleted);
    await s.rmon.setRate(541, 0, true);
    assert.equal((await deleted).payload.results[0].status, 'deleted');
    assert.equal(s.rib.get('inet.0', '1.1.1.1/32'), undefined);
  });

  it('a gRPC router node pointed at a Thrift port says so in the route nodes\' status', async () => {
    const s = await fx.startSim({ sampling: false });
    const flow = sampleFlow(SAMPLE.file, SAMPLE_CAPTURE, { host: '127.0.0.1', port: String(s.thriftPort), notificationPort: String(s.mqttPort) });
    await load(flow, CREDS);
    const [st] = await statusMatching(helper.getNode(SAMPLE.add), /^disconnected: speaks Thrift JET, not gRPC: set API to Thrift$/);
    assert.equal(st.args[0].fill, 'red');
  });

  it('as `npm start` runs it (a router without the RMON alarm): the deploy commits the alarm once, a redeploy nothing; traffic adds the route', async () => {
    const s = await fx.startSim({ sampling: false, alarms: [] });
    const flow = sampleFlow(SAMPLE.file, SAMPLE_CAPTURE, { host: '127.0.0.1', port: String(s.grpcPort), notificationPort: String(s.mqttPort) });
    await load(flow, CREDS);
    await eventually(() => s.management.commitCount === 1, 15000, 'the alarm committed');
    assert.deepEqual(
      s.management.commitHistory().map((h) => [h.user, h.comment]),
      [['lab', `${PACKAGE_NAME}: jet-rmon-event ${SAMPLE.event}`]],
    );
    assert.deepEqual(
      s.rmon.alarms().map((a) => [a.index, a.variable, a.rising, a.falling, a.subtag]),
      [[1, 'ifIn1SecRate.541', 1024, 1023, 'IFINDEX541']],
    );
    await deploy(flow, 'full');
    await eventually(() => helper.getNode(SAMPLE.event) && /^listening: ge-0\/0\/0\.0 → ifIndex 5/.test(lastStatus(SAMPLE.event)), 15000, 'the redeployed node listening');
    await eventually(
      () => nodeCalls('log', SAMPLE.event).some((a) => /nothing committed/.test(String(a[0]))),
      15000,
      'the redeployed node found the alarm committed',
    );
    assert.equal(s.management.commitCount, 1);
    const added = next(SAMPLE.added);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added).payload.results[0].status, 'added');
  });

  it('the sample flow as saved with ifIndex 541 (before the interface lookup): as before, with no management call', async () => {
    const s = await fx.startSim({ sampling: false });
    const calls: GrpcCallInfo[] = [];
    s.grpc.on('call', (c: GrpcCallInfo) => calls.push(c));
    const flow = sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, { host: '127.0.0.1', api: 'grpc', port: String(s.grpcPort), notificationPort: String(s.mqttPort) });
    assert.equal(flow.find((n) => n.type === 'jet-rmon-event')!.ifIndex, '541');
    await load(flow, CREDS);
    await Promise.all([statusMatching(helper.getNode(SAMPLE.add), /^connected 127\.0\.0\.1:/), statusMatching(helper.getNode(SAMPLE.event), /^listening: ifIndex 541( ·|$)/)]);
    const added = next(SAMPLE.added);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added).payload.results[0].status, 'added');
    assert.deepEqual(calls.filter((c) => c.method === 'OpCommandGet' || c.method === 'ConfigSet'), []);
    assert.equal(s.management.commitCount, 0);
  });
});
