/**
 * The simulator's gRPC (jnx.jet) server, driven by a raw @grpc/grpc-js client made from the
 * project's .proto files (no plugin code): login and sessions, RouteInitialize, the route calls'
 * sub codes and batches, RouteGet, purge timers and client-id ownership, the RIB shared with
 * Thrift, TLS (mutual too), and the slow-router delay.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { once } from 'events';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as grpc from '@grpc/grpc-js';
import * as thrift from 'thrift';
import { jetGrpc } from '../../lib/grpc/proto';
import type { AuthenticationClient } from '../../lib/gen-grpc/jnx/jet/authentication/Authentication';
import type { LoginResponse__Output } from '../../lib/gen-grpc/jnx/jet/authentication/LoginResponse';
import type { BaseClient } from '../../lib/gen-grpc/jnx/jet/routing/base/Base';
import type { NetworkAddress } from '../../lib/gen-grpc/jnx/jet/routing/base/NetworkAddress';
import type { RoutePurgeTimerGetResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/base/RoutePurgeTimerGetResponse';
import type { RibClient } from '../../lib/gen-grpc/jnx/jet/routing/rib/Rib';
import type { RouteEntry } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteEntry';
import type { RouteGetRequest } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteGetRequest';
import type { RouteGetResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteGetResponse';
import type { RouteInitializeRequest } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteInitializeRequest';
import type { RouteInitializeResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteInitializeResponse';
import type { RouteMatch } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteMatch';
import type { RouteSetOperResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteSetOperResponse';
import { MessageReader } from '../../lib/thrift/framing';
import { encodeMessage, MessageType, openMessage } from '../../lib/thrift/codec';
import { AuthenticationLoginRequest, AuthenticationService, GatewayAddress, NexthopInfo, RouteConfig, RouteService } from '../../lib/gen/jet';
import { formatRibChange, GrpcSessionInfo, JetSimulator, JetSimulatorOptions, RibChange } from '../../sim';

const jet = jetGrpc().jnx.jet;

type SetOper = 'RouteAdd' | 'RouteModify' | 'RouteUpdate';

/**
 * A JET client as a router sees one: its own HTTP/2 connection (a local subchannel pool, so two
 * clients never share a connection), `client-id` metadata on every call.
 */
class JetClient {
  readonly auth: AuthenticationClient;
  readonly rib: RibClient;
  readonly base: BaseClient;
  readonly metadata = new grpc.Metadata();

