/**
 * The jet-router dialog's "Test connection": POST /jet-router/test-connection through the admin
 * API of a Node-RED runtime (node-red-node-test-helper), against the simulated router over real
 * sockets; and lib/router/probe on its own for what it leaves behind.
 */
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { helper, jetNodes, FlowNode, useNodeRedHelper } from '../support/nodered';
import { waitFor, until } from '../support/wait';
import { JetSimulator } from '../../sim';
import { parseProbeRequest, ProbeRequestError, PASSWORD_PLACEHOLDER } from '../../lib/router/probe';
import { DIST } from '../support/paths';
import { selfSignedCert, type SelfSigned } from '../support/certs';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const tlsConfigNode = require(require.resolve('@node-red/nodes/core/network/05-tls.js', { paths: [path.dirname(require.resolve('node-red'))] }));

const ENDPOINT = '/jet-router/test-connection';
/** A password that must never come back: distinctive, so that a leak cannot hide. */
const SECRET = 'S3cret-Pa55word!x';

interface Answer {
  status: number;
  body: { ok: boolean; reason?: string; message: string };
  text: string;
}

/** Every answer of this file, to check at the end that no password ever came back. */
const answers: string[] = [];

async function post(body: unknown): Promise<Answer> {
  const res = await helper.request().post(ENDPOINT).set('Content-Type', 'application/json').send(JSON.stringify(body));
  answers.push(res.text);
  return { status: res.status, body: res.body, text: res.text };
}

