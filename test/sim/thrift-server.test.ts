import { strict as assert } from 'assert';
import { once } from 'events';
import * as http from 'http';
import * as net from 'net';
import { performance } from 'perf_hooks';
import * as tls from 'tls';
import * as thrift from 'thrift';
import { MessageReader } from '../../lib/thrift/framing';
import { encodeMessage, MessageHeader, MessageType, openMessage } from '../../lib/thrift/codec';
import {
  AuthenticationLoginReply,
  AuthenticationLoginRequest,
  AuthenticationService,
  FamilyType,
  GatewayAddress,
  NexthopInfo,
  RouteConfig,
  RouteGetReply,
  RouteResult,
  RouteService,
} from '../../lib/gen/jet';
import { CallInfo, JetSimulator, RibChange, RibEntry, SessionInfo } from '../../sim';
import { selfSignedCert, type SelfSigned } from '../support/certs';

interface Writable {
  write(output: thrift.TProtocol): void;
}

interface Reply {
  header: MessageHeader;
  input: thrift.TProtocol;
}

/** A minimal multiplexed Thrift client: encodeMessage/openMessage over a real socket. */
class TestClient {
  readonly received: MessageHeader[] = [];
  readonly closed: Promise<void>;
  private readonly reader = new MessageReader();
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private seq = 0;

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
      this.waiting.clear();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const message of this.reader.push(chunk)) {
        const reply = openMessage(message);
        this.received.push(reply.header);
        const w = this.waiting.get(reply.header.seqId);
        this.waiting.delete(reply.header.seqId);
        w?.resolve(reply);
      }
    });
  }

  static async connect(port: number, ca?: Buffer): Promise<TestClient> {
    const socket = ca ? tls.connect({ host: '127.0.0.1', port, ca }) : net.connect(port, '127.0.0.1');
    await once(socket, ca ? 'secureConnect' : 'connect');
    return new TestClient(socket);
  }

  /** Encodes a call; returns its sequence id and bytes (not sent). */
  encode(name: string, args: Writable): { seqId: number; bytes: Buffer } {
    const seqId = ++this.seq;
    return { seqId, bytes: encodeMessage(name, MessageType.CALL, seqId, (out) => args.write(out)) };
  }

  /** The reply to `seqId`; rejects with the TApplicationException of an exception reply. */
  reply(seqId: number): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => this.waiting.set(seqId, { resolve, reject })).then((r) => {
      if (r.header.type === MessageType.EXCEPTION) {
        const x = new thrift.Thrift.TApplicationException();
        x.read(r.input);
        throw x;
      }
      return r;
    });
  }

  async call<R>(name: string, args: Writable, read: (input: thrift.TProtocol) => R): Promise<R> {
    const { seqId, bytes } = this.encode(name, args);
    const reply = this.reply(seqId);
    this.socket.write(bytes);
    return read((await reply).input);
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}

const APP = '111:222';

function config(prefix: string, nexthop: string, over: Partial<RouteConfig> = {}): RouteConfig {
  return new RouteConfig({
    app_id: APP,
    family_type: FamilyType.af_unspec,
    prefix,
    nexthops: [new NexthopInfo({ nexthop_address: new GatewayAddress({ nexthop_ip: nexthop }) })],
    preference: [5, 15],
    metric: [3, 5],
    ...over,
  });
}

function must<T>(v: T | undefined): T {
  assert.ok(v !== undefined, 'reply without success');
  return v;
}

const loginArgs = (user: string, password: string): AuthenticationService.LoginCheckArgs =>
  new AuthenticationService.LoginCheckArgs({
    login_request: new AuthenticationLoginRequest({ user_name: user, password, client_id: 'test-client' }),
  });

function login(c: TestClient, user = 'lab', password = 'lab123'): Promise<AuthenticationLoginReply> {
  return c.call('AuthenticationService:LoginCheck', loginArgs(user, password), (i) => must(AuthenticationService.LoginCheckResult.read(i).success));
}

function routeAdd(c: TestClient, cfg: RouteConfig): Promise<RouteResult> {
  return c.call('RouteService:RouteAdd', new RouteService.RouteAddArgs({ route_config: cfg }), (i) => must(RouteService.RouteAddResult.read(i).success));
}

function routeDelete(c: TestClient, cfg: RouteConfig): Promise<RouteResult> {
  return c.call('RouteService:RouteDelete', new RouteService.RouteDeleteArgs({ route_config: cfg }), (i) => must(RouteService.RouteDeleteResult.read(i).success));
}