  constructor(
    port: number,
    readonly clientId: string,
    creds: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    sendClientId = true,
  ) {
    const target = `127.0.0.1:${port}`;
    const options: grpc.ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 };
    // The test certificate names localhost too: no TLS server name that is an IP (Node warns, RFC 6066).
    if (creds._isSecure()) options['grpc.ssl_target_name_override'] = 'localhost';
    this.auth = new jet.authentication.Authentication(target, creds, options);
    const channelOverride = this.auth.getChannel();
    this.rib = new jet.routing.rib.Rib(target, creds, { channelOverride });
    this.base = new jet.routing.base.Base(target, creds, { channelOverride });
    if (sendClientId) this.metadata.set('client-id', clientId);
  }

  private unary<Res>(invoke: (md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => unknown): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      invoke(this.metadata, { deadline: Date.now() + 10000 }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  login(password = 'lab123', user = 'lab', clientId = this.clientId): Promise<LoginResponse__Output> {
    return this.unary((md, o, cb) => this.auth.Login({ username: user, password, client_id: clientId }, md, o, cb));
  }

  init(req: RouteInitializeRequest = {}): Promise<RouteInitializeResponse__Output> {
    return this.unary((md, o, cb) => this.rib.RouteInitialize(req, md, o, cb));
  }

  /** Login and RouteInitialize, checked. */
  async open(): Promise<void> {
    assert.equal((await this.login()).status?.code, 'SUCCESS');
    assert.equal((await this.init()).sub_code, 'SUCCESS');
  }

  set(method: SetOper, routes: RouteEntry[]): Promise<RouteSetOperResponse__Output> {
    return this.unary((md, o, cb) => this.rib[method]({ routes }, md, o, cb));
  }

  add(...routes: RouteEntry[]): Promise<RouteSetOperResponse__Output> {
    return this.set('RouteAdd', routes);
  }

  del(...keys: RouteMatch[]): Promise<RouteSetOperResponse__Output> {
    return this.unary((md, o, cb) => this.rib.RouteDelete({ keys }, md, o, cb));
  }

  cleanup(): Promise<{ sub_code: string }> {
    return this.unary((md, o, cb) => this.rib.RouteCleanup({}, md, o, cb));
  }

  purgeTimerAdd(time: number): Promise<{ sub_code: string }> {
    return this.unary((md, o, cb) => this.base.RoutePurgeTimerAdd({ time }, md, o, cb));
  }

  purgeTimerGet(): Promise<RoutePurgeTimerGetResponse__Output> {
    return this.unary((md, o, cb) => this.base.RoutePurgeTimerGet({}, md, o, cb));
  }

  purgeTimerDelete(): Promise<{ sub_code: string }> {
    return this.unary((md, o, cb) => this.base.RoutePurgeTimerDelete({}, md, o, cb));
  }

  /** Every reply of a RouteGet stream, once it ended. */
  async get(req: RouteGetRequest): Promise<RouteGetResponse__Output[]> {
    const replies: RouteGetResponse__Output[] = [];
    for await (const r of this.rib.RouteGet(req, this.metadata, { deadline: Date.now() + 10000 })) replies.push(r as RouteGetResponse__Output);
    return replies;
  }

  close(): void {
    this.auth.close();
  }
}

const addr = (ip: string): NetworkAddress => (ip.includes(':') ? { inet6: { addr_string: ip } } : { inet: { addr_string: ip } });

function key(prefix: string, table?: string): RouteMatch {
  const [ip, len] = prefix.split('/');
  return { dest_prefix: addr(ip), dest_prefix_len: Number(len), table: table === undefined ? undefined : { name: { name: table } } };
}

function route(prefix: string, gateways: string[] = ['10.1.1.2'], opts: { table?: string; preference?: number } = {}): RouteEntry {
  return {
    key: key(prefix, opts.table),
    nexthop: { gateways: gateways.map((g) => ({ gateway_address: addr(g) })) },
    attributes: opts.preference === undefined ? undefined : { preferences: { 0: { value: opts.preference } } },
  };
}

/** A RouteGet reply's routes as [table, prefix, gateways, preference]. */
function shown(replies: RouteGetResponse__Output[]): Array<[string, string, string[], number]> {
  const text = (a: NetworkAddress | null | undefined): string => {
    const ip = a?.inet ?? a?.inet6;
    if (ip?.addr_bytes && ip.addr_bytes.length > 0) return [...(ip.addr_bytes as Buffer)].join('.');
    return ip?.addr_string ?? '?';
  };
  return replies.flatMap((r) =>
    r.routes.map((e): [string, string, string[], number] => [
      e.key?.table?.name?.name ?? '',
      `${text(e.key?.dest_prefix)}/${e.key?.dest_prefix_len}`,
      (e.nexthop?.gateways ?? []).map((g) => text(g.gateway_address)),
      e.attributes?.preferences[0]?.value ?? -1,
    ]),
  );
}

const grpcError = (code: grpc.status, details: string) => (err: unknown): boolean => {
  const e = err as grpc.ServiceError;
  assert.equal(e.code, code, e.message);
  assert.equal(e.details, details);
  return true;
};

const nextSessionEnd = (sim: JetSimulator): Promise<GrpcSessionInfo> => once(sim.grpc, 'sessionEnd').then(([s]) => s as GrpcSessionInfo);

/** Closes a client and waits until the simulator has ended its session. */
async function disconnect(sim: JetSimulator, client: JetClient): Promise<GrpcSessionInfo> {
  const ended = nextSessionEnd(sim);
  client.close();
  return ended;
}

describe('sim gRPC server (jnx.jet)', () => {
  let sim: JetSimulator;
  const clients: JetClient[] = [];
  const lines: string[] = [];
  const client = (clientId = 'c1', creds?: grpc.ChannelCredentials, sendClientId = true): JetClient => {
    const c = new JetClient(sim.grpcPort, clientId, creds, sendClientId);
    clients.push(c);
    return c;
  };
  const start = async (options: JetSimulatorOptions = {}): Promise<void> => {
    await sim?.stop();
    lines.length = 0;
    sim = await JetSimulator.start({ thriftPort: false, sampling: false, log: (l) => lines.push(l), ...options });
  };

  beforeEach(() => start());

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.stop();
  });

  it('logs in with the right password only', async () => {
    const c = client();
    const bad = await c.login('wrong');
    assert.equal(bad.status?.code, 'FAILURE');
    assert.ok(bad.status?.message);
    assert.equal((await c.login('lab123', 'nobody')).status?.code, 'FAILURE');
    const ok = await c.login();
    assert.deepEqual(ok.status, { code: 'SUCCESS', message: '' });
    assert.equal(sim.grpc.counters.logins, 1);
    assert.equal(sim.grpc.counters.loginFailures, 2);
    assert.deepEqual(
      sim.grpc.sessionList().map((s) => [s.clientId, s.user, s.initialized]),
      [['c1', 'lab', false]],
    );
    // The same id again on the same connection: the same session.
    assert.equal((await c.login()).status?.code, 'SUCCESS');
    assert.equal(sim.grpc.sessionList().length, 1);
  });

  it('fails every call before Login with UNAUTHENTICATED "Authorization failed"', async () => {
    const c = client();
    const refused = grpcError(grpc.status.UNAUTHENTICATED, 'Authorization failed');
    await assert.rejects(c.init(), refused);
    await assert.rejects(c.add(route('1.1.1.1/32')), refused);
    await assert.rejects(c.del(key('1.1.1.1/32')), refused);
    await assert.rejects(c.purgeTimerAdd(60), refused);
    await assert.rejects(c.get({ key: key('1.1.1.1/32'), match_type: 'EXACT' }), refused);
    // A failed login opens no session either.
    await c.login('wrong');
    await assert.rejects(c.init(), refused);
    assert.equal(sim.grpc.counters.unauthenticated, 6);
    assert.equal(sim.rib.size, 0);
  });

  it('needs the client-id metadata of a session logged in on the same connection', async () => {
    const a = client('a');
    await a.open();
    // No client-id metadata: refused, although the connection has a session.
    const anonymous = client('a', undefined, false);
    assert.equal((await anonymous.login()).status?.code, 'FAILURE'); // 'a' is held by the other connection
    await assert.rejects(anonymous.init(), grpcError(grpc.status.UNAUTHENTICATED, 'Authorization failed'));
    // Client id 'a' sent from another connection: not its session.
    const impostor = client('a');
    await assert.rejects(impostor.add(route('1.1.1.1/32')), grpcError(grpc.status.UNAUTHENTICATED, 'Authorization failed'));
    assert.equal((await a.add(route('1.1.1.1/32'))).sub_code, 'SUCCESS');
  });

  it('answers NOT_INITIALIZED before RouteInitialize, ALREADY_INITIALIZED after', async () => {
    const c = client();
    assert.equal((await c.login()).status?.code, 'SUCCESS');
    const add = await c.add(route('1.1.1.1/32'));
    assert.equal(add.sub_code, 'NOT_INITIALIZED');
    assert.equal(add.status?.code, 'FAILURE');
    assert.ok(add.status?.message);
    assert.equal(add.operations_completed, 0);
    assert.equal((await c.del(key('1.1.1.1/32'))).sub_code, 'NOT_INITIALIZED');
    assert.equal((await c.set('RouteUpdate', [route('1.1.1.1/32')])).sub_code, 'NOT_INITIALIZED');
    assert.equal((await c.cleanup()).sub_code, 'NOT_INITIALIZED');
    assert.deepEqual(
      (await c.get({ key: key('1.1.1.1/32'), match_type: 'EXACT' })).map((r) => [r.sub_code, r.routes.length]),
      [['NOT_INITIALIZED', 0]],
    );
    assert.equal(sim.rib.size, 0);
    const first = await c.init();
    assert.deepEqual([first.status?.code, first.sub_code, first.num_client_routes], ['SUCCESS', 'SUCCESS', 0]);
    assert.equal((await c.add(route('1.1.1.1/32'))).sub_code, 'SUCCESS');
    const again = await c.init();
    assert.deepEqual([again.status?.code, again.sub_code, again.num_client_routes], ['FAILURE', 'ALREADY_INITIALIZED', 1]);
  });

  it('adds, refuses an existing route, deletes, and answers ROUTE_NOT_FOUND', async () => {
    const c = client();
    await c.open();
    const ok = await c.add(route('1.1.1.1/32', ['10.1.1.2'], { preference: 5 }));
    assert.deepEqual([ok.status?.code, ok.sub_code, ok.operations_completed], ['SUCCESS', 'SUCCESS', 1]);
    const exists = await c.add(route('1.1.1.1/32', ['10.1.1.3']));
    assert.deepEqual([exists.status?.code, exists.sub_code, exists.operations_completed], ['FAILURE', 'ROUTE_EXISTS', 0]);
    assert.deepEqual(sim.rib.get('inet.0', '1.1.1.1/32')?.nexthops, ['10.1.1.2']);
    const entry = sim.rib.get('inet.0', '1.1.1.1/32');
    assert.deepEqual([entry?.api, entry?.clientId, entry?.appId, entry?.metric, entry?.preference], ['grpc', 'c1', '', 0, 5]);

    assert.equal((await c.del(key('1.1.1.1/32'))).sub_code, 'SUCCESS');
    const gone = await c.del(key('1.1.1.1/32'));
    assert.deepEqual([gone.status?.code, gone.sub_code, gone.operations_completed], ['FAILURE', 'ROUTE_NOT_FOUND', 0]);
    assert.equal((await c.set('RouteModify', [route('1.1.1.1/32')])).sub_code, 'ROUTE_NOT_FOUND');
    assert.equal(sim.rib.size, 0);
    assert.deepEqual(lines.filter((l) => /^[-+~] /.test(l)), [
      '+ inet.0: 1.1.1.1/32 *[Static/5] metric 0 > to 10.1.1.2 (client c1)',
      '- inet.0: 1.1.1.1/32 (client c1, deleted)',
    ]);
  });

  it('RouteUpdate adds or replaces, RouteModify replaces; another client cannot touch the route', async () => {
    const c = client();
    await c.open();
    assert.equal((await c.set('RouteUpdate', [route('1.1.1.1/32')])).sub_code, 'SUCCESS');
    assert.equal((await c.set('RouteUpdate', [route('1.1.1.1/32', ['10.1.1.3'])])).sub_code, 'SUCCESS');
    assert.equal((await c.set('RouteModify', [route('1.1.1.1/32', ['10.1.1.4', '10.1.1.5'], { preference: 20 })])).sub_code, 'SUCCESS');
    const e = sim.rib.get('inet.0', '1.1.1.1/32');
    assert.deepEqual([e?.nexthops, e?.preference], [['10.1.1.4', '10.1.1.5'], 20]);
    assert.deepEqual(lines.filter((l) => /^[-+~] /.test(l)), [
      '+ inet.0: 1.1.1.1/32 *[Static/5] metric 0 > to 10.1.1.2 (client c1)',
      '~ inet.0: 1.1.1.1/32 *[Static/5] metric 0 > to 10.1.1.3 (client c1)',
      '~ inet.0: 1.1.1.1/32 *[Static/20] metric 0 > to 10.1.1.4, to 10.1.1.5 (client c1)',
    ]);
    const other = client('c2');
    await other.open();
    assert.equal((await other.set('RouteUpdate', [route('1.1.1.1/32')])).sub_code, 'ROUTE_EXISTS');
    assert.equal((await other.set('RouteModify', [route('1.1.1.1/32')])).sub_code, 'ROUTE_NOT_FOUND');
    assert.equal((await other.del(key('1.1.1.1/32'))).sub_code, 'ROUTE_NOT_FOUND');
    assert.deepEqual(await other.get({ key: key('1.1.1.1/32'), match_type: 'EXACT' }).then(shown), []);
    assert.equal(sim.rib.get('inet.0', '1.1.1.1/32')?.clientId, 'c1');
  });

  it('processes a batch in order and stops at the first error, counting operations_completed', async () => {
    const c = client();
    await c.open();
    const r = await c.add(route('10.0.1.0/24'), route('10.0.2.0/24'), route('10.0.3.1/24'), route('10.0.4.0/24'));
    assert.deepEqual([r.status?.code, r.sub_code, r.operations_completed], ['FAILURE', 'PREFIX_INVALID', 2]);
    assert.match(r.status?.message ?? '', /routes\[2\].*host bits/);
    assert.deepEqual(
      sim.rib.entries().map((e) => e.prefix),
      ['10.0.1.0/24', '10.0.2.0/24'],
    );
    const dup = await c.add(route('10.0.3.0/24'), route('10.0.1.0/24'), route('10.0.4.0/24'));
    assert.deepEqual([dup.sub_code, dup.operations_completed], ['ROUTE_EXISTS', 1]);
    const del = await c.del(key('10.0.3.0/24'), key('10.0.9.0/24'), key('10.0.1.0/24'));
    assert.deepEqual([del.sub_code, del.operations_completed], ['ROUTE_NOT_FOUND', 1]);
    assert.deepEqual(
      sim.rib.entries().map((e) => e.prefix),
      ['10.0.1.0/24', '10.0.2.0/24'],
    );

    const cases: Array<[RouteEntry, string]> = [
      [route('10.9.0.0/24', ['10.1.1']), 'GATEWAY_INVALID'],
      [route('10.9.0.0/24', ['2001:db8::1']), 'GATEWAY_INVALID'],
      [route('10.9.0.0/24', []), 'NEXTHOP_INVALID'],
      [route('10.9.0.0/24', ['10.1.1.2'], { table: 'mpls.0' }), 'TABLE_INVALID'],
      [route('10.9.0.0/24', ['10.1.1.2'], { table: 'inet6.0' }), 'TABLE_INVALID'],
      [route('10.9.0.0/33'), 'PREFIX_LEN_TOO_LONG'],
      [route('10.9.0.300/32'), 'PREFIX_INVALID'],
      [{ nexthop: { gateways: [{ gateway_address: addr('10.1.1.2') }] } }, 'PREFIX_INVALID'],
    ];
    for (const [bad, code] of cases) {
      const res = await c.add(bad);
      assert.deepEqual([res.sub_code, res.operations_completed, res.status?.code], [code, 0, 'FAILURE'], JSON.stringify(bad));
      assert.ok(res.status?.message);
    }
    assert.equal((await c.add()).sub_code, 'REQUEST_INVALID');
    assert.equal((await c.del()).sub_code, 'REQUEST_INVALID');
    assert.equal(sim.rib.size, 2);
  });

  it('takes 1000 routes in one call and refuses 1001 with TOO_MANY_OPS', async () => {
    const c = client();
    await c.open();
    const many = (n: number, third: number): RouteEntry[] => Array.from({ length: n }, (_, i) => route(`10.${third}.${i >> 8}.${i & 255}/32`));
    const tooMany = await c.add(...many(1001, 1));
    assert.deepEqual([tooMany.status?.code, tooMany.sub_code, tooMany.operations_completed], ['FAILURE', 'TOO_MANY_OPS', 0]);
    assert.equal(sim.rib.size, 0);
    const full = await c.add(...many(1000, 2));
    assert.deepEqual([full.sub_code, full.operations_completed], ['SUCCESS', 1000]);
    assert.equal(sim.rib.size, 1000);
    // Listing them: one reply holds up to 1000 routes; one more route streams a second reply.
    const all = await c.get({ key: { table: { name: { name: 'inet.0' } } }, match_type: 'EXACT_OR_LONGER' });
    assert.deepEqual(all.map((r) => [r.sub_code, r.routes.length]), [['SUCCESS', 1000]]);
    assert.equal((await c.add(route('10.3.0.0/16'))).sub_code, 'SUCCESS');
    const more = await c.get({ key: key('0.0.0.0/0'), match_type: 'EXACT_OR_LONGER' });
    assert.deepEqual(more.map((r) => r.routes.length), [1000, 1]);
    assert.equal((await c.cleanup()).sub_code, 'SUCCESS');
    assert.equal(sim.rib.size, 0);
  });

  it('reads routes back with RouteGet: EXACT of IPv4, IPv6 and ECMP routes, listing, not found', async () => {
    const c = client();
    await c.open();
    assert.equal(
      (
        await c.add(
          route('1.1.1.1/32', ['10.1.1.2'], { preference: 3 }),
          route('2001:db8:1::/64', ['2001:db8::2']),
          route('2.2.2.0/24', ['10.1.1.2', '10.1.2.2'], { preference: 10 }),
          route('2.2.2.128/25', ['10.1.1.9'], { table: 'blue.inet.0' }),
        )
      ).sub_code,
      'SUCCESS',
    );
    const exact = (prefix: string, table?: string): Promise<Array<[string, string, string[], number]>> =>
      c.get({ key: key(prefix, table), match_type: 'EXACT' }).then(shown);
    assert.deepEqual(await exact('1.1.1.1/32'), [['inet.0', '1.1.1.1/32', ['10.1.1.2'], 5]]);
    assert.deepEqual(await exact('2001:DB8:1:0::/64'), [['inet6.0', '2001:db8:1::/64', ['2001:db8::2'], 5]]);
    assert.deepEqual(await exact('2.2.2.0/24'), [['inet.0', '2.2.2.0/24', ['10.1.1.2', '10.1.2.2'], 10]]);
    assert.deepEqual(await exact('2.2.2.128/25', 'blue.inet.0'), [['blue.inet.0', '2.2.2.128/25', ['10.1.1.9'], 5]]);

    const none = await c.get({ key: key('9.9.9.9/32'), match_type: 'EXACT' });
    assert.deepEqual(
      none.map((r) => [r.status?.code, r.sub_code, r.routes.length]),
      [['FAILURE', 'ROUTE_NOT_FOUND', 0]],
    );
    // EXACT_OR_LONGER: 0.0.0.0/0 lists the client's routes of the table; a shorter prefix those within it.
    assert.deepEqual(
      shown(await c.get({ key: key('0.0.0.0/0'), match_type: 'EXACT_OR_LONGER' })).map((r) => r[1]),
      ['1.1.1.1/32', '2.2.2.0/24'],
    );
    assert.deepEqual(
      shown(await c.get({ key: key('2.0.0.0/8', 'blue.inet.0'), match_type: 'EXACT_OR_LONGER' })).map((r) => r[1]),
      ['2.2.2.128/25'],
    );
    // No prefix at all: both default tables.
    assert.equal(shown(await c.get({ key: {}, match_type: 'EXACT_OR_LONGER' })).length, 3);
    // BEST: the longest of the client's prefixes holding the address.
    assert.deepEqual(shown(await c.get({ key: key('2.2.2.7/32'), match_type: 'BEST' })).map((r) => r[1]), ['2.2.2.0/24']);
    assert.equal((await c.get({ key: key('1.1.1.1/32'), match_type: 'EXACT', route_count: 0 })).length, 1);
  });

  it('RouteGet is a lookup: other protocols\' routes at the prefix come too, first on a tie, and JET never touches them', async () => {
    await start({ otherRoutes: [{ prefix: '1.1.1.1/32', nexthops: ['10.9.9.9'] }, { prefix: '2.2.0.0/16', nexthops: '10.9.9.8', protocol: 'bgp' }] });
    assert.ok(lines.includes("rib: + inet.0: 1.1.1.1/32 [Static/5] > to 10.9.9.9 (static, not JET's)"), lines.join('\n'));
    const c = client();
    await c.open();
    const exact = (): Promise<Array<[string, string, string[], number]>> => c.get({ key: key('1.1.1.1/32'), match_type: 'EXACT' }).then(shown);
    assert.deepEqual(await exact(), [['inet.0', '1.1.1.1/32', ['10.9.9.9'], 5]], 'found: another protocol\'s route, no owner named');
    // A JET route at the same prefix is another route: added, and both are there.
    assert.equal((await c.add(route('1.1.1.1/32'))).sub_code, 'SUCCESS');
    assert.deepEqual(await exact(), [
      ['inet.0', '1.1.1.1/32', ['10.9.9.9'], 5],
      ['inet.0', '1.1.1.1/32', ['10.1.1.2'], 5],
    ]);
    assert.equal((await c.set('RouteUpdate', [route('1.1.1.1/32', ['10.1.1.3'])])).sub_code, 'SUCCESS');
    sim.rib.others.add({ prefix: '1.1.1.1/32', nexthops: '10.9.9.7', protocol: 'bgp' });
    assert.deepEqual((await exact()).map((r) => `${r[2][0]}/${r[3]}`), ['10.9.9.9/5', '10.1.1.3/5', '10.9.9.7/170'], 'by preference');
    sim.rib.others.remove('inet.0', '1.1.1.1/32', 'bgp');
    // Listing and BEST see them too; another client sees the other protocol's route, not c1's.
    assert.deepEqual(shown(await c.get({ key: key('0.0.0.0/0'), match_type: 'EXACT_OR_LONGER' })).map((r) => `${r[1]} ${r[2][0]}`), [
      '1.1.1.1/32 10.9.9.9',
      '1.1.1.1/32 10.1.1.3',
      '2.2.0.0/16 10.9.9.8',
    ]);
    assert.deepEqual(shown(await c.get({ key: key('2.2.3.4/32'), match_type: 'BEST' })).map((r) => [r[1], r[3]]), [['2.2.0.0/16', 170]]);
    const other = client('c2');
    await other.open();
    assert.deepEqual(shown(await other.get({ key: key('1.1.1.1/32'), match_type: 'EXACT' })).map((r) => r[2][0]), ['10.9.9.9']);
    // Deletes, RouteCleanup and purges take the JET routes only.
    assert.equal((await other.del(key('2.2.0.0/16'))).sub_code, 'ROUTE_NOT_FOUND');
    assert.equal((await c.del(key('1.1.1.1/32'))).sub_code, 'SUCCESS');
    assert.equal((await c.cleanup()).sub_code, 'SUCCESS');
    assert.equal(sim.rib.size, 0);
    assert.equal(sim.rib.others.size, 2);
    assert.deepEqual(await exact(), [['inet.0', '1.1.1.1/32', ['10.9.9.9'], 5]]);
  });

  it('accepts addr_bytes and answers in bytes after RouteInitialize asks for them', async () => {
    const c = client();
    assert.equal((await c.login()).status?.code, 'SUCCESS');
    assert.equal((await c.init({ default_response_address_format: 'ADDRESS_BYTES', default_preferences: { 0: { value: 7 } } })).sub_code, 'SUCCESS');
    const bytes = (ip: string): NetworkAddress => ({ inet: { addr_bytes: Buffer.from(ip.split('.').map(Number)) } });
    const entry: RouteEntry = { key: { dest_prefix: bytes('3.3.3.0'), dest_prefix_len: 24 }, nexthop: { gateways: [{ gateway_address: bytes('10.1.1.2') }] } };
    assert.equal((await c.add(entry)).sub_code, 'SUCCESS');
    assert.equal(sim.rib.get('inet.0', '3.3.3.0/24')?.preference, 7);
    const got = await c.get({ key: key('3.3.3.0/24'), match_type: 'EXACT' });
    assert.deepEqual(shown(got), [['inet.0', '3.3.3.0/24', ['10.1.1.2'], 7]]);
    assert.equal(got[0].routes[0].key?.dest_prefix?.inet?.addr_format, 'addr_bytes');
  });

  it('keeps the routes for the purge time after a disconnect; the next session of the id finds them', async () => {
    await start({ purgeSecondMs: 10 });
    const c = client('keeper');
    await c.open();
    assert.equal((await c.purgeTimerGet()).time, 120, 'the IDL\'s default');
    assert.equal((await c.purgeTimerAdd(60)).sub_code, 'SUCCESS');
    assert.deepEqual(await c.purgeTimerGet().then((r) => [r.status?.code, r.sub_code, r.time]), ['SUCCESS', 'SUCCESS', 60]);
    await c.add(route('1.1.1.1/32'), route('2001:db8::/32', ['2001:db8::1']));
    await disconnect(sim, c);
    assert.equal(sim.rib.size, 2);
    assert.ok(lines.some((l) => /client keeper\) ended: .*2 route\(s\) kept for 60 s/.test(l)), lines.join('\n'));

    const again = client('keeper');
    assert.equal((await again.login()).status?.code, 'SUCCESS');
    const init = await again.init();
    assert.deepEqual([init.sub_code, init.num_client_routes], ['SUCCESS', 2]);
    // They are this session's routes now: readable and deletable.
    assert.equal(shown(await again.get({ key: key('1.1.1.1/32'), match_type: 'EXACT' })).length, 1);
    assert.equal((await again.del(key('1.1.1.1/32'))).sub_code, 'SUCCESS');
    // The purge time stays with the client id; it runs out once the client is gone for good.
    assert.equal((await again.purgeTimerGet()).time, 60);
    assert.equal((await again.purgeTimerAdd(2)).sub_code, 'SUCCESS');
    const purged = once(sim.grpc, 'purge');
    await disconnect(sim, again);
    assert.equal(sim.rib.size, 1);
    const [clientId, routes] = (await purged) as [string, unknown[]];
    assert.deepEqual([clientId, routes.length, sim.rib.size], ['keeper', 1, 0]);
    assert.ok(lines.includes('- inet6.0: 2001:db8::/32 (client keeper, purged: purge time 2 s of client keeper over)'), lines.join('\n'));
  });

  it('without a purge time a client\'s routes stay for the default, 120 s, as the IDL says; RoutePurgeTimerDelete goes back to it', async () => {
    await start({ purgeSecondMs: 10 });
    const c = client('default');
    await c.open();
    assert.deepEqual(await c.purgeTimerGet().then((r) => [r.status?.code, r.sub_code, r.time]), ['SUCCESS', 'SUCCESS', 120]);
    assert.equal((await c.purgeTimerAdd(60)).sub_code, 'SUCCESS');
    assert.equal((await c.purgeTimerDelete()).sub_code, 'SUCCESS');
    assert.equal((await c.purgeTimerGet()).time, 120);
    await c.add(route('1.1.1.1/32'));
    await disconnect(sim, c);
    assert.equal(sim.rib.size, 1, 'kept after the session');
    assert.ok(lines.some((l) => /client default\) ended: .*1 route\(s\) kept for 120 s/.test(l)), lines.join('\n'));
    const again = client('default');
    assert.equal((await again.login()).status?.code, 'SUCCESS');
    assert.equal((await again.init()).num_client_routes, 1);
  });

  it('refuses a purge time outside 1..1000 s (the IDL\'s range) with INVALID_PARAMS, keeping the one in force', async () => {
    const c = client('picky');
    await c.open();
    assert.equal((await c.purgeTimerAdd(1)).sub_code, 'SUCCESS');
    assert.equal((await c.purgeTimerAdd(1000)).sub_code, 'SUCCESS');
    for (const time of [0, 1001, 86400]) {
      const r = (await c.purgeTimerAdd(time)) as { sub_code: string; status?: { code: string; message: string } };
      assert.deepEqual([r.status?.code, r.sub_code, r.status?.message], ['FAILURE', 'INVALID_PARAMS', `time ${time} s is out of range 1..1000`], String(time));
    }
    assert.equal((await c.purgeTimerGet()).time, 1000);
    assert.equal(sim.grpc.subCodeCount('RoutePurgeTimerAdd', 'INVALID_PARAMS'), 3);
  });

  it('purges at once with a default purge time of 0 (RoutePurgeTimerDelete included); RouteCleanup removes them all', async () => {
    // A router set to purge at once (defaultPurgeTimeS 0): the routes go with the session.
    await start({ defaultPurgeTimeS: 0 });
    const c = client('brief');
    await c.open();
    await c.add(route('1.1.1.1/32'), route('2.2.2.2/32'));
    assert.equal((await c.purgeTimerAdd(60)).sub_code, 'SUCCESS');
    assert.equal((await c.purgeTimerDelete()).sub_code, 'SUCCESS');
    assert.equal((await c.purgeTimerGet()).time, 0);
    const changes: RibChange[] = [];
    sim.rib.on('change', (ch) => changes.push(ch));
    await disconnect(sim, c);
    assert.equal(sim.rib.size, 0);
    assert.deepEqual(
      changes.map((ch) => formatRibChange(ch)),
      ['- inet.0: 1.1.1.1/32 (client brief, purged: session 1 ended)', '- inet.0: 2.2.2.2/32 (client brief, purged: session 1 ended)'],
    );
    const again = client('brief');
    assert.equal((await again.login()).status?.code, 'SUCCESS');
    assert.equal((await again.init()).num_client_routes, 0);
    await again.add(route('3.3.3.3/32'), route('4.4.4.4/32'));
    const other = client('other');
    await other.open();
    await other.add(route('5.5.5.5/32'));
    assert.equal((await again.cleanup()).sub_code, 'SUCCESS');
    assert.deepEqual(
      sim.rib.entries().map((e) => [e.prefix, e.clientId]),
      [['5.5.5.5/32', 'other']],
    );
  });

  it('refuses a client id held by a live or a lingering session, and takes it once the session ended', async () => {
    await start({ grpcLingerMs: 100 });
    const first = client('dup');
    await first.open();
    const second = client('dup');
    const live = await second.login();
    assert.deepEqual(live.status, { code: 'FAILURE', message: 'Client Id dup already exists' });
    const gone = once(sim.grpc, 'disconnect');
    first.close();
    await gone;
    assert.deepEqual(
      sim.grpc.sessionList().map((s) => [s.clientId, s.lingering]),
      [['dup', true]],
    );
    assert.equal((await second.login()).status?.message, 'Client Id dup already exists');
    await nextSessionEnd(sim);
    assert.equal((await second.login()).status?.code, 'SUCCESS');
    assert.equal((await second.init()).sub_code, 'SUCCESS');
    // endLingeringSessions() ends them without waiting.
    await start({ grpcLingerMs: 60000 });
    const a = client('x');
    await a.open();
    const aGone = once(sim.grpc, 'disconnect');
    a.close();
    await aGone;
    const b = client('x');
    assert.equal((await b.login()).status?.code, 'FAILURE');
    sim.grpc.endLingeringSessions();
    assert.equal((await b.login()).status?.code, 'SUCCESS');
  });

  it('shares one RIB and the users with the Thrift server', async () => {
    // Purged at once when a session ends (not the default 120 s): the disconnect below shows whose routes go.
    await start({ thriftPort: 0, users: { jet: 'secret' }, defaultPurgeTimeS: 0 });
    const t = await ThriftClient.connect(sim.thriftPort);
    try {
      assert.equal(await t.login('jet', 'secret'), true);
      assert.equal(await t.routeAdd('1.1.1.1/32'), 0);
      const c = client();
      assert.equal((await c.login('secret', 'jet')).status?.code, 'SUCCESS');
      assert.equal((await c.init()).sub_code, 'SUCCESS');
      assert.equal((await c.add(route('1.1.1.1/32'))).sub_code, 'ROUTE_EXISTS');
      assert.equal((await c.del(key('1.1.1.1/32'))).sub_code, 'ROUTE_NOT_FOUND');
      assert.equal((await c.add(route('2.2.2.2/32'))).sub_code, 'SUCCESS');
      assert.equal(await t.routeAdd('2.2.2.2/32'), 2);
      assert.equal(await t.routeDelete('2.2.2.2/32'), 3);
      // /rib shows who owns each route.
      const rib = await getJson(sim.httpPort, '/rib');
      assert.deepEqual(
        rib.routes.map((r) => [r.prefix, r.api, r.owner]),
        [
          ['1.1.1.1/32', 'thrift', 'app 111:222'],
          ['2.2.2.2/32', 'grpc', 'client c1'],
        ],
      );
      // Each side's disconnect takes only its own routes.
      await disconnect(sim, c);
      assert.deepEqual(
        sim.rib.entries().map((e) => e.prefix),
        ['1.1.1.1/32'],
      );
    } finally {
      await t.close();
    }
    assert.equal(sim.rib.size, 0);
  });

  it('restartGrpc() drops the sessions and their routes, on the same port', async () => {
    await start({ defaultPurgeTimeS: 3600 });
    const c = client();
    await c.open();
    await c.add(route('1.1.1.1/32'));
    const port = sim.grpcPort;
    await sim.restartGrpc();
    assert.equal(sim.grpcPort, port);
    assert.equal(sim.rib.size, 0);
    assert.deepEqual(sim.grpc.sessionList(), []);
    // The same channel reconnects: a new connection, not logged in.
    await assert.rejects(c.init(), grpcError(grpc.status.UNAUTHENTICATED, 'Authorization failed'));
    await c.open();
  });

  it('stop() leaves no handle open, and either server can be off', async () => {
    const tcp = (): number => process.getActiveResourcesInfo().filter((k) => k === 'TCPServerWrap' || k === 'TCPSocketWrap').length;
    await sim.stop();
    const before = tcp();
    sim = await JetSimulator.start({ sampling: false });
    assert.ok(sim.thriftPort > 0 && sim.grpcPort > 0);
    const c = new JetClient(sim.grpcPort, 'c1');
    await c.open();
    await c.add(route('1.1.1.1/32'));
    const port = sim.grpcPort;
    await sim.stop();
    c.close();
    assert.equal(sim.grpcPort, 0);
    assert.equal(sim.rib.size, 0);
    const refused = net.connect(port, '127.0.0.1');
    const [err] = (await once(refused, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
    refused.destroy();
    await once(refused, 'close');
    assert.equal(tcp(), before);

    sim = await JetSimulator.start({ sampling: false, grpcPort: false });
    assert.deepEqual([sim.grpcPort > 0, sim.thriftPort > 0], [false, true]);
    await sim.stop();
    sim = await JetSimulator.start({ sampling: false, thriftPort: null });
    assert.deepEqual([sim.grpcPort > 0, sim.thriftPort > 0], [true, false]);
  });
});

