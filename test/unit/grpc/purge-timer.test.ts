/**
 * The gRPC backend's RoutePurgeTimerAdd (lib/grpc/backend.ts) when the router refuses it: a refusal,
 * whatever its reason, does not fail the connect (which would log in again and again, forever);
 * the backend warns once and carries on with the router's default purge time. Against the
 * simulator (which refuses a time outside the IDL's 1..1000 s with INVALID_PARAMS, as the IDL's
 * range says) and a server that does not serve routing.base at all (UNIMPLEMENTED).
 */
import { strict as assert } from 'assert';
import * as grpc from '@grpc/grpc-js';
import { GrpcServer, Rib } from '../../../sim';
import type { GrpcBackend } from '../../../lib/grpc/backend';
import { CLIENT_ID_METADATA } from '../../../lib/grpc/protocol';
import { jetGrpc } from '../../../lib/grpc/proto';
import type { ReadyInfo, SessionStatus } from '../../../lib/core/backend';
import { waitFor } from '../../support/wait';
import { backendFor, HOST } from './support';

/** Starts `b` and resolves at its first 'ready', or rejects with its states when it never comes. */
async function ready(b: GrpcBackend): Promise<ReadyInfo> {
  const states: string[] = [];
  b.on('state', (s: SessionStatus) => states.push(`${s.state} ${s.detail}`));
  const up = waitFor<[ReadyInfo]>(b, 'ready', () => true, 10000, 'ready');
  b.start();
  try {
    return (await up)[0];
  } catch (err) {
    throw new Error(`${(err as Error).message}; states: ${states.slice(-4).join(' | ')}`);
  }
}

describe('gRPC backend: a refused RoutePurgeTimerAdd', function () {
  this.timeout(30000);
  let backend: GrpcBackend | null = null;
  afterEach(async () => {
    await backend?.close(2000);
    backend = null;
  });

  describe('against the simulator', () => {
    let server: GrpcServer;
    let port: number;
    beforeEach(async () => {
      server = new GrpcServer({ rib: new Rib() });
      port = await server.listen(0, HOST);
    });
    afterEach(async () => {
      await server.close();
    });

    it('a time outside 1..1000 s (INVALID_PARAMS): connected all the same, one warning, the router\'s default kept', async () => {
      const b = (backend = backendFor(port, { queueLimit: 100, purgeTimeS: 5000 }));
      const warnings: string[] = [];
      b.on('warning', (text: string) => warnings.push(text));
      await ready(b);
      assert.equal(b.status.state, 'connected');
      assert.deepEqual(warnings, [
        'RoutePurgeTimerAdd 5000 s refused: INVALID_PARAMS: time 5000 s is out of range 1..1000; the router keeps this client\'s routes for its own default purge time after a session ends',
      ]);
      assert.equal(server.purgeTimeOf('node-red-1'), 120);
      assert.deepEqual((await b.add([{ appId: '', prefix: '10.1.0.0/24', family: 'inet', table: 'inet.0', nexthops: ['192.0.2.1'], preference: 5, metric: 0 }])).map((r) => r.status), ['added']);
      // A later login asks again (a refusal may have been passing) and is refused again: no second warning.
      const again = waitFor(b, 'ready', () => true, 10000, 'ready again');
      server.closeAllConnections();
      await again;
      assert.equal(server.counters.calls.RoutePurgeTimerAdd, 2);
      assert.equal(server.counters.logins, 2, 'one login per connection, no loop');
      assert.equal(warnings.length, 1);
    });
  });

  describe('against a router without the routing.base service (UNIMPLEMENTED)', () => {
    let server: grpc.Server;
    let port: number;
    const calls: string[] = [];
    beforeEach(async () => {
      calls.length = 0;
      const jet = jetGrpc();
      const ok = { status: { code: 'SUCCESS', message: '' }, sub_code: 'SUCCESS' };
      const answer =
        (method: string, reply: unknown): grpc.handleUnaryCall<unknown, unknown> =>
        (call, callback) => {
          calls.push(`${method} ${String(call.metadata.get(CLIENT_ID_METADATA)[0] ?? '')}`);
          callback(null, reply);
        };
      server = new grpc.Server();
      server.addService(jet.jnx.jet.authentication.Authentication.service, { Login: answer('Login', { status: ok.status }) });
      server.addService(jet.jnx.jet.routing.rib.Rib.service, { RouteInitialize: answer('RouteInitialize', { ...ok, num_client_routes: 0 }) });
      port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
    });
    afterEach(() => {
      server.forceShutdown();
    });

    it('connected all the same (RouteInitialize follows), one warning naming the status', async () => {
      const b = (backend = backendFor(port, { queueLimit: 100, purgeTimeS: 300 }));
      const warnings: string[] = [];
      b.on('warning', (text: string) => warnings.push(text));
      const info = await ready(b);
      assert.equal(info.clientRoutes, 0);
      assert.deepEqual(calls, ['Login node-red-1', 'RouteInitialize node-red-1']);
      assert.equal(warnings.length, 1, warnings.join(' | '));
      assert.match(warnings[0], /^RoutePurgeTimerAdd 300 s refused: UNIMPLEMENTED: .*; the router keeps this client's routes for its own default purge time after a session ends$/);
    });
  });
});
