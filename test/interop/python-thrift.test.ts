/**
 * The nodes against a JET server built with Apache Thrift's Python runtime from Python code that
 * Apache's compiler (Debian's thrift-compiler) generated from idl/: the wire format is proven
 * against an implementation that is not ours. .ci/run installs thrift-compiler and python3-thrift.
 */
import { strict as assert } from 'assert';
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'child_process';
import { EventEmitter, once } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { freePort } from '../support/nodered-process';
import { helper, load, roundTrip, statusMatching, useNodeRedHelper } from '../support/nodered';
import { until, waitFor } from '../support/wait';
import { ThriftChannel } from '../../lib/thrift/channel';
import { LoginReplyReader } from '../../lib/thrift/login';
import { toRouteConfig } from '../../lib/thrift/convert';
import { buildRouteSpecs } from '../../lib/core/route-spec';
import { AuthenticationLoginRequest, AuthenticationService, RouteService } from '../../lib/gen/jet';
import { ROOT } from '../support/paths';

const PYTHON = '/usr/bin/python3';


describe('nodes against the Apache Thrift Python server generated from idl/', function () {
  let dir = '';
  let server: ChildProcessWithoutNullStreams;
  let port = 0;
  let routeConfigIds: Record<string, number> = {};
  const calls: Array<Record<string, any>> = [];
  const lines = new EventEmitter();

  useNodeRedHelper();
  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-py-'));
    execFileSync('thrift', ['--gen', 'py', '-out', dir, path.join(ROOT, 'idl', 'jet.thrift')]);
    port = await freePort();
    server = spawn(PYTHON, [path.join(ROOT, 'test', 'python', 'jet_server.py'), dir, String(port)]);
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    server.on('exit', (code) => lines.emit('exit', code, stderr));
    readline.createInterface({ input: server.stdout }).on('line', (line) => {
      const rec = JSON.parse(line) as Record<string, any>;
      if (rec.call) calls.push(rec);
      lines.emit('line', rec);
    });
    const exited = waitFor<[number, string]>(lines, 'exit').then(([code, err]) => {
      throw new Error(`python server exited (${code}): ${err}`);
    });
    const [ready] = await Promise.race([waitFor<[Record<string, any>]>(lines, 'line', (rec: any) => rec.listening === port), exited]);
    routeConfigIds = ready.route_config_ids as Record<string, number>;
  });

  after(async function () {
    if (server && server.exitCode === null) {
      const gone = waitFor(lines, 'exit');
      server.kill();
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("numbers RouteConfig's fields as the original app's declaration order (docs/protocol.md §2)", () => {
    assert.deepEqual(routeConfigIds, {
      app_id: 1,
      family_type: 2,
      prefix: 3,
      nexthop_type: 4,
      nexthops: 5,
      table_name: 6,
      preference: 8,
      metric: 9,
      unknown_10: 10,
    });
  });

  it("reads the plugin's RouteConfig with Apache's own decoder: preference and metric under their ids", async () => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const channel = new ThriftChannel(socket);
    try {
      const login = await channel.call(
        'AuthenticationService',
        'LoginCheck',
        new AuthenticationService.LoginCheckArgs({
          login_request: new AuthenticationLoginRequest({ user_name: 'lab', password: 'lab123', client_id: 'ids' }),
        }),
        LoginReplyReader,
      );
      assert.equal(login.result, true);
      const [spec] = buildRouteSpecs({ prefixes: '9.9.9.0/24', nexthops: '10.9.9.1', preference: 7, metric: 42 }, true);
      const config = toRouteConfig(spec);
      const add = await channel.call('RouteService', 'RouteAdd', new RouteService.RouteAddArgs({ route_config: config }), RouteService.RouteAddResult);
      assert.equal(add.err_code, 0);
      await until(lines, 'line', () => calls.some((c) => c.call === 'RouteAdd'), 5000, 'RouteAdd printed');
      const sent = calls.find((c) => c.call === 'RouteAdd');
      assert.deepEqual([sent?.prefix, sent?.table, sent?.preference, sent?.metric], ['9.9.9.0/24', 'inet.0', [7], [42]]);
      // And back: Python writes the route with its own encoder, the generated reader takes 8 and 9.
      const got = await channel.call(
        'RouteService',
        'RouteGet',
        new RouteService.RouteGetArgs({ app_id: spec.appId, table_name: 'inet.0', prefix: '9.9.9.0/24' }),
        RouteService.RouteGetResult,
      );
      assert.deepEqual([got.routes?.[0]?.preference, got.routes?.[0]?.metric], [[7], [42]]);
      const del = await channel.call('RouteService', 'RouteDelete', new RouteService.RouteDeleteArgs({ route_config: config }), RouteService.RouteDeleteResult);
      assert.equal(del.err_code, 0);
    } finally {
      channel.close('test done');
      calls.length = 0; // the next test looks at its own calls only
    }
  });

  it('logs in, adds (ECMP), reads back, reports unchanged, deletes', async () => {
    await load(
      [
        { id: 'r1', type: 'jet-router', host: '127.0.0.1', port, clientId: 'py-test' },
        { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2 10.1.1.3', verify: 'true', wires: [['out']] },
        { id: 'del', type: 'jet-route-delete', router: 'r1', prefixes: '1.1.1.1/32', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { r1: { username: 'lab', password: 'lab123' } },
    );
    const add = helper.getNode('add');
    const del = helper.getNode('del');
    const out = helper.getNode('out');
    await statusMatching(add, /^connected 127\.0\.0\.1/); // host:port, never the user name
    await until(lines, 'line', () => calls.some((c) => c.call === 'LoginCheck'), 5000, 'login printed');
    assert.deepEqual(calls.find((c) => c.call === 'LoginCheck'), { call: 'LoginCheck', user: 'lab', client_id: 'py-test', ok: true });

    const m1 = await roundTrip(add, out, { payload: 1 });
    assert.equal(m1.payload.results[0].status, 'added');
    assert.deepEqual(m1.payload.results[0].installed, ['10.1.1.2', '10.1.1.3']);
    await until(lines, 'line', () => calls.some((c) => c.call === 'RouteAdd'), 5000, 'RouteAdd printed');
    const sent = calls.find((c) => c.call === 'RouteAdd');
    assert.deepEqual(sent, {
      call: 'RouteAdd',
      err_code: 0,
      app_id: '111:222',
      family_type: 1,
      prefix: '1.1.1.1/32',
      table: 'inet.0',
      nexthops: ['10.1.1.2', '10.1.1.3'],
      preference: [5],
      metric: [3],
    });

    const m2 = await roundTrip(add, out, { payload: 1 });
    assert.equal(m2.payload.results[0].status, 'unchanged');
    const m3 = await roundTrip(del, out, { payload: 1 });
    assert.equal(m3.payload.results[0].status, 'deleted');
    const m4 = await roundTrip(del, out, { payload: 1 });
    assert.equal(m4.payload.results[0].status, 'unchanged');
    const v6 = await roundTrip(add, out, { payload: { prefixes: '2001:db8::/32', nexthops: 'fe80::1' } });
    assert.equal(v6.payload.results[0].status, 'added');
    await until(lines, 'line', () => calls.filter((c) => c.call === 'RouteAdd').length === 3, 5000, 'IPv6 RouteAdd printed');
    assert.equal(calls.filter((c) => c.call === 'RouteAdd').pop()?.family_type, 2);
  });
});
