/**
 * Fault suite, part 4: security, in a real Node-RED runtime against the simulator.
 *  - Credentials (both passwords, right and wrong ones) never appear in the flow export
 *    (GET /flows), in the editor's credentials endpoint, in the log, in status texts or in messages.
 *  - TLS on both channels with a CA made in the test (openssl CLI) through a core tls-config node:
 *    the server certificate is checked (connected, routes and events work); a wrong CA or a
 *    certificate for another name is refused with a clear status, and no password is ever sent to
 *    the unverified server; the tls-config node's server name is honoured on both channels.
 */
import { strict as assert } from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as util from 'util';
import { helper, load, sampleFlow, statusMatching, FlowNode, useNodeRedHelper } from '../support/nodered';
import { waitFor } from '../support/wait';
import {
  admin,
  deploy,
  loadWith,
  makeCa,
  makeServerCert,
  nodeCalls,
  Pki,
  SAMPLE,
  SAMPLE_CAPTURE,
  ServerCert,
  statusTexts,
  tempDir,
  tlsConfigNode,
  trackUnhandledRejections,
} from '../support/fault';
import { JetSimulator } from '../../sim';

function secret(tag: string): string {
  return `${tag}-${crypto.randomBytes(9).toString('base64url')}`;
}

/** Every string a value holds, deeply (errors with message and stack), as one text to search. */
function text(value: unknown): string {
  return util.inspect(value, { depth: 8, maxStringLength: Infinity, maxArrayLength: Infinity, breakLength: Infinity });
}