function loadFlow(flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}, extra: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    helper.load([...jetNodes, ...extra], flow, credentials, (err?: Error) => (err ? reject(err) : resolve()));
  });
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('jet-router Test connection (admin endpoint)', function () {
  let sim: JetSimulator;
  let simLog: string[];

  useNodeRedHelper();
  beforeEach(async () => {
    simLog = [];
    sim = await JetSimulator.start({ log: (line) => simLog.push(line) });
  });
  afterEach(async () => {
    await sim.stop();
  });

  const typed = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'new-router',
    api: 'thrift',
    host: '127.0.0.1',
    port: String(sim.thriftPort),
    username: 'lab',
    password: 'lab123',
    useTls: false,
    tls: '',
    requestTimeout: '5',
    clientId: '',
    ...extra,
  });

  it('logs in with the typed settings, then closes the session; nothing deployed', async () => {
    await loadFlow([]);
    const r = await post(typed({ clientId: 'lab-nr' }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: true, message: `logged in to 127.0.0.1:${sim.thriftPort} as lab over Thrift` });
    assert.equal(sim.thrift.counters.logins, 1);
    // A separate client id, so that the test never takes the place of the router's running session.
    assert.ok(simLog.some((l) => /lab logged in \(client lab-nr-test\)/.test(l)), simLog.join('\n'));
    await until(sim.thrift, 'disconnect', () => sim.thrift.connections === 0, 5000, 'the test session to close');
  });

  it('wrong password: reason auth with the router\'s words, the password not echoed', async () => {
    await loadFlow([]);
    const r = await post(typed({ password: SECRET }));
    assert.equal(r.status, 200);
    assert.equal(r.body.ok, false);
    assert.equal(r.body.reason, 'auth');
    assert.equal(r.body.message, 'login failed for user lab: invalid user name or password');
    assert.ok(!r.text.includes(SECRET));
    assert.equal(sim.thrift.counters.loginFailures, 1);
  });

  it('nothing listening: reason refused', async () => {
    await loadFlow([]);
    const port = await deadPort();
    const r = await post(typed({ port }));
    assert.equal(r.status, 200);
    assert.equal(r.body.reason, 'refused');
    assert.match(r.body.message, new RegExp(`^127\\.0\\.0\\.1:${port}: connection refused`));
  });

  it('a router that never answers: reason timeout after requestTimeout (1 s), session closed', async () => {
    await loadFlow([]);
    sim.thrift.setResponding(false);
    const started = Date.now();
    const r = await post(typed({ requestTimeout: 1 }));
    const took = Date.now() - started;
    assert.equal(r.status, 200);
    assert.equal(r.body.reason, 'timeout');
    assert.match(r.body.message, /no answer within 1 s/);
    assert.ok(took >= 900 && took < 3000, `took ${took} ms`);
    await until(sim.thrift, 'disconnect', () => sim.thrift.connections === 0, 5000, 'the test session to close');
  });

  it('an unchanged password field (__PWRD__) uses the deployed router\'s stored credentials', async () => {
    await loadFlow([{ id: 'r1', type: 'jet-router', host: '127.0.0.1', port: String(sim.thriftPort) }], { r1: { username: 'lab', password: 'lab123' } });
    const r = await post(typed({ id: 'r1', password: PASSWORD_PLACEHOLDER }));
    assert.deepEqual(r.body, { ok: true, message: `logged in to 127.0.0.1:${sim.thriftPort} as lab over Thrift` });
    // No user name and no password in the body: both stored ones.
    const both = await post({ id: 'r1', host: '127.0.0.1', port: sim.thriftPort });
    assert.equal(both.body.ok, true, both.text);
    // A typed user name with the stored password: the router refuses the pair.
    const other = await post(typed({ id: 'r1', username: 'nobody', password: PASSWORD_PLACEHOLDER }));
    assert.equal(other.body.reason, 'auth');
    assert.match(other.body.message, /^login failed for user nobody/);
    // The password stays where it is: never in an answer.
    for (const a of [r, both, other]) assert.ok(!a.text.includes('lab123'));
  });

  it('the body\'s api picks the protocol: gRPC logs in on the gRPC port; a body without api (older editor) is Thrift', async () => {
    await loadFlow([]);
    const grpc = await post(typed({ api: 'grpc', port: String(sim.grpcPort) }));
    assert.deepEqual(grpc.body, { ok: true, message: `logged in to 127.0.0.1:${sim.grpcPort} as lab over gRPC` });
    const legacy = await post({ ...typed(), api: undefined });
    assert.deepEqual(legacy.body, { ok: true, message: `logged in to 127.0.0.1:${sim.thriftPort} as lab over Thrift` });
  });

  it('a port that speaks the other API: reason wrong-api, with the API to pick', async () => {
    await loadFlow([]);
    const thriftToGrpc = await post(typed({ api: 'thrift', port: String(sim.grpcPort) }));
    assert.equal(thriftToGrpc.body.reason, 'wrong-api', thriftToGrpc.text);
    assert.match(thriftToGrpc.body.message, /^127\.0\.0\.1:\d+: speaks gRPC JET, not Thrift: set API to gRPC$/);
    const grpcToThrift = await post(typed({ api: 'grpc', port: String(sim.thriftPort) }));
    assert.equal(grpcToThrift.body.reason, 'wrong-api', grpcToThrift.text);
    assert.match(grpcToThrift.body.message, /^127\.0\.0\.1:\d+: speaks Thrift JET, not gRPC: set API to Thrift$/);
  });

  it('the stored password goes only to the deployed router\'s API, host and port: elsewhere, type it (invalid, nothing sent)', async () => {
    // A router node saved before gRPC (no api): Thrift.
    await loadFlow([{ id: 'r1', type: 'jet-router', host: '127.0.0.1', port: String(sim.thriftPort) }], { r1: { username: 'lab', password: 'lab123' } });
    const attempts = (): number => sim.thrift.counters.logins + sim.thrift.counters.loginFailures + sim.grpc.counters.connectionsTotal;
    const before = attempts();
    const r = await post(typed({ id: 'r1', api: 'grpc', port: String(sim.thriftPort), password: PASSWORD_PLACEHOLDER }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      ok: false,
      reason: 'invalid',
      message: `type the password to test gRPC 127.0.0.1:${sim.thriftPort}: the stored one is sent only to the deployed router (Thrift 127.0.0.1:${sim.thriftPort})`,
    });
    const other = await post(typed({ id: 'r1', port: String(sim.grpcPort), password: PASSWORD_PLACEHOLDER }));
    assert.equal(other.body.reason, 'invalid');
    assert.match(other.body.message, /^type the password to test Thrift 127\.0\.0\.1:\d+: the stored one is sent only to the deployed router/);
    assert.equal(attempts(), before, 'nothing sent');
    // Typed, the password goes wherever the dialog says.
    const typedPw = await post(typed({ id: 'r1', api: 'grpc', port: String(sim.grpcPort) }));
    assert.equal(typedPw.body.ok, true, typedPw.text);
  });

  it('__PWRD__ without a deployed jet-router of that id: nothing to test with (invalid), no connection made', async () => {
    const tls = { id: 'tls1', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true };
    await loadFlow([tls as FlowNode], {}, [tlsConfigNode]);
    for (const id of ['not-deployed', 'tls1', undefined]) {
      const r = await post(typed({ id, password: PASSWORD_PLACEHOLDER }));
      assert.equal(r.status, 200);
      assert.equal(r.body.reason, 'invalid', String(id));
      assert.match(r.body.message, /no password to test with/);
    }
    assert.equal(sim.thrift.counters.logins + sim.thrift.counters.loginFailures, 0);
  });

  it('a malformed body is a 400 naming the field', async () => {
    await loadFlow([]);
    const cases: Array<[unknown, RegExp]> = [
      [{ port: 9090 }, /^host: no host given/],
      [typed({ host: '127.0.0.1:9090' }), /^host: "127\.0\.0\.1:9090" is not a host name or IP address/],
      [typed({ host: '[::1]' }), /^host:/],
      [typed({ host: '1.2.3.999' }), /^host:/],
      [typed({ host: 'bad host' }), /^host:/],
      [typed({ port: 0 }), /^port: 0 is out of range 1\.\.65535/],
      [typed({ port: '70000' }), /^port: 70000 is out of range/],
      [typed({ port: 'ssh' }), /^port: expected a whole number/],
      [typed({ requestTimeout: 0 }), /^requestTimeout: 0 is out of range 1\.\.3600/],
      [typed({ requestTimeout: 'soon' }), /^requestTimeout:/],
      [typed({ username: 42 }), /^username: expected a string/],
      [typed({ password: { secret: SECRET } }), /^password: expected a string/],
      [typed({ tls: ['x'] }), /^tls:/],
      [[1, 2], /^body: expected a JSON object/],
    ];
    for (const [body, re] of cases) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.ok, false);
      assert.equal(r.body.reason, 'invalid');
      assert.match(r.body.message, re, JSON.stringify(body));
      assert.ok(!r.text.includes(SECRET));
    }
    assert.equal(sim.thrift.counters.logins + sim.thrift.counters.loginFailures, 0);
  });

  it('no user name: invalid, no connection made', async () => {
    await loadFlow([]);
    const r = await post(typed({ username: '  ' }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: false, reason: 'invalid', message: 'no user name: fill in User' });
  });

  it('never logs the password', async () => {
    await loadFlow([]);
    await post(typed({ password: SECRET }));
    await post(typed({ password: SECRET, port: 'x' }));
    const logged = JSON.stringify(helper.log().args);
    assert.ok(!logged.includes(SECRET));
  });

  describe('over TLS', function () {
    let made: SelfSigned | null = null;
    let cert: string;
    let key: string;

    before(function () {
      made = selfSignedCert();
      ({ cert, key } = made);
    });
    after(() => made?.remove());

    let tlsSim: JetSimulator;
    beforeEach(async () => {
      tlsSim = await JetSimulator.start({ tls: { key, cert } });
    });
    afterEach(async () => {
      await tlsSim.stop();
    });

    const tlsNodes: FlowNode[] = [
      { id: 'tls-ca', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true },
      { id: 'tls-noca', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true },
    ];

    it('uses the deployed tls-config node: logs in with its CA, names the certificate problem without it', async () => {
      await loadFlow(tlsNodes, { 'tls-ca': { cadata: cert } }, [tlsConfigNode]);
      const ok = await post(typed({ port: tlsSim.thriftPort, useTls: true, tls: 'tls-ca' }));
      assert.deepEqual(ok.body, { ok: true, message: `logged in to 127.0.0.1:${tlsSim.thriftPort} as lab over Thrift (TLS)` });
      const bad = await post(typed({ port: tlsSim.thriftPort, useTls: true, tls: 'tls-noca' }));
      assert.equal(bad.body.reason, 'tls');
      assert.match(bad.body.message, /TLS error: self[- ]signed certificate/);
    });

    it('a tls-config node that is not deployed yet is named, nothing tried', async () => {
      await loadFlow([]);
      const r = await post(typed({ port: tlsSim.thriftPort, useTls: true, tls: 'fresh-tls' }));
      assert.deepEqual(r.body, { ok: false, reason: 'invalid', message: 'the TLS config node fresh-tls is not deployed yet: deploy it, then test again' });
      assert.equal(tlsSim.thrift.counters.logins + tlsSim.thrift.counters.loginFailures, 0);
    });

    it('the stored password goes only with the deployed router\'s TLS settings: TLS off or another tls-config, type it (invalid, nothing sent)', async () => {
      await loadFlow(
        [...tlsNodes, { id: 'r1', type: 'jet-router', host: '127.0.0.1', port: String(tlsSim.thriftPort), useTls: true, tls: 'tls-ca' }],
        { 'tls-ca': { cadata: cert }, r1: { username: 'lab', password: 'lab123' } },
        [tlsConfigNode],
      );
      const attempts = (): number => tlsSim.thrift.counters.connectionsTotal + tlsSim.thrift.counters.logins + tlsSim.thrift.counters.loginFailures;
      const before = attempts();
      const where = `Thrift 127.0.0.1:${tlsSim.thriftPort}`;
      const plain = await post(typed({ id: 'r1', port: tlsSim.thriftPort, useTls: false, tls: 'tls-ca', password: PASSWORD_PLACEHOLDER }));
      assert.deepEqual(plain.body, {
        ok: false,
        reason: 'invalid',
        message: `type the password to test ${where} without TLS: the stored one is sent only to the deployed router (${where} over TLS (tls-config tls-ca))`,
      });
      const other = await post(typed({ id: 'r1', port: tlsSim.thriftPort, useTls: true, tls: 'tls-noca', password: PASSWORD_PLACEHOLDER }));
      assert.equal(other.body.reason, 'invalid', other.text);
      assert.match(other.body.message, /^type the password to test .* over TLS \(tls-config tls-noca\): the stored one is sent only to the deployed router \(.* over TLS \(tls-config tls-ca\)\)$/);
      const none = await post(typed({ id: 'r1', port: tlsSim.thriftPort, useTls: true, tls: '', password: PASSWORD_PLACEHOLDER }));
      assert.equal(none.body.reason, 'invalid', none.text);
      assert.match(none.body.message, /over TLS \(no tls-config\): the stored one/);
      assert.equal(attempts(), before, 'nothing sent');
      // The deployed settings: the stored password is used.
      const same = await post(typed({ id: 'r1', port: tlsSim.thriftPort, useTls: 'true', tls: 'tls-ca', password: PASSWORD_PLACEHOLDER }));
      assert.deepEqual(same.body, { ok: true, message: `logged in to 127.0.0.1:${tlsSim.thriftPort} as lab over Thrift (TLS)` });
      for (const a of [plain, other, none, same]) assert.ok(!a.text.includes('lab123'));
    });

    it('a router deployed without TLS: the stored password is not sent over TLS settings typed since', async () => {
      await loadFlow([...tlsNodes, { id: 'r2', type: 'jet-router', host: '127.0.0.1', port: String(tlsSim.thriftPort) }], { 'tls-ca': { cadata: cert }, r2: { username: 'lab', password: 'lab123' } }, [
        tlsConfigNode,
      ]);
      const before = tlsSim.thrift.counters.connectionsTotal;
      const r = await post(typed({ id: 'r2', port: tlsSim.thriftPort, useTls: true, tls: 'tls-ca', password: PASSWORD_PLACEHOLDER }));
      assert.equal(r.body.reason, 'invalid', r.text);
      assert.match(r.body.message, /over TLS \(tls-config tls-ca\): the stored one is sent only to the deployed router \(Thrift 127\.0\.0\.1:\d+ without TLS\)$/);
      assert.equal(tlsSim.thrift.counters.connectionsTotal, before, 'nothing sent');
    });

    it('TLS towards a plain-Thrift port: reason tls', async () => {
      await loadFlow(tlsNodes, { 'tls-ca': { cadata: cert } }, [tlsConfigNode]);
      const r = await post(typed({ useTls: true, tls: 'tls-ca' }));
      assert.equal(r.body.reason, 'tls', r.text);
    });
  });

  after(() => {
    for (const text of answers) assert.ok(!text.includes(SECRET), `password in an answer: ${text}`);
  });
});