describe('sim gRPC server: a slow router (routeDelayMs)', () => {
  let sim: JetSimulator;
  afterEach(() => sim.stop());

  it('answers n routes n × routeDelayMs later, one call of a session after the other, without blocking others', async () => {
    const delay = 25;
    sim = await JetSimulator.start({ sampling: false, routeDelayMs: delay });
    const a = new JetClient(sim.grpcPort, 'a');
    const b = new JetClient(sim.grpcPort, 'b');
    try {
      await a.open();
      await b.open();
      const order: string[] = [];
      const t0 = performance.now();
      const first = a.add(route('1.1.1.0/24'), route('1.1.2.0/24'), route('1.1.3.0/24')).then((r) => {
        order.push('first');
        return [r.sub_code, performance.now() - t0];
      });
      const second = a.add(route('1.1.4.0/24'), route('1.1.5.0/24')).then((r) => {
        order.push('second');
        return [r.sub_code, performance.now() - t0];
      });
      // Another session is not held up: its login and a one-route call come back meanwhile.
      await b.add(route('2.2.2.0/24')).then(() => order.push('other'));
      const [[s1, t1], [s2, t2]] = await Promise.all([first, second]);
      assert.deepEqual([s1, s2], ['SUCCESS', 'SUCCESS']);
      assert.deepEqual(order, ['other', 'first', 'second']);
      // Timers fire no earlier than asked (1 ms of rounding allowed).
      assert.ok((t1 as number) >= 3 * delay - 1, `first after ${t1} ms`);
      assert.ok((t2 as number) >= 5 * delay - 1, `second after ${t2} ms`);
      assert.equal(sim.grpc.counters.maxQueued, 2);

      // Thrift is slowed down as much.
      const t = await ThriftClient.connect(sim.thriftPort);
      try {
        assert.equal(await t.login('lab', 'lab123'), true);
        const t3 = performance.now();
        assert.equal(await t.routeAdd('3.3.3.3/32'), 0);
        assert.ok(performance.now() - t3 >= delay - 1);
      } finally {
        await t.close();
      }
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('sim gRPC server over TLS', () => {
  let dir = '';
  let ca: Buffer;
  let server: { key: Buffer; cert: Buffer };
  let user: { key: Buffer; cert: Buffer };
  let sim: JetSimulator | undefined;

  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const signed = (name: string, ext: string): { key: Buffer; cert: Buffer } => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext}\nbasicConstraints=CA:FALSE\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
    return { key: fs.readFileSync(path.join(dir, `${name}.key`)), cert: fs.readFileSync(path.join(dir, `${name}.pem`)) };
  };

  before(() => {
    // openssl is installed by .ci/run; a missing one fails the suite rather than skipping it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-sim-grpc-tls-'));
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1',
      '-subj', '/CN=JET sim test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    ca = fs.readFileSync(path.join(dir, 'ca.pem'));
    server = signed('router', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
    user = signed('node-red', 'extendedKeyUsage=clientAuth');
  });

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('logs in and adds a route over TLS, the client checking the server against the CA', async () => {
    // Purged at once when the session ends (not the default 120 s), so that its end shows in the RIB.
    sim = await JetSimulator.start({ sampling: false, thriftPort: false, grpcTls: server, defaultPurgeTimeS: 0 });
    const c = new JetClient(sim.grpcPort, 'tls', grpc.credentials.createSsl(ca));
    try {
      await c.open();
      assert.equal((await c.add(route('1.1.1.1/32'))).sub_code, 'SUCCESS');
      assert.equal(sim.rib.get('inet.0', '1.1.1.1/32')?.clientId, 'tls');
      // Session end is seen under TLS too.
      await disconnect(sim, c);
      assert.equal(sim.rib.size, 0);
    } finally {
      c.close();
    }
  });

  it('with mutual TLS, refuses a client without a certificate and serves one with', async () => {
    sim = await JetSimulator.start({ sampling: false, thriftPort: false, grpcTls: { ...server, ca, requestCert: true } });
    const anonymous = new JetClient(sim.grpcPort, 'anon', grpc.credentials.createSsl(ca));
    const known = new JetClient(sim.grpcPort, 'known', grpc.credentials.createSsl(ca, user.key, user.cert));
    try {
      await assert.rejects(anonymous.login(), (err: unknown) => (err as grpc.ServiceError).code === grpc.status.UNAVAILABLE);
      assert.equal(sim.grpc.counters.logins, 0);
      await known.open();
      assert.equal((await known.add(route('1.1.1.1/32'))).sub_code, 'SUCCESS');
    } finally {
      anonymous.close();
      known.close();
    }
  });
});

// ------------------------------------------------------------------------------------ helpers

interface RibJson {
  routes: Array<{ prefix: string; api: string; owner: string }>;
}

function getJson(port: number, urlPath: string): Promise<RibJson> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(JSON.parse(text) as RibJson));
    });
    req.on('error', reject);
  });
}

