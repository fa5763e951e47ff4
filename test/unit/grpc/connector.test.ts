/**
 * Opening a gRPC JET session (lib/grpc/connector.ts): the wrong API on the port, a silent or closed
 * port, and RouteInitialize's and Login's answers, against the simulator's Thrift server, raw
 * sockets and a stub jnx.jet server (./support.ts).
 */
import { strict as assert } from 'assert';
import * as net from 'net';
import { Rib, ThriftServer } from '../../../sim';
import type { GrpcBackend } from '../../../lib/grpc/backend';
import { probeHttp2 } from '../../../lib/net/probe';
import { wrongApiMessage } from '../../../lib/core/api-mismatch';
import type { SessionStatus } from '../../../lib/core/backend';
import { backendFor, freePort, HOST, startStub, stateIs, started } from './support';

describe('gRPC backend: connection failures', function () {
  this.timeout(30000);
  let backend: GrpcBackend | null = null;

  afterEach(async function () {
    await backend?.close(2000);
    backend = null;
  });

  it('a Thrift JET port: "speaks Thrift JET, not gRPC"', async function () {
    const thrift = new ThriftServer({ rib: new Rib() });
    const port = await thrift.listen(0, HOST);
    try {
      assert.equal(await probeHttp2({ host: HOST, port, timeoutMs: 3000 }), 'closed');
      backend = backendFor(port);
      const down = stateIs(backend, 'disconnected');
      backend.start();
      const [s] = await down;
      assert.equal(s.detail, wrongApiMessage('thrift'));
    } finally {
      await backend?.close(2000);
      await thrift.close();
    }
  });

  it('a port that accepts and never answers: the wrong API too, within the connect bound', async function () {
    const sockets = new Set<net.Socket>();
    const closed: Promise<void>[] = [];
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.resume(); // reads (and drops) the preface, and so sees the client's FIN
      s.on('error', () => undefined);
      closed.push(new Promise<void>((resolve) => s.once('close', () => resolve())));
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      backend = backendFor(port, { requestTimeoutMs: 2500 });
      const down = stateIs(backend, 'disconnected');
      const t0 = Date.now();
      backend.start();
      const [s] = await down;
      assert.equal(s.detail, wrongApiMessage('thrift'));
      assert.ok(Date.now() - t0 < 2500 + 300, `took ${Date.now() - t0} ms`);
      // The gRPC connection and the probe's: both closed when the attempt failed.
      assert.equal(closed.length, 2);
      await Promise.all(closed);
      await backend.close(2000);
      backend = null;
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a closed port: connection refused, in words', async function () {
    const port = await freePort();
    backend = backendFor(port);
    const down = stateIs(backend, 'disconnected');
    backend.start();
    const [s] = await down;
    assert.match(s.detail, /^connection refused \(is the JET gRPC service enabled/);
  });

  it('the probe tells an HTTP/2 server', async function () {
    const stub = await startStub({});
    try {
      assert.equal(await probeHttp2({ host: HOST, port: stub.port, timeoutMs: 3000 }), 'http2');
    } finally {
      await stub.stop();
    }
  });

  it('RouteInitialize ALREADY_INITIALIZED is fine; num_client_routes is reported; Login has no group', async function () {
    const stub = await startStub({
      RouteInitialize: (_call, cb) =>
        cb(null, { status: { code: 'FAILURE', message: 'already' }, sub_code: 'ALREADY_INITIALIZED', num_client_routes: 42 }),
    });
    try {
      backend = backendFor(stub.port);
      const info = await started(backend);
      assert.equal(info.clientRoutes, 42);
      const login = stub.calls.find((c) => c.method === 'Login')!;
      assert.deepEqual(login.request, { username: 'lab', password: 'lab123', client_id: 'node-red-1', group_id: '' });
      assert.equal(login.clientId, 'node-red-1');
    } finally {
      await backend?.close(2000);
      await stub.stop();
    }
  });

  it('RouteInitialize refused: not connected, the sub code in the reason', async function () {
    const stub = await startStub({
      RouteInitialize: (_call, cb) => cb(null, { status: { code: 'FAILURE', message: 'no way' }, sub_code: 'ROUTE_API_VERSION_MISMATCH' }),
    });
    try {
      backend = backendFor(stub.port);
      const down = stateIs(backend, 'disconnected');
      backend.start();
      const [s] = await down;
      assert.equal(s.detail, 'RouteInitialize failed: ROUTE_API_VERSION_MISMATCH: no way');
    } finally {
      await backend?.close(2000);
      await stub.stop();
    }
  });

  it('"Client Id ... already exists" is a transient refusal: normal backoff, same id', async function () {
    let n = 0;
    const stub = await startStub({
      Login: (_call, cb) =>
        cb(null, n++ === 0 ? { status: { code: 'FAILURE', message: 'Client Id node-red-1 already exists' } } : { status: { code: 'SUCCESS', message: '' } }),
    });
    try {
      backend = backendFor(stub.port);
      const states: string[] = [];
      backend.on('state', (s: SessionStatus) => states.push(s.state));
      await started(backend);
      assert.ok(!states.includes('login-failed'), states.join(' '));
      assert.deepEqual(stub.calls.filter((c) => c.method === 'Login').map((c) => c.clientId), ['node-red-1', 'node-red-1']);
    } finally {
      await backend?.close(2000);
      await stub.stop();
    }
  });
});
