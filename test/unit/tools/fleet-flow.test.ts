/**
 * tools/fleet-flow.ts: the flow for N routers × M watched interfaces follows the fleet's port plan
 * (sim/fleet-plan.ts), every wire and reference points at a node of the flow, ids are unique, no
 * credentials are written, and the command line writes importable JSON.
 */
import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import { backupPrefixes, fleetFlow, FlowNode, nodeId, readArgs, ROLE, withCredentials } from '../../../tools/fleet-flow';
import { DIST } from '../../support/paths';

const byType = (flow: FlowNode[], type: string): FlowNode[] => flow.filter((n) => n.type === type);

describe('fleet flow generator', () => {
  it('makes, per router, a tab, a jet-router, M event and prefix nodes, one threshold, one add and one delete', () => {
    const cli = readArgs(['--routers', '50', '--interfaces', '10', '--prefixes', '10']);
    const flow = fleetFlow(cli);
    assert.equal(byType(flow, 'tab').length, 50);
    assert.equal(byType(flow, 'jet-router').length, 50);
    assert.equal(byType(flow, 'jet-rmon-event').length, 500);
    assert.equal(byType(flow, 'change').length, 500);
    assert.equal(byType(flow, 'jet-threshold').length, 50);
    assert.equal(byType(flow, 'jet-route-add').length, 50);
    assert.equal(byType(flow, 'jet-route-delete').length, 50);
    assert.equal(new Set(flow.map((n) => n.id)).size, flow.length, 'unique ids');
    const ids = new Set(flow.map((n) => n.id));
    for (const n of flow) {
      for (const out of (n.wires as string[][] | undefined) ?? []) for (const id of out) assert.ok(ids.has(id), `${n.id} wires to ${id}`);
      if (typeof n.router === 'string') assert.ok(ids.has(n.router), `${n.id}'s router`);
      if (typeof n.z === 'string') assert.ok(ids.has(n.z), `${n.id}'s tab`);
      for (const id of (n.scope as string[] | undefined) ?? []) assert.ok(ids.has(id), `${n.id}'s catch scope`);
      assert.equal(n.credentials, undefined, 'no credentials');
    }
    assert.doesNotMatch(JSON.stringify(flow), /lab123|"password"|"username"/);
  });

  it('points router k at the plan\'s ports, its event nodes at ifIndex 541.., its interfaces at their backup prefixes', () => {
    const flow = fleetFlow(readArgs(['--routers', '3', '--interfaces', '2', '--prefixes', '2', '--grpc-port', '40000', '--mqtt-port', '41000']));
    const r2 = flow.find((n) => n.id === nodeId(2, ROLE.router))!;
    assert.equal(r2.type, 'jet-router');
    assert.equal(r2.api, 'grpc');
    assert.equal(r2.host, '127.0.0.1');
    assert.equal(r2.port, '40002');
    assert.equal(r2.notificationPort, '41002');
    assert.equal(r2.name, 'jet-sim-2');
    const ev = flow.find((n) => n.id === nodeId(2, ROLE.event, 1))!;
    assert.equal(ev.ifIndex, '542');
    assert.equal(ev.router, r2.id);
    assert.deepEqual(ev.wires, [[nodeId(2, ROLE.prefixes, 1)]]);
    const prefixes = flow.find((n) => n.id === nodeId(2, ROLE.prefixes, 1))!;
    assert.deepEqual(prefixes.rules, [{ t: 'set', p: 'payload.prefixes', pt: 'msg', to: '10.2.1.1/32 10.2.1.2/32', tot: 'str' }]);
    assert.deepEqual(backupPrefixes(2, 1, 2), ['10.2.1.1/32', '10.2.1.2/32']);
    const th = flow.find((n) => n.id === nodeId(2, ROLE.threshold))!;
    assert.equal(th.key, 'topic');
    assert.deepEqual(th.wires, [[nodeId(2, ROLE.add)], [nodeId(2, ROLE.del)], [nodeId(2, ROLE.unchanged)]]);
    const add = flow.find((n) => n.id === nodeId(2, ROLE.add))!;
    assert.equal(add.router, r2.id);
    assert.equal(add.nexthops, '10.1.1.2');
    assert.equal(add.metric, '', 'gRPC routes have no metric');
    const thrift = fleetFlow(readArgs(['--routers', '2', '--api', 'thrift', '--thrift-port', '9500']));
    assert.deepEqual(byType(thrift, 'jet-router').map((r) => [r.api, r.port]), [['thrift', '9500'], ['thrift', '9501']]);
    assert.equal(byType(thrift, 'jet-route-add')[0].metric, '3');
    assert.equal(byType(fleetFlow(readArgs([])), 'jet-rmon-event').length, 10, 'one router, 10 interfaces by default');
    const withCreds = withCredentials(flow, { username: 'u', password: 'p' });
    assert.deepEqual(byType(withCreds, 'jet-router')[0].credentials, { username: 'u', password: 'p' });
    assert.equal(byType(flow, 'jet-router')[0].credentials, undefined, 'the flow itself unchanged');
  });

  for (const [bad, message] of [
    [['--routers', '257'], /--routers: not a whole number 1\.\.256/],
    [['--interfaces', '0'], /--interfaces: not a whole number/],
    [['--prefixes', '256'], /--prefixes: not a whole number 1\.\.255/],
    [['--api', 'rest'], /--api: grpc or thrift/],
    [['--grpc-port', '0'], /--grpc-port: not a whole number 1\.\.65535/],
    [['--bogus'], /Unknown option '--bogus'/],
  ] as const) {
    it(`rejects ${bad.join(' ')}`, () => {
      assert.throws(() => readArgs(bad), message);
    });
  }

  it('writes the flow as JSON on stdout from the command line', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [path.join(DIST, 'tools', 'fleet-flow.js'), '--routers', '2', '--interfaces', '3'], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const flow = JSON.parse(out) as FlowNode[];
    assert.equal(byType(flow, 'jet-router').length, 2);
    assert.equal(byType(flow, 'jet-rmon-event').length, 6);
    assert.deepEqual(byType(flow, 'jet-router').map((r) => r.port), ['32767', '32768']);
  });
});