function routeGet(c: TestClient, table: string, prefix: string, appId = APP): Promise<RouteGetReply> {
  return c.call('RouteService:RouteGet', new RouteService.RouteGetArgs({ app_id: appId, table_name: table, prefix }), (i) =>
    must(RouteService.RouteGetResult.read(i).success),
  );
}

/** GET a JSON document; resolves once the (non-keep-alive) connection is closed. */
function getJson(port: number, urlPath: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let text = '';
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
    });
    req.on('error', reject);
    req.on('close', () => resolve({ status, body: text ? (JSON.parse(text) as unknown) : undefined }));
  });
}

const nextCall = (sim: JetSimulator): Promise<CallInfo> => new Promise((r) => sim.thrift.once('call', r));
const nextDisconnect = (sim: JetSimulator): Promise<SessionInfo> => new Promise((r) => sim.thrift.once('disconnect', r));
const exceptionType = (x: unknown): number => (x as { type: number }).type;

describe('sim Thrift server', () => {
  let sim: JetSimulator;
  let client: TestClient;
  const lines: string[] = [];

  beforeEach(async () => {
    lines.length = 0;
    sim = await JetSimulator.start({ log: (l) => lines.push(l) });
    client = await TestClient.connect(sim.thriftPort);
  });

  afterEach(async () => {
    await client.close();
    await sim.stop();
  });

  it('logs in with the right password only', async () => {
    const bad = await login(client, 'lab', 'wrong');
    assert.equal(bad.result, false);
    assert.ok(bad.message);
    const unknown = await login(client, 'nobody', 'lab123');
    assert.equal(unknown.result, false);
    const ok = await login(client);
    assert.equal(ok.result, true);
    assert.equal(sim.thrift.counters.logins, 1);
    assert.equal(sim.thrift.counters.loginFailures, 2);
    assert.equal(sim.thrift.counters.calls.LoginCheck, 3);
    assert.equal(sim.thrift.connections, 1);
    assert.equal(sim.thrift.sessionList()[0].clientId, 'test-client');
  });

  it('answers 5 to route calls before login', async () => {
    assert.equal((await routeAdd(client, config('1.1.1.1/32', '10.1.1.2'))).err_code, 5);
    assert.equal((await routeDelete(client, config('1.1.1.1/32', '10.1.1.2'))).err_code, 5);
    assert.equal((await routeGet(client, 'inet.0', '')).err_code, 5);
    assert.equal(sim.rib.size, 0);
    assert.equal(sim.thrift.errCount('RouteAdd', 5), 1);
  });

  it('adds, reads back and deletes a route with JET err codes', async () => {
    assert.equal((await login(client)).result, true);
    const cfg = config('1.1.1.1/32', '10.1.1.2');
    assert.equal((await routeAdd(client, cfg)).err_code, 0);
    assert.equal((await routeAdd(client, cfg)).err_code, 2);
    assert.equal(sim.thrift.errCount('RouteAdd', 0), 1);
    assert.equal(sim.thrift.errCount('RouteAdd', 2), 1);

    const got = await routeGet(client, 'inet.0', '1.1.1.1/32');
    assert.equal(got.err_code, 0);
    assert.equal(got.routes?.length, 1);
    const r = must(got.routes?.[0]);
    assert.equal(r.app_id, APP);
    assert.equal(r.prefix, '1.1.1.1/32');
    assert.equal(r.table_name, 'inet.0');
    assert.equal(r.family_type, FamilyType.af_inet);
    assert.equal(r.nexthops?.[0].nexthop_address?.nexthop_ip, '10.1.1.2');
    assert.deepEqual(r.preference, [5]);
    assert.deepEqual(r.metric, [3]);
    // An empty prefix lists every route of the app in the table.
    assert.equal((await routeGet(client, 'inet.0', '')).routes?.length, 1);
    assert.equal((await routeGet(client, 'inet.0', '', 'other-app')).routes?.length, 0);

    assert.equal((await routeDelete(client, cfg)).err_code, 0);
    assert.equal((await routeDelete(client, cfg)).err_code, 3);
    assert.equal((await routeGet(client, 'inet.0', '1.1.1.1/32')).routes?.length, 0);
    assert.deepEqual(lines.filter((l) => /^[+-] /.test(l)), [
      '+ inet.0: 1.1.1.1/32 *[Static/5] metric 3 > to 10.1.1.2 (app 111:222)',
      '- inet.0: 1.1.1.1/32 (app 111:222, deleted)',
    ]);
  });

  it('RouteGet of a prefix is a lookup: another protocol\'s route there comes too (empty app_id), and RouteAdd does not collide with it', async () => {
    assert.equal((await login(client)).result, true);
    sim.rib.others.add({ prefix: '1.1.1.1/32', nexthops: '10.9.9.9' });
    assert.equal((await routeAdd(client, config('1.1.1.1/32', '10.1.1.2'))).err_code, 0);
    const got = await routeGet(client, 'inet.0', '1.1.1.1/32');
    assert.deepEqual(
      (got.routes ?? []).map((r) => [r.app_id, r.nexthops?.[0].nexthop_address?.nexthop_ip, r.preference]),
      [
        ['', '10.9.9.9', [5]],
        [APP, '10.1.1.2', [5]],
      ],
    );
    assert.equal((await routeGet(client, 'inet.0', '')).routes?.length, 1, 'a listing is the app id\'s own');
    assert.equal((await routeDelete(client, config('1.1.1.1/32', '10.1.1.2'))).err_code, 0);
    assert.equal((await routeDelete(client, config('1.1.1.1/32', '10.1.1.2'))).err_code, 3, 'the other protocol\'s route is not JET\'s to delete');
    assert.equal(sim.rib.others.size, 1);
  });

  it('answers 4 to invalid parameters', async () => {
    await login(client);
    assert.equal((await routeAdd(client, config('1.1.1.1', '10.1.1.2'))).err_code, 4);
    assert.equal((await routeAdd(client, config('1.1.1.1/32', '10.1.1.2', { nexthops: [] }))).err_code, 4);
    assert.equal((await routeGet(client, 'inet.0', 'junk')).err_code, 4);
  });

  it('puts IPv6 routes into inet6.0 by default', async () => {
    await login(client);
    const cfg = config('2001:db8:1::/64', '2001:db8::2', { table_name: '' });
    assert.equal((await routeAdd(client, cfg)).err_code, 0);
    const got = await routeGet(client, '', '2001:db8:1::/64');
    assert.equal(got.err_code, 0);
    assert.equal(got.routes?.[0].table_name, 'inet6.0');
    assert.equal(got.routes?.[0].family_type, FamilyType.af_inet6);
    assert.ok(sim.rib.get('inet6.0', '2001:db8:1::/64'));
  });

  it('answers pipelined calls in order', async () => {
    const msgs = [client.encode('AuthenticationService:LoginCheck', loginArgs('lab', 'lab123'))];
    for (let i = 1; i <= 20; i++) {
      msgs.push(client.encode('RouteService:RouteAdd', new RouteService.RouteAddArgs({ route_config: config(`10.0.${i}.0/24`, '10.1.1.2') })));
    }
    const replies = msgs.map((m) => client.reply(m.seqId));
    client.socket.write(Buffer.concat(msgs.map((m) => m.bytes)));
    const all = await Promise.all(replies);
    assert.deepEqual(
      client.received.map((h) => h.seqId),
      msgs.map((m) => m.seqId),
    );
    assert.deepEqual(
      all.slice(1).map((r) => must(RouteService.RouteAddResult.read(r.input).success).err_code),
      new Array(20).fill(0),
    );
    assert.equal(sim.rib.size, 20);
  });

  it('purges the routes of a session when its connection closes, not those of other sessions', async () => {
    await login(client);
    const other = await TestClient.connect(sim.thriftPort);
    try {
      await login(other);
      assert.equal((await routeAdd(client, config('1.1.1.1/32', '10.1.1.2'))).err_code, 0);
      assert.equal((await routeAdd(other, config('2.2.2.2/32', '10.1.1.2'))).err_code, 0);
      const purged: RibChange[] = [];
      sim.rib.on('change', (c) => purged.push(c));
      const gone = nextDisconnect(sim);
      await client.close();
      await gone;
      assert.deepEqual(
        purged.map((c) => [c.op, c.entry.prefix]),
        [['purge', '1.1.1.1/32']],
      );
      assert.deepEqual(
        sim.rib.entries().map((e) => e.prefix),
        ['2.2.2.2/32'],
      );
      assert.ok(lines.includes('- inet.0: 1.1.1.1/32 (app 111:222, purged: session 1 closed)'), lines.join('\n'));
      assert.equal(sim.thrift.connections, 1);
    } finally {
      await other.close();
    }
  });

  it('shows the RIB over HTTP', async () => {
    await login(client);
    await routeAdd(client, config('1.1.1.1/32', '10.1.1.2'));
    await routeAdd(client, config('2001:db8::/32', '2001:db8::1'));
    const all = await getJson(sim.httpPort, '/rib');
    assert.equal(all.status, 200);
    const routes = (all.body as { routes: RibEntry[] }).routes;
    assert.deepEqual(
      routes.map((r) => [r.table, r.prefix, r.nexthops, r.preference, r.metric, r.appId]),
      [
        ['inet.0', '1.1.1.1/32', ['10.1.1.2'], 5, 3, APP],
        ['inet6.0', '2001:db8::/32', ['2001:db8::1'], 5, 3, APP],
      ],
    );
    const v6 = await getJson(sim.httpPort, '/rib?table=inet6.0');
    assert.deepEqual(
      (v6.body as { routes: RibEntry[] }).routes.map((r) => r.prefix),
      ['2001:db8::/32'],
    );
    assert.deepEqual(await getJson(sim.httpPort, '/health'), { status: 200, body: { ok: true } });
    assert.equal((await getJson(sim.httpPort, '/nothing')).status, 404);
  });

  it('lets more HTTP routes be registered', async () => {
    sim.http.addRoute('GET', /^\/echo\/(\d+)$/, (_req, res, m) => {
      res.end(JSON.stringify({ n: Number(m[1]) }));
    });
    assert.deepEqual((await getJson(sim.httpPort, '/echo/541')).body, { n: 541 });
  });

  it('answers an unknown or non-multiplexed service with TApplicationException UNKNOWN_METHOD', async () => {
    const args = new RouteService.RouteGetArgs({ app_id: APP, table_name: '', prefix: '' });
    for (const name of ['NoSuchService:RouteGet', 'RouteGet', 'RouteService:NoSuchMethod']) {
      await assert.rejects(
        client.call(name, args, () => undefined),
        (x: unknown) => exceptionType(x) === thrift.Thrift.TApplicationExceptionType.UNKNOWN_METHOD,
      );
    }
    assert.equal(sim.thrift.counters.exceptions, 3);
    // The connection is still usable.
    assert.equal((await login(client)).result, true);
  });

  it('drops a connection that does not speak the binary protocol', async () => {
    client.socket.write('GET / HTTP/1.0\r\n\r\n');
    await client.closed;
    assert.equal(sim.thrift.counters.framingErrors, 1);
  });

  it('reads but never answers calls while not responding', async () => {
    sim.thrift.setResponding(false);
    const add = client.encode('RouteService:RouteAdd', new RouteService.RouteAddArgs({ route_config: config('1.1.1.1/32', '10.1.1.2') }));
    const read = nextCall(sim);
    client.socket.write(add.bytes);
    const call = await read;
    assert.deepEqual(call, { sessionId: 1, service: 'RouteService', method: 'RouteAdd', seqId: add.seqId, answered: false });
    assert.equal(sim.thrift.counters.unanswered, 1);
    // Responding again: the next call is answered, the swallowed one never is.
    sim.thrift.setResponding(true);
    assert.equal((await login(client)).result, true);
    assert.deepEqual(
      client.received.map((h) => h.seqId),
      [add.seqId + 1],
    );
    assert.equal(sim.rib.size, 0);
  });

  it('restarts the Thrift side: sessions dropped, routes purged, same port', async () => {
    await login(client);
    await routeAdd(client, config('1.1.1.1/32', '10.1.1.2'));
    const port = sim.thriftPort;
    await sim.restartThrift();
    await client.closed;
    assert.equal(sim.rib.size, 0);
    assert.equal(sim.thriftPort, port);
    client = await TestClient.connect(port);
    assert.equal((await login(client)).result, true);
  });

  it('closeAllConnections() drops every session', async () => {
    await login(client);
    const gone = nextDisconnect(sim);
    sim.thrift.closeAllConnections();
    await Promise.all([gone, client.closed]);
    assert.equal(sim.thrift.connections, 0);
  });
});

