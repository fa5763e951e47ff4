/**
 * The simulator's gRPC faults (sim/grpc/faults.ts) and forgotten logins, through its options, its CLI
 * flags and its HTTP controls: a plain grpc-js client sees the chosen status or sub-code for the
 * chosen calls, for a count or a time, and "Authorization failed" once the logins are forgotten.
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import * as grpc from '@grpc/grpc-js';
import { checkFault, JetSimulator, parseFault } from '../../sim';
import { parseArgs, toSimulatorOptions, USAGE } from '../../sim/cli';
import { GrpcBackend } from '../../lib/grpc/backend';
import { backendFor, connected, spec } from '../unit/grpc/support';

function post(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('simulator: gRPC faults and forgotten logins', function () {
  this.timeout(20000);
  let sim: JetSimulator;
  let backend: GrpcBackend | null = null;

  beforeEach(async () => {
    sim = await JetSimulator.start({ thriftPort: false, sampling: false, defaultPurgeTimeS: 3600 });
  });

  afterEach(async () => {
    await backend?.close(2000);
    backend = null;
    await sim.stop();
  });

  async function start(): Promise<GrpcBackend> {
    backend = backendFor(sim.grpcPort);
    const ready = connected(backend);
    backend.start();
    await ready;
    return backend;
  }

  it('checks and parses fault specs (CLI --grpc-fault, --grpc-unauth-status)', () => {
    assert.deepEqual(parseFault('method=RouteAdd|RouteUpdate,sub-code=try_again,for=5000'), { method: 'RouteAdd|RouteUpdate', subCode: 'TRY_AGAIN', forMs: 5000 });
    assert.deepEqual(parseFault('method=*,status=RESOURCE_EXHAUSTED,count=2,details=busy'), { method: '*', status: 'RESOURCE_EXHAUSTED', count: 2, details: 'busy' });
    assert.throws(() => parseFault('method=RouteAdd'), /status or a subCode/);
    assert.throws(() => parseFault('method=RouteAdd,status=NOPE'), /unknown gRPC status/);
    assert.throws(() => parseFault('method=RouteAdd,status=INTERNAL,count=x'), /whole number/);
    assert.throws(() => checkFault({ method: 'Route Add', status: 'INTERNAL' }), /method/);
    const cli = parseArgs(['--grpc-fault', 'method=RouteUpdate,status=INTERNAL', '--grpc-unauth-status', 'permission_denied']);
    assert.deepEqual(cli.grpcFaults, [{ method: 'RouteUpdate', status: 'INTERNAL' }]);
    const opts = toSimulatorOptions(cli, () => undefined);
    assert.deepEqual([opts.grpcFaults, opts.grpcNotLoggedInStatus], [[{ method: 'RouteUpdate', status: 'INTERNAL' }], 'PERMISSION_DENIED']);
    assert.throws(() => parseArgs(['--grpc-unauth-status', 'NOPE']), /--grpc-unauth-status: unknown gRPC status/);
    assert.throws(() => parseArgs(['--no-grpc', '--grpc-fault', 'method=*,status=INTERNAL']), /contradict/);
    for (const flag of ['--grpc-fault', '--grpc-unauth-status', '/grpc/faults', '/grpc/forget-logins']) assert.ok(USAGE.includes(flag), flag);
  });

  it('a status fault fails the chosen calls for its count, then the server answers as before', async () => {
    const b = await start();
    sim.grpc.faults.add({ method: 'RouteAdd', status: 'RESOURCE_EXHAUSTED', details: 'busy', count: 2 });
    for (let i = 0; i < 2; i++) {
      const [r] = await b.add([spec(`10.1.${i}.0/24`, ['192.0.2.1'])]);
      assert.deepEqual([r.answered, r.codeName, r.message], [false, 'RESOURCE_EXHAUSTED', 'RouteAdd failed: RESOURCE_EXHAUSTED: busy']);
    }
    assert.equal((await b.add([spec('10.1.9.0/24', ['192.0.2.1'])]))[0].status, 'added');
    assert.deepEqual(sim.grpc.faults.list(), []);
    assert.equal(sim.rib.size, 1);
  });

  it('a sub-code fault for a time, added and cleared over HTTP', async () => {
    const b = await start();
    const added = await post(sim.httpPort, 'POST', '/grpc/faults', { method: 'RouteAdd', subCode: 'TRY_AGAIN', forMs: 60000 });
    assert.equal(added.status, 200);
    assert.equal(added.body.fault.subCode, 'TRY_AGAIN');
    const [r] = await b.add([spec('10.2.0.0/24', ['192.0.2.1'])]);
    assert.deepEqual([r.status, r.answered, r.code, r.codeName], ['failed', false, 19, 'TRY_AGAIN']);
    assert.equal((await post(sim.httpPort, 'GET', '/grpc/faults')).body.faults.length, 1, 'still in force: a time, not a count');
    assert.equal((await post(sim.httpPort, 'POST', '/grpc/faults', { method: 'RouteAdd' })).status, 400);
    assert.deepEqual((await post(sim.httpPort, 'DELETE', '/grpc/faults')).body, { faults: [] });
    assert.equal((await b.add([spec('10.2.0.0/24', ['192.0.2.1'])]))[0].status, 'added');
  });

  it('forgetting the logins keeps the RIB; calls on the old connection get "Authorization failed"; a new login owns the routes again', async () => {
    const b = await start();
    await b.add([spec('10.3.0.0/24', ['192.0.2.1'])]);
    const again = connected(b);
    const forgot = await post(sim.httpPort, 'POST', '/grpc/forget-logins');
    assert.deepEqual(forgot.body, { forgotten: 1 });
    assert.equal(sim.rib.size, 1, 'the RIB is kept');
    assert.equal(sim.grpc.sessionList().length, 0);
    // The next call finds no login: the backend logs in again and sends it once more.
    const [r] = await b.add([spec('10.3.1.0/24', ['192.0.2.1'])]);
    const [info] = await again;
    assert.equal(info.clientRoutes, 1, "the new session's RouteInitialize counts the routes kept");
    assert.equal(r.status, 'added');
    assert.equal(sim.grpc.counters.unauthenticated, 1);
    assert.equal(sim.grpc.counters.logins, 2);
  });

  it('--grpc-unauth-status: a call without a login fails with that status, "Authorization failed"', async () => {
    await sim.stop();
    sim = await JetSimulator.start({ thriftPort: false, sampling: false, grpcNotLoggedInStatus: 'PERMISSION_DENIED' });
    const jet = (await import('../../lib/grpc/proto')).jetGrpc();
    const client = new jet.jnx.jet.routing.rib.Rib(`127.0.0.1:${sim.grpcPort}`, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError>((resolve) => client.RouteInitialize({}, (e) => resolve(e!)));
      assert.deepEqual([err.code, err.details], [grpc.status.PERMISSION_DENIED, 'Authorization failed']);
    } finally {
      client.close();
    }
  });
});