describe('fault: security (Node-RED runtime)', function () {
  this.timeout(60000);
  let sims: JetSimulator[] = [];
  let unhandled: ReturnType<typeof trackUnhandledRejections>;
  let dir = '';
  let caA: Pki;
  let caB: Pki;
  let routerCert: ServerCert;
  let namedCert: ServerCert;

  useNodeRedHelper();
  before(() => {
    dir = tempDir('jet-fault-tls-');
    caA = makeCa(dir, 'ca-a');
    caB = makeCa(dir, 'ca-b');
    routerCert = makeServerCert(caA, 'router', 'IP:127.0.0.1,DNS:localhost');
    namedCert = makeServerCert(caA, 'named', 'DNS:router.example');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    unhandled = trackUnhandledRejections();
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    sims = [];
    unhandled.stop();
  });

  async function startSim(opts: Parameters<typeof JetSimulator.start>[0]): Promise<JetSimulator> {
    const s = await JetSimulator.start({ sampling: false, ...opts });
    sims.push(s);
    return s;
  }

  it('passwords never appear in the flow export, the credentials API, the log, status texts or messages', async () => {
    const pw = secret('pw');
    const mqttPw = secret('mq');
    const wrong = secret('bad');
    const wrongMqtt = secret('badmq');
    const s = await startSim({ users: { lab: pw }, mqttAuth: { username: 'jet', password: mqttPw } });
    const flow = sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, { host: '127.0.0.1', api: 'thrift', port: String(s.thriftPort), notificationPort: String(s.mqttPort) });

    // Wrong passwords first (the failure paths log and show the most), then the right ones deployed
    // from the editor: credentials inline in the deployed flow, as the editor sends them.
    await load(flow, { [SAMPLE.router]: { username: 'lab', password: wrong, notificationUsername: 'jet', notificationPassword: wrongMqtt } });
    await Promise.all([statusMatching(helper.getNode(SAMPLE.add), /^login failed/), statusMatching(helper.getNode(SAMPLE.event), /^login failed/)]);
    const failedCall = waitFor<[any]>(helper.getNode(SAMPLE.add), 'call:error', () => true);
    helper.getNode(SAMPLE.add).receive({ payload: 1 });
    await failedCall;

    await deploy(flow.map((n) => (n.id === SAMPLE.router ? { ...n, credentials: { username: 'lab', password: pw, notificationUsername: 'jet', notificationPassword: mqttPw } } : n)));
    await Promise.all([statusMatching(helper.getNode(SAMPLE.add), /^connected 127\.0\.0\.1:/), statusMatching(helper.getNode(SAMPLE.event), /^listening/)]);
    const added = waitFor<[any]>(helper.getNode(SAMPLE.added), 'input', () => true);
    await s.rmon.setRate(541, 8288, true);
    const [msg] = await added;
    // 'unchanged' when the replay of the add refused during the login failure came first.
    assert.match(msg.payload.results[0].status, /^(added|unchanged)$/);
    // A router restart: reconnect, login and replay (more log lines).
    const back = statusMatching(helper.getNode(SAMPLE.add), /^connected/);
    await s.restartThrift();
    await back;

    const secrets = [pw, mqttPw, wrong, wrongMqtt];
    const leaks = (where: string, t: string): string[] => secrets.filter((x) => t.includes(x)).map((x) => `${where}: ${x.split('-')[0]}`);

    // The flow export, v1 and v2.
    const v1 = await admin().get('/flows').expect(200);
    const v2 = await admin().get('/flows').set('Node-RED-API-Version', 'v2').expect(200);
    const exported = (v1.body as FlowNode[]).find((n) => n.id === SAMPLE.router)!;
    assert.equal(exported.credentials, undefined, 'no credentials property in the export');
    assert.equal(exported.host, '127.0.0.1');
    // The editor's credentials endpoint: user names yes, passwords never (only has_password).
    const creds = await admin().get(`/credentials/jet-router/${SAMPLE.router}`).expect(200);
    assert.deepEqual(creds.body, { username: 'lab', has_password: true, notificationUsername: 'jet', has_notificationPassword: true });
    const logCalls = (helper.log() as { getCalls(): Array<{ args: unknown[] }> }).getCalls();
    assert.ok(logCalls.length > 5, `the log was exercised (${logCalls.length} lines)`);
    const found = [
      ...leaks('GET /flows', v1.text + v2.text),
      ...leaks('GET /credentials', creds.text),
      ...leaks('log', text(logCalls.map((c) => c.args))),
      ...leaks('status', text(statusTexts())),
      ...leaks('node.warn/error', text(['warn', 'error', 'log'].flatMap((m) => [SAMPLE.router, SAMPLE.add, SAMPLE.del, SAMPLE.event].map((id) => nodeCalls(m as 'warn', id))))),
      ...leaks('messages', text(msg)),
    ];
    assert.deepEqual(found, [], 'no password anywhere');
    assert.ok(statusTexts().some((t) => /login failed/.test(t)) && statusTexts().some((t) => /connected 127\.0\.0\.1:/.test(t)));
    assert.deepEqual(unhandled.list, []);
  });

  // --------------------------------------------------------------------------------- TLS

  function tlsFlow(s: JetSimulator, ca: string, servername = ''): FlowNode[] {
    const flow = sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, {
      host: '127.0.0.1',
      api: 'thrift',
      port: String(s.thriftPort),
      notificationPort: String(s.mqttPort),
      useTls: true,
      notificationTls: true,
      tls: 'tls1',
    });
    flow.push({ id: 'tls1', type: 'tls-config', name: 'router CA', cert: '', key: '', ca, certname: '', keyname: '', caname: '', servername, verifyservercert: true, alpnprotocol: '' });
    return flow;
  }
  const CREDS = { [SAMPLE.router]: { username: 'lab', password: 'lab123' } };

  it('TLS on both channels: the server certificate is checked against the CA, routes and events work', async () => {
    const s = await startSim({ tls: routerCert, mqttTls: routerCert });
    assert.match(s.broker.url, /^mqtts:/);
    await loadWith([tlsConfigNode], tlsFlow(s, caA.caFile), CREDS);
    await Promise.all([statusMatching(helper.getNode(SAMPLE.add), /^connected 127\.0\.0\.1:/), statusMatching(helper.getNode(SAMPLE.event), /^listening/)]);
    const added = waitFor<[any]>(helper.getNode(SAMPLE.added), 'input', () => true);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added)[0].payload.results[0].status, 'added');
    assert.deepEqual(s.rib.get('inet.0', '1.1.1.1/32')?.nexthops, ['10.1.1.2']);
    // The sessions really are TLS: the router's session socket is a TLS socket.
    const r = helper.getNode(SAMPLE.router);
    assert.equal(typeof (r.routes.backend as any).wire.socket?.getPeerCertificate, 'function');
    assert.match((r.routes.backend as any).wire.socket.getPeerCertificate().issuer.CN, /JET fault test ca-a/);
    assert.deepEqual(unhandled.list, []);
  });

  it('TLS with the wrong CA: refused on both channels with a clear status, no password sent', async () => {
    const s = await startSim({ tls: routerCert, mqttTls: routerCert, mqttAuth: { username: 'jet', password: 'mqtt-secret' } });
    await loadWith([tlsConfigNode], tlsFlow(s, caB.caFile), {
      [SAMPLE.router]: { username: 'lab', password: 'lab123', notificationUsername: 'jet', notificationPassword: 'mqtt-secret' },
    });
    const [[rpc], [mqtt]] = await Promise.all([
      statusMatching(helper.getNode(SAMPLE.add), /^disconnected: TLS error: /),
      statusMatching(helper.getNode(SAMPLE.event), /^disconnected: TLS error: /),
    ]);
    for (const t of [rpc.args[0].text, mqtt.args[0].text]) assert.match(t ?? '', /unable to get local issuer certificate|self[- ]signed certificate|unable to verify/);
    assert.equal(s.thrift.counters.calls.LoginCheck ?? 0, 0, 'no login (and no password) sent to an unverified router');
    assert.equal(s.broker.counters.connections + s.broker.counters.authFailures, 0, 'no MQTT CONNECT (and no password) sent');
    assert.deepEqual(unhandled.list, []);
  });

  it('TLS with a certificate for another name: refused; accepted with that server name in the tls-config node', async () => {
    const s = await startSim({ tls: namedCert, mqttTls: namedCert });
    await loadWith([tlsConfigNode], tlsFlow(s, caA.caFile), CREDS);
    await Promise.all([
      statusMatching(helper.getNode(SAMPLE.add), /^disconnected: TLS error: Hostname\/IP does not match/),
      statusMatching(helper.getNode(SAMPLE.event), /^disconnected: TLS error: Hostname\/IP does not match/),
    ]);
    assert.equal(s.thrift.counters.calls.LoginCheck ?? 0, 0);
    await helper.unload();

    await loadWith([tlsConfigNode], tlsFlow(s, caA.caFile, 'router.example'), CREDS);
    await Promise.all([statusMatching(helper.getNode(SAMPLE.add), /^connected 127\.0\.0\.1:/), statusMatching(helper.getNode(SAMPLE.event), /^listening/)]);
    const added = waitFor<[any]>(helper.getNode(SAMPLE.added), 'input', () => true);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added)[0].payload.results[0].status, 'added');
    assert.deepEqual(unhandled.list, []);
  });
});