describe('sim Thrift server, a slow router (routeDelayMs)', () => {
  it('answers pipelined calls in order, each route call routeDelayMs after the one before', async () => {
    const delay = 20;
    const sim = await JetSimulator.start({ sampling: false, grpcPort: false, routeDelayMs: delay });
    const client = await TestClient.connect(sim.thriftPort);
    try {
      const msgs = [client.encode('AuthenticationService:LoginCheck', loginArgs('lab', 'lab123'))];
      for (let i = 1; i <= 3; i++) {
        msgs.push(client.encode('RouteService:RouteAdd', new RouteService.RouteAddArgs({ route_config: config(`10.0.${i}.0/24`, '10.1.1.2') })));
      }
      const t0 = performance.now();
      const times = msgs.map((m) => client.reply(m.seqId).then(() => performance.now() - t0));
      client.socket.write(Buffer.concat(msgs.map((m) => m.bytes)));
      const at = await Promise.all(times);
      assert.deepEqual(
        client.received.map((h) => h.seqId),
        msgs.map((m) => m.seqId),
      );
      // Timers fire no earlier than asked (1 ms of rounding allowed).
      assert.ok(at[3] >= 3 * delay - 1, `third add answered after ${at[3]} ms`);
      assert.equal(sim.rib.size, 3);
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  it('drops the queued calls of a session that closed, leaving no route behind', async () => {
    const sim = await JetSimulator.start({ sampling: false, grpcPort: false, routeDelayMs: 50 });
    const client = await TestClient.connect(sim.thriftPort);
    try {
      await login(client);
      const msgs = [1, 2, 3].map((i) =>
        client.encode('RouteService:RouteAdd', new RouteService.RouteAddArgs({ route_config: config(`10.0.${i}.0/24`, '10.1.1.2') })),
      );
      const first = new Promise<RibChange>((resolve) => sim.rib.once('change', resolve));
      for (const m of msgs) client.reply(m.seqId).catch(() => undefined);
      client.socket.write(Buffer.concat(msgs.map((m) => m.bytes)));
      await first; // the first add is in, its answer is being delayed
      const gone = nextDisconnect(sim);
      await client.close();
      await gone;
      await sim.stop();
      assert.equal(sim.rib.size, 0);
      assert.equal(sim.thrift.errCount('RouteAdd', 0), 1);
    } finally {
      await sim.stop();
    }
  });
});

describe('sim lifecycle', () => {
  const tcpHandles = (): number => process.getActiveResourcesInfo().filter((k) => k === 'TCPServerWrap' || k === 'TCPSocketWrap').length;

  it('stop() closes servers and connections and leaves no handle open', async () => {
    const before = tcpHandles();
    const sim = await JetSimulator.start();
    const client = await TestClient.connect(sim.thriftPort);
    await login(client);
    await routeAdd(client, config('1.1.1.1/32', '10.1.1.2'));
    assert.equal((await getJson(sim.httpPort, '/rib')).status, 200);
    const port = sim.thriftPort;
    await sim.stop();
    await client.closed;
    assert.equal(sim.thrift.listening, false);
    assert.equal(sim.thriftPort, 0);
    assert.equal(sim.httpPort, 0);
    assert.equal(sim.rib.size, 0);
    assert.equal(tcpHandles(), before);
    const refused = net.connect(port, '127.0.0.1');
    const [err] = (await once(refused, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
    refused.destroy();
    await sim.stop(); // idempotent
  });

  it('fails to start on a port in use, leaving nothing open', async () => {
    const first = await JetSimulator.start();
    const before = tcpHandles();
    try {
      await assert.rejects(JetSimulator.start({ httpPort: first.httpPort }), /EADDRINUSE/);
      assert.equal(tcpHandles(), before);
    } finally {
      await first.stop();
    }
  });
});

describe('sim Thrift server over TLS', function () {
  let made: SelfSigned | null = null;
  let key: string;
  let cert: string;

  before(function () {
    made = selfSignedCert();
    ({ key, cert } = made);
  });

  after(() => made?.remove());

  it('logs in and adds a route over TLS, checking the server against the CA', async () => {
    const sim = await JetSimulator.start({ tls: { key, cert } });
    const client = await TestClient.connect(sim.thriftPort, Buffer.from(cert));
    try {
      assert.equal((await login(client)).result, true);
      assert.equal((await routeAdd(client, config('1.1.1.1/32', '10.1.1.2'))).err_code, 0);
      assert.ok(sim.rib.get('inet.0', '1.1.1.1/32'));
    } finally {
      await client.close();
      await sim.stop();
    }
    assert.equal(sim.rib.size, 0);
  });
});
