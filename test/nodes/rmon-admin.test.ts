/**
 * The jet-rmon-event dialog's Look up and Apply to router (POST /jet-rmon-event/lookup and /apply,
 * admin API) in a real Node-RED runtime against the simulator: a short-lived session of their own
 * with the deployed router's stored credentials, sent only to its deployed settings; the lookup in
 * the router's words; Apply commits only a difference; a Thrift router or an undeployed one is
 * refused in words; the password never comes back.
 */
import { strict as assert } from 'assert';
import { helper, load, FlowNode } from '../support/nodered';
import { eventually, runtimeFixture } from '../support/fault';
import { PACKAGE_NAME } from '../../lib/core/defaults';
import type { JetSimulator } from '../../sim';

const SECRET = 'lab123';

interface Answer {
  status: number;
  body: Record<string, any> & { ok: boolean; message: string };
}

const answers: string[] = [];

async function post(path: string, body: unknown): Promise<Answer> {
  const res = await helper.request().post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));
  answers.push(res.text);
  return { status: res.status, body: res.body };
}

function flow(s: JetSimulator, api: 'grpc' | 'thrift' = 'grpc'): FlowNode[] {
  return [
    { id: 'tab-adm', type: 'tab' },
    { id: 'router-adm', type: 'jet-router', api, host: '127.0.0.1', port: String(api === 'grpc' ? s.grpcPort : s.thriftPort), notificationPort: String(s.mqttPort) },
    { id: 'ev-adm', z: 'tab-adm', type: 'jet-rmon-event', router: 'router-adm', ifIndex: '541', wires: [[]] },
  ];
}

/** The router as the dialog sends it: the deployed settings. */
function routerOf(s: JetSimulator, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'router-adm', api: 'grpc', host: '127.0.0.1', port: String(s.grpcPort), useTls: false, tls: '', requestTimeout: '10', clientId: '', ...over };
}

describe('jet-rmon-event Look up and Apply to router (admin endpoints)', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  after(() => {
    for (const text of answers) assert.ok(!text.includes(SECRET), `a password came back: ${text}`);
  });

  it('Look up: the ifIndex of an IFL and an IFD; an unknown interface in the router\'s words', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s), { 'router-adm': { username: 'lab', password: SECRET } });
    const ifl = await post('/jet-rmon-event/lookup', { router: routerOf(s), interface: 'ge-0/0/0.0' });
    assert.deepEqual([ifl.status, ifl.body], [200, { ok: true, name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541, message: 'ge-0/0/0.0 → ifIndex 541' }]);
    const ifd = await post('/jet-rmon-event/lookup', { router: routerOf(s), interface: 'ge-0/0/0' });
    assert.equal(ifd.body.ifIndex, 513);
    const unknown = await post('/jet-rmon-event/lookup', { router: routerOf(s), interface: 'ge-9/9/9.0' });
    assert.deepEqual([unknown.body.ok, unknown.body.message], [false, 'error: device ge-9/9/9.0 not found']);
    // Every look-up had a session of its own, closed again.
    await eventually(() => s.grpc.sessionList().length === 0, 15000, 'every session of the endpoints ended');
  });

  it('Apply: the lab configuration commits nothing; a threshold change commits once; the router\'s refusal in its words', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s), { 'router-adm': { username: 'lab', password: SECRET } });
    const same = await post('/jet-rmon-event/apply', { router: routerOf(s), node: 'uplink', interface: 'ge-0/0/0.0' });
    assert.equal(same.body.ok, true, same.body.message);
    assert.match(same.body.message, /nothing committed/);
    assert.equal(s.management.commitCount, 0);

    const changed = await post('/jet-rmon-event/apply', { router: routerOf(s), node: 'uplink', interface: 'ge-0/0/0.0', rising: '2048', falling: 2000 });
    assert.equal(changed.body.ok, true, changed.body.message);
    assert.equal(changed.body.status, 'committed');
    assert.deepEqual(s.management.commitHistory().map((h) => h.comment), [`${PACKAGE_NAME}: jet-rmon-event uplink`]);
    assert.equal(s.rmon.alarms()[0].rising, 2048);

    s.management.lock('admin');
    const refused = await post('/jet-rmon-event/apply', { router: routerOf(s), node: 'uplink', ifIndex: '541', rising: '4096', falling: '2000' });
    assert.equal(refused.body.ok, false);
    assert.match(refused.body.message, /^the router refused the configuration: error: configuration database locked by: admin/);
    const bad = await post('/jet-rmon-event/apply', { router: routerOf(s), ifIndex: '541', rising: '10', falling: '20' });
    assert.deepEqual([bad.body.ok, bad.body.reason], [false, 'invalid']);
    assert.equal(s.management.commitCount, 1);
  });

  it('refused: settings other than the deployed router\'s, a router not deployed, a Thrift router, a malformed body', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s), { 'router-adm': { username: 'lab', password: SECRET } });
    const other = await post('/jet-rmon-event/lookup', { router: routerOf(s, { port: '1' }), interface: 'ge-0/0/0.0' });
    assert.equal(other.body.ok, false);
    assert.match(other.body.message, /^deploy the router first: its settings differ from the deployed ones/);
    const ghost = await post('/jet-rmon-event/lookup', { router: routerOf(s, { id: 'no-such-router' }), interface: 'ge-0/0/0.0' });
    assert.match(ghost.body.message, /not deployed/);
    const thrift = await post('/jet-rmon-event/apply', { router: routerOf(s, { api: 'thrift', port: String(s.thriftPort) }), ifIndex: '541' });
    assert.match(thrift.body.message, /gRPC only/);
    const malformed = await post('/jet-rmon-event/lookup', { interface: 'ge-0/0/0.0' });
    assert.equal(malformed.status, 400);
    await eventually(() => s.grpc.sessionList().length === 0, 15000, 'every session of the endpoints ended');
  });
});
