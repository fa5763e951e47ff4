/**
 * The gRPC connection over TLS (lib/grpc/wire.ts credentials and server name, lib/grpc/connector.ts
 * words): against the simulator's gRPC server with a certificate made by openssl.
 */
import { strict as assert } from 'assert';
import { GrpcServer, Rib } from '../../../sim';
import type { GrpcBackend } from '../../../lib/grpc/backend';
import { tlsExpectedMessage } from '../../../lib/grpc/errors';
import { backendFor, HOST, spec, stateIs, started } from './support';
import { selfSignedCert, type SelfSigned } from '../../support/certs';

describe('gRPC backend over TLS', function () {
  this.timeout(30000);
  let made: SelfSigned | null = null;
  let cert: string;
  let key: string;
  let rib: Rib;
  let server: GrpcServer;
  let plain: GrpcServer | null;
  let port: number;
  let backend: GrpcBackend | null;

  before(function () {
    made = selfSignedCert();
    ({ cert, key } = made);
  });
  after(() => made?.remove());

  beforeEach(async function () {
    rib = new Rib();
    server = new GrpcServer({ rib, tls: { key, cert } });
    port = await server.listen(0, HOST);
    backend = null;
    plain = null;
  });
  afterEach(async function () {
    await backend?.close(2000);
    await server.close();
    await plain?.close();
  });

  it('logs in with the CA and adds a route; the server name of the TLS options is checked', async function () {
    backend = backendFor(port, { tls: { ca: cert, servername: 'localhost' } });
    await started(backend);
    assert.deepEqual((await backend.add([spec('10.1.0.0/24', ['192.0.2.1'])])).map((r) => r.status), ['added']);
  });

  it('without the CA: a TLS error, and no login reaches the server', async function () {
    backend = backendFor(port, { tls: {} });
    const down = stateIs(backend, 'disconnected');
    backend.start();
    const [s] = await down;
    assert.match(s.detail, /^TLS error: self[- ]signed certificate/);
    assert.equal(server.counters.calls.Login ?? 0, 0);
  });

  it('a certificate for another name: a TLS error', async function () {
    backend = backendFor(port, { tls: { ca: cert, servername: 'router.example.net' } });
    const down = stateIs(backend, 'disconnected');
    backend.start();
    const [s] = await down;
    assert.match(s.detail, /^TLS error: .*router\.example\.net/);
  });

  it('TLS to a clear-text gRPC port: a TLS error, not the wrong API', async function () {
    plain = new GrpcServer({ rib });
    const plainPort = await plain.listen(0, HOST);
    backend = backendFor(plainPort, { tls: { ca: cert } });
    const down = stateIs(backend, 'disconnected');
    backend.start();
    const [s] = await down;
    assert.equal(s.detail, "TLS error: the port does not answer TLS (is the router's JET gRPC service set to clear-text?)");
  });

  it('clear text to a TLS port: "turn TLS on", not the wrong API', async function () {
    backend = backendFor(port);
    const down = stateIs(backend, 'disconnected');
    backend.start();
    const [s] = await down;
    assert.equal(s.detail, tlsExpectedMessage(`${HOST}:${port}`));
  });
});