describe('lib/router/probe', function () {
  it('leaves no socket and no timer behind: a process that only runs probes exits by itself', async () => {
    // Success, refused login, nothing listening, a silent server: if any probe left a socket or a
    // timer (a reconnect, a deadline) behind, the child would not exit on its own.
    const script = `
      const net = require('net');
      const { probeLogin } = require(${JSON.stringify(path.join(DIST, 'lib', 'router', 'probe'))});
      const { JetSimulator } = require(${JSON.stringify(path.join(DIST, 'sim'))});
      (async () => {
        const sim = await JetSimulator.start({ sampling: false });
        const silent = net.createServer((s) => s.resume());
        await new Promise((r) => silent.listen(0, '127.0.0.1', r));
        const dead = net.createServer();
        await new Promise((r) => dead.listen(0, '127.0.0.1', r));
        const deadPort = dead.address().port;
        await new Promise((r) => dead.close(r));
        const probe = (port, password) =>
          probeLogin({ host: '127.0.0.1', port, username: 'lab', password, clientId: 'c', requestTimeoutMs: 500 }).then((r) => (r.ok ? 'ok' : r.reason));
        const out = [
          await probe(sim.thriftPort, 'lab123'),
          await probe(sim.thriftPort, 'wrong-pw'),
          await probe(deadPort, 'x'),
          await probe(silent.address().port, 'x'),
        ];
        await sim.stop();
        await new Promise((r) => silent.close(r));
        console.log(JSON.stringify(out));
      })().catch((err) => { console.error(err); process.exit(2); });
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const [code, signal] = await waitFor<[number | null, string | null]>(child, 'exit', () => true, 20000, 'the probing process to exit');
    clearTimeout(killer);
    assert.equal(signal, null, 'killed: something was left behind and kept the process alive');
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout.trim()), ['ok', 'auth', 'refused', 'timeout']);
  });

  it('caps the time a test may take at 30 s, and reads the editor\'s strings', () => {
    const req = parseProbeRequest({ host: ' 10.0.0.1 ', port: ' 9090 ', requestTimeout: '3600', useTls: 'true', tls: '_ADD_', password: PASSWORD_PLACEHOLDER });
    assert.equal(req.host, '10.0.0.1');
    assert.equal(req.port, 9090);
    assert.equal(req.requestTimeoutMs, 30000);
    assert.equal(req.useTls, true);
    assert.equal(req.tls, undefined);
    assert.equal(req.password, undefined);
    const dflt = parseProbeRequest({ host: 'router-1.lab.example', port: '', requestTimeout: '' });
    assert.equal(dflt.port, 9090);
    assert.equal(dflt.requestTimeoutMs, 10000);
    assert.throws(() => parseProbeRequest(null), ProbeRequestError);
  });
});