/** A minimal multiplexed Thrift client, one call at a time (the Thrift side of the shared RIB). */
class ThriftClient {
  private readonly reader = new MessageReader();
  private seq = 0;
  private waiting?: (message: Buffer) => void;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const m of this.reader.push(chunk)) this.waiting?.(m);
    });
  }

  static async connect(port: number): Promise<ThriftClient> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new ThriftClient(socket);
  }

  private async call<R>(name: string, args: { write(out: thrift.TProtocol): void }, read: (input: thrift.TProtocol) => R): Promise<R> {
    const reply = new Promise<Buffer>((resolve) => (this.waiting = resolve));
    this.socket.write(encodeMessage(name, MessageType.CALL, ++this.seq, (out) => args.write(out)));
    const { header, input } = openMessage(await reply);
    assert.equal(header.type, MessageType.REPLY);
    return read(input);
  }

  async login(user: string, password: string): Promise<boolean | undefined> {
    const args = new AuthenticationService.LoginCheckArgs({ login_request: new AuthenticationLoginRequest({ user_name: user, password, client_id: 'thrift' }) });
    return this.call('AuthenticationService:LoginCheck', args, (i) => AuthenticationService.LoginCheckResult.read(i).success?.result);
  }

  private config(prefix: string): RouteConfig {
    return new RouteConfig({
      app_id: '111:222',
      prefix,
      nexthops: [new NexthopInfo({ nexthop_address: new GatewayAddress({ nexthop_ip: '10.1.1.2' }) })],
      preference: [5],
      metric: [3],
    });
  }

  async routeAdd(prefix: string): Promise<number | undefined> {
    const args = new RouteService.RouteAddArgs({ route_config: this.config(prefix) });
    return this.call('RouteService:RouteAdd', args, (i) => RouteService.RouteAddResult.read(i).success?.err_code);
  }

  async routeDelete(prefix: string): Promise<number | undefined> {
    const args = new RouteService.RouteDeleteArgs({ route_config: this.config(prefix) });
    return this.call('RouteService:RouteDelete', args, (i) => RouteService.RouteDeleteResult.read(i).success?.err_code);
  }

  async close(): Promise<void> {
    const closed = once(this.socket, 'close');
    this.socket.destroy();
    await closed;
  }
}
