/**
 * The generated fleet flow (tools/fleet-flow.ts) deployed into a real Node-RED runtime against a
 * simulated fleet (sim/fleet.ts, as `jet-sim --routers 3 --interfaces 2`): every router node logs in
 * and every event node subscribes on its own router; raising the traffic of one interface of router 2
 * through the fleet's HTTP controls adds that interface's backup routes on router 2 only, lowering it
 * deletes them. The fleet listens on free ports; the flow is generated for the ports it got.
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import * as path from 'path';
import { helper, jetNodes, FlowNode, useNodeRedHelper } from '../support/nodered';
import { eventually } from '../support/fault';
import { JetFleet } from '../../sim/fleet';
import { backupPrefixes, fleetFlow, nodeId, ROLE, withCredentials } from '../../tools/fleet-flow';

const nodeRedDir = path.dirname(require.resolve('node-red'));
const core = (file: string): unknown => require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [nodeRedDir] }));
/**
 * The core nodes the generated flow uses besides the JET nodes. The helper loads `catch` itself, once
 * per catch node of the flow, and Node-RED refuses a type registered twice: the flow's catch nodes
 * (one per router, wired to a debug node) are left out here; the bench deploys them in a real Node-RED.
 */
const coreNodes = [core('function/15-change.js'), core('common/21-debug.js')];

const ROUTERS = 3;
const INTERFACES = 2;
const PREFIXES = 2;
const CREDS = { username: 'lab', password: 'lab123' };

/** POST `body` (JSON) to the fleet's HTTP server; resolves with the status and the parsed answer. */
function post(port: number, urlPath: string, body: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** The flow in the helper's form: credentials apart, keyed by node id; without its catch nodes (see coreNodes). */
function split(flow: FlowNode[]): { nodes: FlowNode[]; creds: Record<string, Record<string, string>> } {
  const creds: Record<string, Record<string, string>> = {};
  const nodes = flow.filter((n) => n.type !== 'catch').map((n) => {
    const { credentials, ...rest } = n as FlowNode & { credentials?: Record<string, string> };
    if (credentials) creds[n.id] = credentials;
    return rest as FlowNode;
  });
  return { nodes, creds };
}

describe('generated fleet flow in Node-RED against a simulated fleet', function () {
  this.timeout(60000);
  let fleet: JetFleet | undefined;

  useNodeRedHelper();
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('raising traffic on router 2 adds router 2\'s routes only; lowering it deletes them', async () => {
    const f = (fleet = await JetFleet.start({ routers: ROUTERS, interfaces: INTERFACES, bases: { grpc: 0, thrift: false, mqtt: 0 }, router: { sampling: false } }));
    const routers = f.endpoints().map((e) => ({ port: e.grpcPort, mqttPort: e.mqttPort, hostname: e.hostname }));
    const flow = withCredentials(fleetFlow({ routers, interfaces: INTERFACES, prefixes: PREFIXES }), CREDS);
    assert.equal(flow.filter((n) => n.type === 'jet-router').length, ROUTERS);
    const { nodes, creds } = split(flow);
    await new Promise<void>((resolve) => helper.load([...jetNodes, ...coreNodes], nodes, creds, () => resolve()));

    // Every router node logged in and every event node subscribed, each on its own router.
    await eventually(() => f.routers.every((r) => r.grpc.counters.logins >= 1 && (r.grpc.counters.calls.RouteInitialize ?? 0) >= 1), 30000, 'every router node to log in and initialize');
    // One subscription per router: its event nodes share the topic (counted per topic and node).
    await eventually(() => f.routers.every((r) => r.broker.counters.subscriptions >= 1), 30000, 'every router node to subscribe');
    for (let k = 0; k < ROUTERS; k++) {
      const hub = (helper.getNode(nodeId(k, ROLE.router)) as any).hub;
      await eventually(() => hub.notifications.status.state === 'connected', 15000, `router ${k}'s notification session`);
    }

    // Router 2, its second interface (ifIndex 542): its two backup routes, on router 2 only.
    const wanted = backupPrefixes(2, 1, PREFIXES);
    const up = await post(f.httpPort, '/routers/2/interfaces/542/rate', { rate: 8288 });
    assert.equal(up.status, 200);
    assert.equal(up.json.fired, 'rising');
    const router2 = f.router(2).rib;
    await eventually(() => router2.size === wanted.length, 15000, () => `router 2's routes (RIB: ${router2.entries().map((e) => e.prefix).join(', ')})`);
    assert.deepEqual(router2.entries().map((e) => e.prefix).sort(), [...wanted].sort());
    for (const e of router2.entries()) assert.deepEqual(e.nexthops, ['10.1.1.2']);
    assert.equal(f.router(0).rib.size, 0, 'router 0 untouched');
    assert.equal(f.router(1).rib.size, 0, 'router 1 untouched');

    const down = await post(f.httpPort, '/routers/2/interfaces/542/rate', { rate: 0 });
    assert.equal(down.json.fired, 'falling');
    await eventually(() => router2.size === 0, 15000, 'router 2\'s routes deleted');
    assert.equal(f.router(0).rib.size + f.router(1).rib.size, 0);
  });
});
