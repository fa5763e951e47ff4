/**
 * The nodes against a JET server built with Apache Thrift's Python runtime from Python code that
 * Apache's compiler (Debian's thrift-compiler) generated from idl/: the wire format is proven
 * against an implementation that is not ours. .ci/run installs thrift-compiler and python3-thrift.
 */
import { strict as assert } from 'assert';
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { freePort } from './support/nodered-process';
import { helper, load, roundTrip, statusMatching } from './support/nodered';
import { until, waitFor } from './support/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = '/usr/bin/python3';


describe('nodes against the Apache Thrift Python server generated from idl/', function () {
  let dir = '';
  let server: ChildProcessWithoutNullStreams;
  let port = 0;
  const calls: Array<Record<string, any>> = [];
  const lines = new EventEmitter();

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
    await Promise.race([waitFor(lines, 'line', (rec: any) => rec.listening === port), exited]);
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });

  after(async function () {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    if (server && server.exitCode === null) {
      const gone = waitFor(lines, 'exit');
      server.kill();
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await helper.unload();
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
    await statusMatching(add, /^connected lab@127\.0\.0\.1/);
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
