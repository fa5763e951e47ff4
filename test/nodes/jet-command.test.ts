/**
 * jet-command in a real Node-RED runtime against the simulator's JET management API: operational
 * commands (CLI text in msg.payload, an XML RPC in msg.xml) with JSON parsed, XML and CLI text;
 * configuration mode (set lines loaded and committed with the node's comment, the RMON engine
 * running them); the router's refusals (unknown interface, a locked configuration, a syntax error)
 * reach a Catch node with its words and turn the status red; a Thrift router: a clear error.
 */
import { strict as assert } from 'assert';
import { helper, load, roundTrip, statusMatching, FlowNode } from '../support/nodered';
import { waitFor } from '../support/wait';
import { eventually, lastStatus, runtimeFixture } from '../support/fault';
import { PACKAGE_NAME } from '../../lib/core/defaults';
import type { JetSimulator } from '../../sim';

const CREDS = { 'router-cmd': { username: 'lab', password: 'lab123' } };

function flow(s: JetSimulator, nodes: Array<Record<string, unknown> & { id: string }>, api: 'grpc' | 'thrift' = 'grpc'): FlowNode[] {
  return [
    { id: 'tab-cmd', type: 'tab' },
    { id: 'router-cmd', type: 'jet-router', api, host: '127.0.0.1', port: String(api === 'grpc' ? s.grpcPort : s.thriftPort), notificationPort: String(s.mqttPort) },
    ...nodes.map((n) => ({ z: 'tab-cmd', type: 'jet-command', router: 'router-cmd', wires: [[`out-${n.id}`]], ...n })),
    ...nodes.map((n) => ({ id: `out-${n.id}`, z: 'tab-cmd', type: 'helper' })),
  ];
}

/** Sends `msg` and resolves with the error the node reported (done(err): what a Catch node gets). */
function failure(id: string, msg: Record<string, unknown>): Promise<string> {
  const node = helper.getNode(id);
  const got = waitFor<[any]>(node, 'call:error', () => true, 15000, `an error from ${id}`).then(([call]) => String(call.args[0]?.message ?? call.args[0]));
  node.receive(msg);
  return got;
}

describe('jet-command (Node-RED runtime, simulated router)', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  it('operational commands: CLI text parsed as JSON, an XML RPC, XML and CLI text', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(
      flow(s, [
        { id: 'cmd-json', format: 'json' },
        { id: 'cmd-xml', format: 'xml' },
        { id: 'cmd-cli', format: 'cli' },
      ]),
      CREDS,
    );
    const json = await roundTrip(helper.getNode('cmd-json'), helper.getNode('out-cmd-json'), { payload: 'show interfaces ge-0/0/0.0' });
    assert.equal(typeof json.payload, 'object');
    assert.match(JSON.stringify(json.payload), /"snmp-index":\[\{"data":"541"\}\]/);
    await eventually(() => /^ran show interfaces ge-0\/0\/0\.0$/.test(lastStatus('cmd-json')), 15000, () => `status of cmd-json: ${lastStatus('cmd-json')}`);

    const rpc = await roundTrip(helper.getNode('cmd-json'), helper.getNode('out-cmd-json'), {
      xml: '<get-interface-information><interface-name>ge-0/0/0</interface-name></get-interface-information>',
    });
    assert.match(JSON.stringify(rpc.payload), /"snmp-index":\[\{"data":"513"\}\]/);

    const xml = await roundTrip(helper.getNode('cmd-xml'), helper.getNode('out-cmd-xml'), { payload: 'show interfaces ge-0/0/0.0' });
    assert.match(xml.payload, /<snmp-index>541<\/snmp-index>/);
    const cli = await roundTrip(helper.getNode('cmd-cli'), helper.getNode('out-cmd-cli'), { payload: 'show interfaces ge-0/0/0.0' });
    assert.match(cli.payload, /SNMP ifIndex 541/);
    assert.equal(s.management.commitCount, 0);
  });

  it("configuration mode: set lines loaded and committed with the node's comment", async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s, [{ id: 'cmd-cfg', name: 'thresholds', configuration: true }]), CREDS);
    const lines = ['set snmp rmon alarm 1 rising-threshold 5000', 'set snmp rmon alarm 1 falling-threshold 4000'];
    const out = await roundTrip(helper.getNode('cmd-cfg'), helper.getNode('out-cmd-cfg'), { payload: lines.join('\n') });
    const comment = `${PACKAGE_NAME}: jet-command thresholds`;
    assert.deepEqual(out.payload, { committed: true, lines: 2, comment });
    assert.deepEqual(
      s.management.commitHistory().map((h) => h.comment),
      [comment],
    );
    assert.equal(s.rmon.alarms()[0].rising, 5000);
    await eventually(() => /^committed 2 line\(s\)$/.test(lastStatus('cmd-cfg')), 15000, () => `status of cmd-cfg: ${lastStatus('cmd-cfg')}`);
  });

  it("the router's refusals and bad input reach Catch with a red status; nothing is committed", async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s, [{ id: 'cmd-op' }, { id: 'cmd-set', configuration: 'true' }]), CREDS);
    await statusMatching(helper.getNode('cmd-op'), /^connected/);
    assert.match(await failure('cmd-op', { payload: 'show interfaces ge-9/9/9.0' }), /ge-9\/9\/9\.0 not found/);
    await eventually(() => /^failed: /.test(lastStatus('cmd-op')), 15000, () => `status of cmd-op: ${lastStatus('cmd-op')}`);
    assert.match(await failure('cmd-op', { payload: 42 }), /^msg\.payload: expected a Junos operational command/);
    await eventually(() => /^invalid input: /.test(lastStatus('cmd-op')), 15000, () => `status of cmd-op: ${lastStatus('cmd-op')}`);

    s.management.lock('admin');
    assert.match(await failure('cmd-set', { payload: 'set snmp rmon alarm 1 rising-threshold 5000' }), /configuration database locked by: admin/);
    s.management.unlock();
    assert.match(await failure('cmd-set', { payload: 'set snmp rmon alarm 1 no-such-statement 5' }), /\S/);
    assert.match(await failure('cmd-set', { payload: ['', '# nothing'] }), /no configuration lines/);
    assert.equal(s.management.commitCount, 0);
  });

  it('a Thrift router: a clear error and status', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s, [{ id: 'cmd-t' }], 'thrift'), CREDS);
    await eventually(() => /^needs a gRPC router \(this one is Thrift\)$/.test(lastStatus('cmd-t')), 15000, () => `status of cmd-t: ${lastStatus('cmd-t')}`);
    assert.match(await failure('cmd-t', { payload: 'show version' }), /^jet-command needs a gRPC router/);
  });
});
