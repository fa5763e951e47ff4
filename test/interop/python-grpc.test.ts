/**
 * The gRPC `jnx.jet` API (docs/protocol.md §6) against a JET server on Debian's python3-grpcio, whose
 * stubs protoc and grpc_python_plugin generate from idl/ at test time (nothing generated is kept):
 * an implementation that is not ours reads what we send and answers what we read.
 *  - wire: a plain @grpc/grpc-js client on the project's protos and proto-loader options
 *    (lib/grpc/proto.ts) against protoc's reading of the same files;
 *  - nodes: jet-router (api grpc) with jet-route-add / jet-route-delete in a Node-RED runtime;
 *  - management: a router session's management API (GrpcBackend.management, lib/grpc) against the
 *    Python Management service: OpCommandGet's streamed output joined, ConfigSet's request as protoc
 *    reads it.
 * .ci/run installs protobuf-compiler, protobuf-compiler-grpc, libprotobuf-dev (google/protobuf/
 * wrappers.proto for protoc), python3-grpcio and python3-protobuf.
 */
import { strict as assert } from 'assert';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as grpc from '@grpc/grpc-js';
import * as ipaddr from 'ipaddr.js';
import { jetGrpc } from '../../lib/grpc/proto';
import type { AuthenticationClient } from '../../lib/gen-grpc/jnx/jet/authentication/Authentication';
import type { LoginResponse__Output } from '../../lib/gen-grpc/jnx/jet/authentication/LoginResponse';
import type { BaseClient } from '../../lib/gen-grpc/jnx/jet/routing/base/Base';
import type { NetworkAddress, NetworkAddress__Output } from '../../lib/gen-grpc/jnx/jet/routing/base/NetworkAddress';
import type { RoutePurgeTimerAddResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/base/RoutePurgeTimerAddResponse';
import type { RibClient } from '../../lib/gen-grpc/jnx/jet/routing/rib/Rib';
import type { RouteDeleteResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteDeleteResponse';
import type { RouteEntry, RouteEntry__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteEntry';
import type { RouteGetResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteGetResponse';
import type { RouteInitializeResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteInitializeResponse';
import type { RouteMatch } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteMatch';
import type { RouteSetOperResponse__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteSetOperResponse';
import { GrpcBackend } from '../../lib/grpc/backend';
import { ManagementRefusedError } from '../../lib/core/management-errors';
import { rmonReplaceConfig } from '../../lib/junos/config-commands';
import { interfaceInformationRpc, parseInterfaceIndex } from '../../lib/junos/interfaces';
import { until, waitFor } from '../support/wait';
import { JetRoutes } from '../../lib/core/route-client';
import { RouteState } from '../../lib/core/route-state';
import type { RouteSpec } from '../../lib/core/route-spec';
import { ROOT } from '../support/paths';
// The stubs as the bench's gRPC replica gets them: protoc and grpc_python_plugin, from idl/.
import { generateGrpcStubs as generateStubs } from '../../bench/lib/python';

const PYTHON = '/usr/bin/python3';
const SERVER = path.join(ROOT, 'test', 'python', 'jet_grpc_server.py');

type Rec = Record<string, any>;

interface RibRoute {
  table: string;
  prefix: string;
  client_id: string;
  gateways: Array<{ address: string | null; interface: string | null; weight: number }>;
  preference: number;
  preference2: number;
}

/** The Python server as a child process: its call log, its RIB, its end. */
class PythonJet {
  readonly calls: Rec[] = [];
  readonly lines = new EventEmitter();
  port = 0;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', (code) => this.lines.emit('exit', code, this.stderr));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let rec: Rec;
      try {
        rec = JSON.parse(line) as Rec;
      } catch {
        this.stderr += `unparsable stdout line: ${line}\n`;
        return;
      }
      if (rec.call) this.calls.push(rec);
      this.lines.emit('line', rec);
    });
  }

  static async start(stubs: string, user = 'lab', password = 'lab123'): Promise<PythonJet> {
    const child = spawn(PYTHON, [SERVER, stubs, '0', user, password]);
    const server = new PythonJet(child);
    const exited = waitFor<[number, string]>(server.lines, 'exit', () => true, 20000, 'python server exit').then(([code, err]) => {
      throw new Error(`python gRPC server exited (${code}): ${err}`);
    });
    exited.catch(() => undefined);
    const [ready] = await Promise.race([waitFor<[Rec]>(server.lines, 'line', (rec) => typeof rec.listening === 'number', 15000, 'listening'), exited]);
    server.port = ready.listening as number;
    return server;
  }

  /** The server's RIB as it is now (it answers the `rib` command on stdin in order). */
  async rib(): Promise<RibRoute[]> {
    const got = waitFor<[Rec]>(this.lines, 'line', (rec) => Array.isArray(rec.rib), 5000, 'RIB dump');
    this.child.stdin.write('rib\n');
    const [rec] = await got;
    return rec.rib as RibRoute[];
  }

  /** Sends a command (`fault ...`, `forget`, `unauth-status ...`) and waits for its {"ok"} answer. */
  async command(line: string): Promise<void> {
    const got = waitFor<[Rec]>(this.lines, 'line', (rec) => rec.ok === line, 5000, `answer to ${line}`);
    this.child.stdin.write(`${line}\n`);
    await got;
  }

  /** Resolves once a logged call satisfies `check`, returning it. */
  async call(check: (c: Rec) => boolean, what: string): Promise<Rec> {
    await until(this.lines, 'line', () => this.calls.some(check), 10000, what);
    return this.calls.find(check)!;
  }

  /** Ends stdin (the server stops itself); kills it if it does not. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = waitFor(this.lines, 'exit', () => true, 5000, 'python server exit');
    this.child.stdin.end();
    try {
      await gone;
    } catch {
      const killed = waitFor(this.lines, 'exit');
      this.child.kill();
      await killed;
    }
  }
}

// ------------------------------------------------------------------ plain gRPC client helpers

function unary<T>(fn: (cb: grpc.requestCallback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res as T))));
}

function collect(stream: grpc.ClientReadableStream<RouteGetResponse__Output>): Promise<RouteGetResponse__Output[]> {
  return new Promise((resolve, reject) => {
    const out: RouteGetResponse__Output[] = [];
    stream.on('data', (d: RouteGetResponse__Output) => out.push(d));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

const v4 = (addr: string): NetworkAddress => ({ inet: { addr_string: addr } });
/** IPv6 as bytes: the other branch of the IpAddress oneof. */
const v6bytes = (addr: string): NetworkAddress => ({ inet6: { addr_bytes: Buffer.from(ipaddr.parse(addr).toByteArray()) } });
const v6 = (addr: string): NetworkAddress => ({ inet6: { addr_string: addr } });

function ipText(a: NetworkAddress__Output | null | undefined): string {
  const ip = a?.af === 'inet' ? a.inet : a?.af === 'inet6' ? a.inet6 : null;
  if (!ip) return `(no address: ${JSON.stringify(a)})`;
  if (ip.addr_format === 'addr_string') return ip.addr_string!;
  if (ip.addr_format === 'addr_bytes') return ipaddr.fromByteArray([...ip.addr_bytes!]).toString();
  return `(no addr_format: ${JSON.stringify(ip)})`;
}

/** A RouteEntry read back, in words: prefix, table, gateways (address/weight), preference. */
function entryText(e: RouteEntry__Output): Rec {
  return {
    prefix: `${ipText(e.key?.dest_prefix)}/${e.key?.dest_prefix_len}`,
    table: e.key?.table?.route_table_format === 'name' ? e.key.table.name?.name : `(table ${JSON.stringify(e.key?.table)})`,
    gateways: (e.nexthop?.gateways ?? []).map((g) => ({ address: ipText(g.gateway_address), weight: g.weight })),
    preference: e.attributes?.preferences?.[0]?.value,
  };
}

describe('jnx.jet gRPC against the Python grpcio server generated from idl/', function () {
  let stubs = '';

  before(function () {
    stubs = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-grpc-py-'));
    generateStubs(stubs);
  });

  after(function () {
    if (stubs) fs.rmSync(stubs, { recursive: true, force: true });
  });

  describe('wire: a plain @grpc/grpc-js client on the project\'s protos and proto-loader options', function () {
    let server: PythonJet;
    const clients: grpc.Client[] = [];
    let auth: AuthenticationClient;
    let base: BaseClient;
    let rib: RibClient;
    const CLIENT_ID = 'raw-client';
    const md = (clientId = CLIENT_ID): grpc.Metadata => {
      const m = new grpc.Metadata();
      m.set('client-id', clientId);
      return m;
    };
    const opts = (): grpc.CallOptions => ({ deadline: Date.now() + 5000 });
    const add = (routes: RouteEntry[], clientId?: string): Promise<RouteSetOperResponse__Output> =>
      unary<RouteSetOperResponse__Output>((cb) => rib.RouteAdd({ routes }, md(clientId), opts(), cb));
    const get = (key: RouteMatch): Promise<RouteGetResponse__Output[]> =>
      collect(rib.RouteGet({ key, match_type: 'EXACT' }, md(), opts()));
    const found = async (key: RouteMatch): Promise<Rec[]> => (await get(key)).flatMap((r) => r.routes.map(entryText));

    const V4: RouteEntry = {
      key: { dest_prefix: v4('1.1.1.1'), dest_prefix_len: 32 },
      nexthop: { gateways: [{ gateway_address: v4('10.1.1.2') }] },
      attributes: { preferences: { 0: { value: 7 } } },
    };
    const V6: RouteEntry = {
      key: { dest_prefix: v6bytes('2001:db8::'), dest_prefix_len: 32, table: { name: { name: 'inet6.0' } } },
      nexthop: { gateways: [{ gateway_address: v6bytes('2001:db8:ffff::1') }] },
      attributes: { preferences: { 0: { value: 5 } } },
    };
    const ECMP: RouteEntry = {
      key: { dest_prefix: v4('10.0.0.0'), dest_prefix_len: 24, table: { name: { name: 'inet.0' } }, cookie: '42' },
      nexthop: { gateways: [{ gateway_address: v4('10.1.1.2'), weight: 1 }, { gateway_address: v4('10.1.1.3'), weight: 1 }] },
    };

    before(async function () {
      server = await PythonJet.start(stubs);
      const jet = jetGrpc();
      const target = `127.0.0.1:${server.port}`;
      auth = new jet.jnx.jet.authentication.Authentication(target, grpc.credentials.createInsecure());
      base = new jet.jnx.jet.routing.base.Base(target, grpc.credentials.createInsecure());
      rib = new jet.jnx.jet.routing.rib.Rib(target, grpc.credentials.createInsecure());
      clients.push(auth, base, rib);
    });

    after(async function () {
      for (const c of clients) c.close();
      if (server) await server.stop();
    });

    it('refuses RIB calls before Login with UNAUTHENTICATED "Authorization failed"', async () => {
      await assert.rejects(
        unary<RouteInitializeResponse__Output>((cb) => rib.RouteInitialize({}, md(), opts(), cb)),
        (err: grpc.ServiceError) => err.code === grpc.status.UNAUTHENTICATED && err.details === 'Authorization failed',
      );
      await assert.rejects(add([V4]), (err: grpc.ServiceError) => err.code === grpc.status.UNAUTHENTICATED);
      await assert.rejects(
        get({ dest_prefix: v4('1.1.1.1'), dest_prefix_len: 32 }),
        (err: grpc.ServiceError) => err.code === grpc.status.UNAUTHENTICATED && err.details === 'Authorization failed',
      );
    });

    it('Login: a wrong password is FAILURE, the right one SUCCESS; client-id metadata names the session', async () => {
      const bad = await unary<LoginResponse__Output>((cb) =>
        auth.Login({ username: 'lab', password: 'nope', client_id: CLIENT_ID }, md(), opts(), cb),
      );
      assert.equal(bad.status?.code, 'FAILURE');
      const ok = await unary<LoginResponse__Output>((cb) =>
        auth.Login({ username: 'lab', password: 'lab123', client_id: CLIENT_ID, group_id: 'g1' }, md(), opts(), cb),
      );
      assert.equal(ok.status?.code, 'SUCCESS');
      const login = await server.call((c) => c.call === 'Login' && c.ok === true, 'Login logged');
      assert.deepEqual(
        [login.client_id, login.metadata_client_id, login.request_client_id, login.user, login.group_id],
        [CLIENT_ID, CLIENT_ID, CLIENT_ID, 'lab', 'g1'],
      );
      // Another client id has no session.
      await assert.rejects(
        unary<RouteInitializeResponse__Output>((cb) => rib.RouteInitialize({}, md('someone-else'), opts(), cb)),
        (err: grpc.ServiceError) => err.code === grpc.status.UNAUTHENTICATED && err.details === 'Authorization failed',
      );
    });

    it('RoutePurgeTimerAdd; RIB calls before RouteInitialize are NOT_INITIALIZED; a second RouteInitialize is ALREADY_INITIALIZED', async () => {
      const purge = await unary<RoutePurgeTimerAddResponse__Output>((cb) => base.RoutePurgeTimerAdd({ time: 30 }, md(), opts(), cb));
      assert.deepEqual([purge.status?.code, purge.sub_code], ['SUCCESS', 'SUCCESS']);
      assert.equal((await server.call((c) => c.call === 'RoutePurgeTimerAdd', 'purge logged')).time, 30);

      const early = await add([V4]);
      assert.deepEqual([early.status?.code, early.sub_code, early.operations_completed], ['FAILURE', 'NOT_INITIALIZED', 0]);
      const earlyGet = await get({ dest_prefix: v4('1.1.1.1'), dest_prefix_len: 32 });
      assert.deepEqual(earlyGet.map((r) => [r.status?.code, r.sub_code]), [['FAILURE', 'NOT_INITIALIZED']]);

      const init = await unary<RouteInitializeResponse__Output>((cb) =>
        rib.RouteInitialize({ default_response_address_format: 'ADDRESS_STRING', default_preferences: { 0: { value: 5 } } }, md(), opts(), cb),
      );
      assert.deepEqual([init.status?.code, init.sub_code, init.num_client_routes], ['SUCCESS', 'SUCCESS', 0]);
      const again = await unary<RouteInitializeResponse__Output>((cb) => rib.RouteInitialize({}, md(), opts(), cb));
      assert.deepEqual([again.status?.code, again.sub_code], ['FAILURE', 'ALREADY_INITIALIZED']);
    });

    it('RouteAdd an IPv4, an IPv6 (address bytes) and an ECMP route in one request; RouteGet EXACT reads each back', async () => {
      const res = await add([V4, V6, ECMP]);
      assert.deepEqual([res.status?.code, res.sub_code, res.operations_completed], ['SUCCESS', 'SUCCESS', 3]);

      assert.deepEqual(await found({ dest_prefix: v4('1.1.1.1'), dest_prefix_len: 32 }), [
        { prefix: '1.1.1.1/32', table: 'inet.0', gateways: [{ address: '10.1.1.2', weight: 0 }], preference: 7 },
      ]);
      // Asked as a string, answered as a string (the session's default_response_address_format).
      assert.deepEqual(await found({ dest_prefix: v6('2001:db8::'), dest_prefix_len: 32 }), [
        { prefix: '2001:db8::/32', table: 'inet6.0', gateways: [{ address: '2001:db8:ffff::1', weight: 0 }], preference: 5 },
      ]);
      const ecmp = await get({ dest_prefix: v4('10.0.0.0'), dest_prefix_len: 24, table: { name: { name: 'inet.0' } } });
      assert.equal(ecmp.length, 1);
      assert.deepEqual([ecmp[0].status?.code, ecmp[0].sub_code], ['SUCCESS', 'SUCCESS']);
      assert.deepEqual(ecmp[0].routes.map(entryText), [
        {
          prefix: '10.0.0.0/24',
          table: 'inet.0',
          gateways: [{ address: '10.1.1.2', weight: 1 }, { address: '10.1.1.3', weight: 1 }],
          preference: 5,
        },
      ]);
      assert.equal(ecmp[0].routes[0].key?.cookie, '42', 'uint64 cookie survives as a string');
      // EXACT: 10.0.0.0/16 is not 10.0.0.0/24.
      const none = await get({ dest_prefix: v4('10.0.0.0'), dest_prefix_len: 16 });
      assert.deepEqual(none.map((r) => [r.status?.code, r.sub_code, r.routes.length]), [['FAILURE', 'ROUTE_NOT_FOUND', 0]]);

      assert.deepEqual(await server.rib(), [
        {
          table: 'inet.0', prefix: '1.1.1.1/32', client_id: CLIENT_ID, preference: 7, preference2: 100,
          gateways: [{ address: '10.1.1.2', interface: null, weight: 0 }],
        },
        {
          table: 'inet.0', prefix: '10.0.0.0/24', client_id: CLIENT_ID, preference: 5, preference2: 100,
          gateways: [{ address: '10.1.1.2', interface: null, weight: 1 }, { address: '10.1.1.3', interface: null, weight: 1 }],
        },
        {
          table: 'inet6.0', prefix: '2001:db8::/32', client_id: CLIENT_ID, preference: 5, preference2: 100,
          gateways: [{ address: '2001:db8:ffff::1', interface: null, weight: 0 }],
        },
      ]);
    });

    it('RouteAdd stops at the first error: ROUTE_EXISTS with operations_completed; RouteUpdate modifies', async () => {
      const five: RouteEntry = { key: { dest_prefix: v4('5.5.5.5'), dest_prefix_len: 32 }, nexthop: { gateways: [{ gateway_address: v4('10.1.1.2') }] } };
      const six: RouteEntry = { key: { dest_prefix: v4('6.6.6.6'), dest_prefix_len: 32 }, nexthop: { gateways: [{ gateway_address: v4('10.1.1.2') }] } };
      const res = await add([five, V4, six]);
      assert.deepEqual([res.status?.code, res.sub_code, res.operations_completed], ['FAILURE', 'ROUTE_EXISTS', 1]);
      assert.deepEqual((await server.rib()).map((r) => r.prefix), ['1.1.1.1/32', '10.0.0.0/24', '5.5.5.5/32', '2001:db8::/32']);

      const moved: RouteEntry = { ...V4, nexthop: { gateways: [{ gateway_address: v4('10.1.1.9') }] } };
      const upd = await unary<RouteSetOperResponse__Output>((cb) => rib.RouteUpdate({ routes: [moved, six] }, md(), opts(), cb));
      assert.deepEqual([upd.status?.code, upd.sub_code, upd.operations_completed], ['SUCCESS', 'SUCCESS', 2]);
      assert.deepEqual(await found({ dest_prefix: v4('1.1.1.1'), dest_prefix_len: 32 }), [
        { prefix: '1.1.1.1/32', table: 'inet.0', gateways: [{ address: '10.1.1.9', weight: 0 }], preference: 7 },
      ]);
    });

    it('a new Login of the same client id starts a session whose RouteInitialize counts the routes it owns', async () => {
      const ok = await unary<LoginResponse__Output>((cb) => auth.Login({ username: 'lab', password: 'lab123', client_id: CLIENT_ID }, md(), opts(), cb));
      assert.equal(ok.status?.code, 'SUCCESS');
      const init = await unary<RouteInitializeResponse__Output>((cb) => rib.RouteInitialize({}, md(), opts(), cb));
      assert.deepEqual([init.sub_code, init.num_client_routes], ['SUCCESS', 5]);
    });

    it('RouteDelete removes, then stops at the first absent route with ROUTE_NOT_FOUND', async () => {
      const keys: RouteMatch[] = [
        { dest_prefix: v4('1.1.1.1'), dest_prefix_len: 32 },
        { dest_prefix: v6bytes('2001:db8::'), dest_prefix_len: 32 },
        { dest_prefix: v4('10.0.0.0'), dest_prefix_len: 24, table: { name: { name: 'inet.0' } } },
        { dest_prefix: v4('5.5.5.5'), dest_prefix_len: 32 },
      ];
      const del = await unary<RouteDeleteResponse__Output>((cb) => rib.RouteDelete({ keys }, md(), opts(), cb));
      assert.deepEqual([del.status?.code, del.sub_code, del.operations_completed], ['SUCCESS', 'SUCCESS', 4]);
      assert.deepEqual((await server.rib()).map((r) => r.prefix), ['6.6.6.6/32']);

      const again = await unary<RouteDeleteResponse__Output>((cb) =>
        rib.RouteDelete({ keys: [{ dest_prefix: v4('6.6.6.6'), dest_prefix_len: 32 }, keys[0]] }, md(), opts(), cb),
      );
      assert.deepEqual([again.status?.code, again.sub_code, again.operations_completed], ['FAILURE', 'ROUTE_NOT_FOUND', 1]);
      assert.deepEqual(await server.rib(), []);
    });
  });

  describe('nodes: jet-router (api grpc) with jet-route-add / jet-route-delete', function () {
    let server: PythonJet;
    const CLIENT_ID = 'nr-grpc';
    // Loaded here, not at the top: the wire tests above must not depend on the nodes loading.
    let nr: typeof import('../support/nodered');

    before(async function () {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      nr = require('../support/nodered') as typeof import('../support/nodered');
      server = await PythonJet.start(stubs);
      await new Promise<void>((resolve) => nr.helper.startServer(resolve));
    });

    after(async function () {
      if (nr) {
        await nr.helper.unload();
        await new Promise<void>((resolve) => nr.helper.stopServer(resolve));
      }
      if (server) await server.stop();
    });

    it('logs in with its client id, initializes, adds and verifies IPv4, IPv6 and ECMP routes, deletes them', async () => {
      await nr.load(
        [
          { id: 'r1', type: 'jet-router', api: 'grpc', host: '127.0.0.1', port: String(server.port), clientId: CLIENT_ID, requestTimeout: '5' },
          {
            id: 'add',
            type: 'jet-route-add',
            router: 'r1',
            prefixes: '1.1.1.1/32',
            nexthops: '10.1.1.2',
            preference: '7',
            table: '',
            verify: true,
            wires: [['out']],
          },
          { id: 'del', type: 'jet-route-delete', router: 'r1', prefixes: '1.1.1.1/32', wires: [['out']] },
          { id: 'out', type: 'helper' },
        ],
        { r1: { username: 'lab', password: 'lab123' } },
      );
      const add = nr.helper.getNode('add');
      const del = nr.helper.getNode('del');
      const out = nr.helper.getNode('out');
      await nr.statusMatching(add, /^connected\b.*127\.0\.0\.1/);
      const login = await server.call((c) => c.call === 'Login' && c.ok === true, 'Login logged');
      assert.deepEqual([login.metadata_client_id, login.request_client_id, login.user], [CLIENT_ID, CLIENT_ID, 'lab']);
      const init = await server.call((c) => c.call === 'RouteInitialize', 'RouteInitialize logged');
      assert.deepEqual([init.client_id, init.sub_code], [CLIENT_ID, 0]);

      // IPv4, with its preference; verify reads it back with RouteGet.
      const m1 = await nr.roundTrip(add, out, { payload: Date.now() });
      assert.equal(m1.payload.changed, true);
      assert.equal(m1.payload.results.length, 1);
      assert.deepEqual(
        [m1.payload.results[0].prefix, m1.payload.results[0].table, m1.payload.results[0].status, m1.payload.results[0].installed],
        ['1.1.1.1/32', 'inet.0', 'added', ['10.1.1.2']],
      );
      // The server's log line and its answer come on different pipes: wait for the line.
      await server.call((c) => c.call === 'RouteGet' && c.client_id === CLIENT_ID && c.found === 1, 'verify used RouteGet');
      // A second add of the same route: the router says ROUTE_EXISTS, the node says unchanged.
      const m2 = await nr.roundTrip(add, out, { payload: Date.now() });
      assert.equal(m2.payload.results[0].status, 'unchanged');
      assert.equal(m2.payload.changed, false);

      // IPv6 and ECMP (two next hops make one route).
      const m3 = await nr.roundTrip(add, out, { payload: { prefixes: '2001:db8::/32', nexthops: '2001:db8:ffff::1' } });
      assert.deepEqual(
        [m3.payload.results[0].prefix, m3.payload.results[0].table, m3.payload.results[0].status, m3.payload.results[0].installed],
        ['2001:db8::/32', 'inet6.0', 'added', ['2001:db8:ffff::1']],
      );
      const m4 = await nr.roundTrip(add, out, { payload: { prefixes: '10.0.0.0/24', nexthops: '10.1.1.2, 10.1.1.3' } });
      assert.deepEqual(
        [m4.payload.results[0].prefix, m4.payload.results[0].status, [...m4.payload.results[0].installed].sort()],
        ['10.0.0.0/24', 'added', ['10.1.1.2', '10.1.1.3']],
      );

      const rib = await server.rib();
      assert.deepEqual(
        rib.map((r) => [r.table, r.prefix, r.client_id, r.preference, r.gateways.map((g) => g.address).sort()]),
        [
          ['inet.0', '1.1.1.1/32', CLIENT_ID, 7, ['10.1.1.2']],
          ['inet.0', '10.0.0.0/24', CLIENT_ID, 7, ['10.1.1.2', '10.1.1.3']],
          ['inet6.0', '2001:db8::/32', CLIENT_ID, 7, ['2001:db8:ffff::1']],
        ],
      );
      const ecmp = rib.find((r) => r.prefix === '10.0.0.0/24')!;
      assert.equal(new Set(ecmp.gateways.map((g) => g.weight)).size, 1, 'ECMP: the gateways have equal weights');

      // Delete all three in one message, then once more: unchanged (ROUTE_NOT_FOUND).
      const d1 = await nr.roundTrip(del, out, { payload: { prefixes: '1.1.1.1/32 2001:db8::/32 10.0.0.0/24' } });
      assert.deepEqual(
        d1.payload.results.map((r: Rec) => [r.prefix, r.status]),
        [['1.1.1.1/32', 'deleted'], ['2001:db8::/32', 'deleted'], ['10.0.0.0/24', 'deleted']],
      );
      assert.equal(d1.payload.changed, true);
      assert.deepEqual(await server.rib(), []);
      const d2 = await nr.roundTrip(del, out, { payload: Date.now() });
      assert.deepEqual(d2.payload.results.map((r: Rec) => [r.prefix, r.status]), [['1.1.1.1/32', 'unchanged']]);
      assert.equal(d2.payload.changed, false);
    });
  });

  describe("management: a router session's management API (GrpcBackend.management) against the Python Management service", function () {
    let server: PythonJet;
    let backend: GrpcBackend;
    const CLIENT_ID = 'nr-mgmt';

    before(async function () {
      server = await PythonJet.start(stubs);
      backend = new GrpcBackend({
        host: '127.0.0.1',
        port: server.port,
        username: 'lab',
        password: 'lab123',
        clientId: CLIENT_ID,
        requestTimeoutMs: 5000,
        queueLimit: 100,
        backoff: { initialMs: 20, maxMs: 400, factor: 2, jitter: 0 },
      });
      const ready = waitFor(backend, 'ready', () => true, 15000, 'ready');
      backend.start();
      await ready;
    });

    after(async function () {
      await backend?.close(2000);
      if (server) await server.stop();
    });

    it("OpCommandGet: the command and format go out as protoc reads them; the pieces come back joined and parse", async () => {
      const api = backend.management!;
      const formats = [['json', 0], ['xml', 1], ['cli', 2]] as const;
      for (const [format, wire] of formats) {
        const out = await api.command({ cli: 'show interfaces ge-0/0/0.0' }, format);
        assert.deepEqual(parseInterfaceIndex(out, 'ge-0/0/0.0'), { found: true, name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 }, format);
        const logged = await server.call((c) => c.call === 'OpCommandGet' && c.out_format === wire && c.command_field === 'cli_command', `OpCommandGet ${format}`);
        assert.equal(logged.client_id, CLIENT_ID);
        assert.equal(logged.command, 'show interfaces ge-0/0/0.0');
        assert.ok(logged.messages >= 4, `${format}: ${logged.messages} messages joined`);
      }
      const xml = await api.command({ xml: interfaceInformationRpc('ge-0/0/0.0') }, 'json');
      assert.equal((parseInterfaceIndex(xml, 'ge-0/0/0.0') as { ifIndex: number }).ifIndex, 541);
      // The server's log line and its answer come on different pipes: wait for the line.
      await server.call((c) => c.call === 'OpCommandGet' && c.command_field === 'xml_command' && c.ok === true, 'OpCommandGet xml_command');
      await assert.rejects(
        api.command({ cli: 'show interfaces ge-9/9/9' }, 'json'),
        (err: Error) => err instanceof ManagementRefusedError && err.message === 'error: device ge-9/9/9 not found',
      );
    });

    it('ConfigSet: text_config, load type SET and the commit with its comment as protoc reads them; a refusal in the server\'s words', async () => {
      const api = backend.management!;
      const load = rmonReplaceConfig({ ifIndex: 541, rising: 2048 }).text;
      await api.configure(load, '@jetflows/node-red-junos-jet: jet-rmon-event interop');
      const logged = await server.call((c) => c.call === 'ConfigSet' && c.ok === true, 'ConfigSet logged');
      assert.deepEqual(
        [logged.client_id, logged.config_field, logged.text, logged.load_type, logged.commit, logged.commit_type, logged.comment],
        [CLIENT_ID, 'text_config', load, 4, true, 0, '@jetflows/node-red-junos-jet: jet-rmon-event interop'],
      );
      await assert.rejects(
        api.configure('commit confirmed\n', 'bad'),
        (err: Error) => err instanceof ManagementRefusedError && err.message === 'error: syntax error: commit',
      );
      // The server logs a call on its stdout before it answers, but the two reach this process on
      // different pipes: wait for the refusal's line before counting.
      await server.call((c) => c.call === 'ConfigSet' && c.ok === false, 'refused ConfigSet logged');
      assert.equal(server.calls.filter((c) => c.call === 'ConfigSet').length, 2, 'each sent once');
    });
  });

  describe('route safety (issue 20): the route client on the gRPC backend, faults switched on in the server', function () {
    this.timeout(60000);
    let server: PythonJet;
    let backend: GrpcBackend | null = null;
    let routes: JetRoutes | null = null;
    const RETRY = { initialMs: 50, maxMs: 400, factor: 2, jitter: 0 };

    beforeEach(async function () {
      server = await PythonJet.start(stubs);
    });

    afterEach(async function () {
      routes?.dispose();
      await backend?.close(2000);
      routes = null;
      backend = null;
      if (server) await server.stop();
    });

    async function start(clientId: string, backoff = { initialMs: 20, maxMs: 400, factor: 2, jitter: 0 }): Promise<JetRoutes> {
      backend = new GrpcBackend({ host: '127.0.0.1', port: server.port, username: 'lab', password: 'lab123', clientId, requestTimeoutMs: 5000, queueLimit: 1000, backoff });
      routes = new JetRoutes(backend, new RouteState({ api: 'grpc', host: '127.0.0.1', port: server.port }), { retry: RETRY });
      const ready = waitFor(backend, 'ready', () => true, 15000, 'ready');
      backend.start();
      await ready;
      return routes;
    }
    const route = (prefix: string): RouteSpec => ({ appId: 'x', prefix, family: 'inet', table: 'inet.0', nexthops: ['10.1.1.2'], preference: 5, metric: 3 });
    // Acknowledged means the server answered SUCCESS for the route: its RIB holds it by then.
    const ribHas = async (n: number, what: string): Promise<void> => assert.equal((await server.rib()).length, n, what);

    it('1. RESOURCE_EXHAUSTED to a RouteAdd of 3 routes: unanswered, still desired, added by a retry; acknowledged only then', async () => {
      const r = await start('py-safety-1');
      await server.command('fault RouteAdd|RouteUpdate status RESOURCE_EXHAUSTED 1');
      const outcomes = await r.add([route('10.1.0.0/24'), route('10.2.0.0/24'), route('10.3.0.0/24')]);
      assert.deepEqual(outcomes.map((o) => [o.status, o.errCode]), [['failed', null], ['failed', null], ['failed', null]]);
      assert.match(outcomes[0].message, /RouteAdd failed: RESOURCE_EXHAUSTED: simulated RESOURCE_EXHAUSTED \(still desired/);
      assert.equal(r.state.desired.size, 3);
      await until(r, 'desired', () => r.state.acknowledged.size === 3, 20000, 'all three acknowledged');
      await ribHas(3, 'three routes in the RIB');
    });

    it('2. TRY_AGAIN and NOT_READY to RouteAdd: retried, never dropped', async () => {
      const r = await start('py-safety-2');
      await server.command('fault RouteAdd|RouteUpdate sub TRY_AGAIN 1');
      await server.command('fault RouteAdd|RouteUpdate sub NOT_READY 1');
      const [o] = await r.add([route('10.4.0.0/24')]);
      assert.match(o.message, /TRY_AGAIN.*still desired/);
      await until(r, 'desired', () => r.state.acknowledged.size === 1, 20000, 'acknowledged');
      await ribHas(1, 'the route in the RIB');
      assert.ok(server.calls.some((c) => c.fault === 'NOT_READY'), 'the second try met NOT_READY');
    });

    it('3. the login forgotten, calls answered UNKNOWN "Authorization failed": one re-login, the call sent again', async () => {
      const r = await start('py-safety-3');
      await r.add([route('10.5.0.0/24')]);
      await server.command('unauth-status UNKNOWN');
      await server.command('forget');
      const [o] = await r.add([route('10.6.0.0/24')]);
      assert.equal(o.status, 'added', o.message);
      // Asked after the RIB: its answer comes on the server's stdout after every line logged before it.
      await ribHas(2, 'both routes in the RIB');
      assert.equal(server.calls.filter((c) => c.call === 'Login' && c.ok).length, 2);
    });

    it('3. NOT_INITIALIZED after every login: the re-logins back off instead of looping', async () => {
      const r = await start('py-safety-3b', { initialMs: 100, maxMs: 800, factor: 2, jitter: 0 });
      await r.add([route('10.7.0.0/24')]);
      await server.command('fault RouteAdd|RouteUpdate sub NOT_INITIALIZED 8');
      const [o] = await r.add([route('10.8.0.0/24')]);
      assert.equal(o.status, 'failed');
      await until(r, 'desired', () => r.state.acknowledged.size === 2, 30000, 'both acknowledged once the fault is used up');
      const logins = server.calls.filter((c) => c.call === 'Login' && c.ok).length;
      assert.ok(logins <= 10, `${logins} logins for 8 NOT_INITIALIZED answers`);
    });
  });
});
