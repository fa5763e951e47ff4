/**
 * Route safety on gRPC (issue 20, items 1, 2, 3, 4, 10 and the login-failed wording of 12): the route
 * client (lib/core/route-client.ts) on the gRPC backend against the simulator, which answers chosen
 * calls with a gRPC status or a sub-code (sim/grpc/faults.ts), forgets logins as a JET daemon
 * restart does, and answers slowly per route.
 *  1. a call-level gRPC status is no refusal: intents and acknowledgements stay, the routes are sent
 *     again (smaller requests after repeated failures) until the router answers for them;
 *  2. TABLE_NOT_READY, NOT_READY and TRY_AGAIN are retried, never dropped;
 *  3. "Authorization failed" under any status logs in again; a re-login that does not cure it backs off;
 *  4. a slow router (12 ms a route, 1,000 routes in a request) is no dead connection;
 * 10. queueLimit and a maximum age bound the calls waiting while a session is up.
 */
import { strict as assert } from 'assert';
import { GrpcServer, GrpcServerOptions, Rib } from '../../../sim';
import { GrpcBackend } from '../../../lib/grpc/backend';
import { JetRoutes, ReplayReport } from '../../../lib/core/route-client';
import { RouteState } from '../../../lib/core/route-state';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../../lib/core/defaults';
import { GRPC_KEEPALIVE_TIME_MS, GRPC_MAX_IN_FLIGHT } from '../../../lib/grpc/protocol';
import type { GrpcBackendOptions } from '../../../lib/grpc/connector';
import type { RouteReply } from '../../../lib/core/backend';
import { until, waitFor } from '../../support/wait';
import { backendFor, connected, HOST, manyRoutes, spec, stateIs, started } from './support';

const RETRY = { initialMs: 50, maxMs: 400, factor: 2, jitter: 0 };

describe('gRPC route safety: the route client against the simulator with faults', function () {
  this.timeout(60000);
  let rib: Rib;
  let server: GrpcServer;
  let port: number;
  let backend: GrpcBackend | null;
  let routes: JetRoutes | null;

  async function serve(extra: Partial<GrpcServerOptions> = {}): Promise<void> {
    rib = new Rib();
    server = new GrpcServer({ rib, purgeSecondMs: 1000, defaultPurgeTimeS: 3600, ...extra });
    port = await server.listen(0, HOST);
  }

  async function start(extra: Partial<GrpcBackendOptions> = {}): Promise<JetRoutes> {
    backend = backendFor(port, extra);
    routes = new JetRoutes(backend, new RouteState({ api: 'grpc', host: HOST, port }), { retry: RETRY });
    await started(backend);
    return routes;
  }

  const counts = (r: JetRoutes): [number, number] => [r.state.desired.size, r.state.acknowledged.size];

  afterEach(async function () {
    routes?.dispose();
    await backend?.close(2000);
    await server.close();
    routes = null;
    backend = null;
  });

  describe('1. call-level gRPC errors are not refusals', function () {
    beforeEach(() => serve());

    it('one RESOURCE_EXHAUSTED answer to the replay (RouteUpdate of 3 kept routes): desired 3, acknowledged 3, router 3', async () => {
      const r = await start();
      const specs = [spec('10.1.0.0/24', ['192.0.2.1']), spec('10.2.0.0/24', ['192.0.2.1']), spec('10.3.0.0/24', ['192.0.2.1'])];
      assert.deepEqual((await r.add(specs)).map((o) => o.status), ['added', 'added', 'added']);
      assert.deepEqual(counts(r), [3, 3]);
      server.faults.add({ method: 'RouteUpdate', status: 'RESOURCE_EXHAUSTED', count: 1 });
      const replayed = waitFor<[ReplayReport]>(r, 'replayed', () => true, 20000, 'a complete replay');
      const again = connected(backend!);
      server.closeAllConnections();
      await again;
      const [report] = await replayed;
      assert.deepEqual(report, { routes: 3, failed: 0, removed: 0 });
      assert.equal(server.subCodeCount('RouteUpdate', 'SUCCESS'), 1, 'sent again after the refusal of the whole call');
      assert.equal(server.faults.list().length, 0, 'the fault answered once');
      assert.deepEqual(counts(r), [3, 3]);
      assert.equal(rib.size, 3);
    });

    it('INTERNAL to a RouteAdd: the outcome says unanswered and still desired; the routes are added by a retry', async () => {
      const r = await start();
      server.faults.add({ method: 'RouteAdd', status: 'INTERNAL', details: 'rpd busy', count: 1 });
      const outcomes = await r.add([spec('10.4.0.0/24', ['192.0.2.1']), spec('10.5.0.0/24', ['192.0.2.1'])]);
      for (const o of outcomes) {
        assert.equal(o.status, 'failed');
        assert.equal(o.errCode, null);
        assert.match(o.message, /RouteAdd failed: INTERNAL: rpd busy/);
        assert.match(o.message, /still desired/);
      }
      assert.equal(r.state.desired.size, 2);
      await until(rib, 'change', () => rib.size === 2, 20000, 'both routes on the router');
      await until(r, 'desired', () => r.state.acknowledged.size === 2, 20000, 'both acknowledged');
      assert.deepEqual(counts(r), [2, 2]);
    });

    for (const status of ['UNKNOWN', 'ABORTED', 'INVALID_ARGUMENT']) {
      it(`${status} to a RouteDelete: the route stays acknowledged until the router confirms it gone`, async () => {
        const r = await start();
        const s = spec('10.6.0.0/24', ['192.0.2.1']);
        await r.add([s]);
        server.faults.add({ method: 'RouteDelete', status, count: 2 });
        const [o] = await r.delete([s]);
        assert.equal(o.status, 'failed');
        assert.equal(o.errCode, null);
        assert.equal(r.state.desired.size, 0, 'a delete ends the intent at once');
        assert.equal(r.state.acknowledged.size, 1, 'not confirmed gone: still acknowledged');
        await until(rib, 'change', () => rib.size === 0, 20000, 'the route deleted by a retry');
        await until(r, 'desired', () => r.state.acknowledged.size === 0, 20000, 'no longer acknowledged');
        assert.equal(server.subCodeCount('RouteDelete', 'SUCCESS'), 1);
      });
    }

    it('a route the router calls invalid still ends its intent (GATEWAY_INVALID), the others of the request are kept', async () => {
      const r = await start();
      const outcomes = await r.add([spec('10.7.1.0/24', ['192.0.2.1']), spec('10.7.2.0/24', ['not-an-address']), spec('10.7.3.0/24', ['192.0.2.1'])]);
      assert.deepEqual(outcomes.map((o) => o.status), ['added', 'failed', 'added']);
      assert.equal(outcomes[1].errCode, 10);
      assert.deepEqual(counts(r), [2, 2]);
    });

    it('repeated failures of the whole call: the routes go again in smaller requests', async () => {
      const r = await start();
      const specs = manyRoutes(400);
      server.faults.add({ method: 'RouteAdd|RouteUpdate', status: 'RESOURCE_EXHAUSTED', count: 3 });
      const outcomes = await r.add(specs);
      assert.ok(outcomes.every((o) => o.status === 'failed' && o.errCode === null));
      await until(rib, 'change', () => rib.size === 400, 30000, 'every route on the router');
      await until(r, 'desired', () => r.state.acknowledged.size === 400, 30000, 'every route acknowledged');
      // 1 RouteAdd (refused) + RouteUpdates: 2 refused, then smaller requests than the first.
      assert.ok(server.counters.calls.RouteUpdate > 3, `${server.counters.calls.RouteUpdate} RouteUpdate requests: the routes went in smaller ones`);
    });
  });

  describe('2. transient sub-codes are retried, never dropped', function () {
    beforeEach(() => serve());

    for (const subCode of ['TABLE_NOT_READY', 'NOT_READY', 'TRY_AGAIN']) {
      it(`${subCode} to a RouteAdd, twice: still desired, added by a later try`, async () => {
        const r = await start();
        server.faults.add({ method: 'RouteAdd|RouteUpdate', subCode, count: 2 });
        const [o] = await r.add([spec('10.8.0.0/24', ['192.0.2.1'])]);
        assert.equal(o.status, 'failed');
        assert.match(o.message, new RegExp(`${subCode}.*still desired`));
        assert.equal(r.state.desired.size, 1);
        await until(rib, 'change', () => rib.size === 1, 20000, 'the route on the router');
        await until(r, 'desired', () => r.state.acknowledged.size === 1, 20000, 'acknowledged');
        assert.equal(server.subCodeCount('RouteAdd', subCode) + server.subCodeCount('RouteUpdate', subCode), 2);
        assert.deepEqual(counts(r), [1, 1]);
      });
    }

    it('TRY_AGAIN at the replay: the desired routes stay and are asserted once the router is ready', async () => {
      const r = await start();
      await r.add([spec('10.9.1.0/24', ['192.0.2.1']), spec('10.9.2.0/24', ['192.0.2.1'])]);
      server.faults.add({ method: 'RouteUpdate', subCode: 'TRY_AGAIN', count: 3 });
      const replayed = waitFor<[ReplayReport]>(r, 'replayed', () => true, 20000, 'a complete replay');
      server.closeAllConnections();
      const [report] = await replayed;
      assert.deepEqual(report, { routes: 2, failed: 0, removed: 0 });
      assert.deepEqual(counts(r), [2, 2]);
      assert.equal(rib.size, 2);
    });
  });

  describe('3. lost login, whatever the status code', function () {
    for (const status of ['PERMISSION_DENIED', 'UNKNOWN', 'FAILED_PRECONDITION']) {
      it(`the router forgets the login and answers ${status} "Authorization failed": one re-login, the call sent again and answered`, async () => {
        await serve({ notLoggedInStatus: status });
        const r = await start();
        await r.add([spec('10.10.1.0/24', ['192.0.2.1'])]);
        assert.equal(server.forgetLogins(), 1);
        const [o] = await r.add([spec('10.10.2.0/24', ['192.0.2.1'])]);
        assert.equal(o.status, 'added', o.message);
        assert.equal(server.counters.logins, 2);
        assert.deepEqual(counts(r), [2, 2]);
        assert.equal(rib.size, 2);
      });
    }

    it('a login that does not cure NOT_INITIALIZED backs off (capped) instead of logging in again at once', async () => {
      await serve();
      const r = await start({ backoff: { initialMs: 100, maxMs: 800, factor: 2, jitter: 0 } });
      await r.add([spec('10.11.1.0/24', ['192.0.2.1']), spec('10.11.2.0/24', ['192.0.2.1'])]);
      const logins0 = server.counters.logins;
      server.faults.add({ method: 'RouteAdd|RouteUpdate|RouteDelete', subCode: 'NOT_INITIALIZED', forMs: 3000 });
      const faultEnds = Date.now() + 3000;
      const [o] = await r.add([spec('10.11.3.0/24', ['192.0.2.1'])]);
      assert.equal(o.status, 'failed');
      // While the fault lasts: at most one login per backoff step (100, 200, 400, 800, 800 ... ms).
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, faultEnds - Date.now())));
      const during = server.counters.logins - logins0;
      assert.ok(during >= 2 && during <= 8, `${during} logins in 3 s of NOT_INITIALIZED`);
      // Once the router answers again, every desired route is there.
      await until(rib, 'change', () => rib.size === 3, 20000, 'all three routes on the router');
      await until(r, 'desired', () => r.state.acknowledged.size === 3, 20000, 'all acknowledged');
    });
  });

  describe('4. slow requests are not dead connections', function () {
    it(`1,000 routes at 12 ms a route (12 s > the ${DEFAULT_REQUEST_TIMEOUT_MS / 1000} s timeout): one login, every route added once`, async () => {
      await serve({ routeDelayMs: 12 });
      const r = await start({ requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS });
      const states: string[] = [];
      backend!.on('state', (s: { state: string; detail: string }) => states.push(`${s.state}: ${s.detail}`));
      const outcomes = await r.add(manyRoutes(1000));
      const notAdded = outcomes.filter((o) => o.status !== 'added');
      assert.deepEqual(notAdded.slice(0, 2), [], `${notAdded.length} of 1000 not added`);
      assert.deepEqual(states, [], 'the session never left connected');
      assert.equal(server.counters.logins, 1);
      assert.equal(server.counters.connectionsTotal, 1);
      assert.equal(server.counters.calls.RouteAdd, 1, 'one request');
      assert.equal(server.counters.calls.RouteUpdate ?? 0, 0, 'no replay');
      assert.deepEqual(counts(r), [1000, 1000]);
    });

    it('keepalive pings no more often than every 5 minutes (gRPC servers close the connection after two faster ones)', () => {
      assert.ok(GRPC_KEEPALIVE_TIME_MS >= 5 * 60 * 1000, `${GRPC_KEEPALIVE_TIME_MS} ms`);
    });
  });

  describe('10. queueLimit and a maximum age bound the calls queued while a session is up', function () {
    it('a slow but answering router: calls over the limit fail at once, calls too old fail unanswered, none is sent late', async () => {
      await serve({ routeDelayMs: 200 });
      const b = backendFor(port, { queueLimit: 10, requestTimeoutMs: 1000 });
      backend = b;
      await started(b);
      const pending: Promise<RouteReply[]>[] = [];
      let maxQueued = 0;
      for (let i = 0; i < 60; i++) {
        pending.push(b.add([spec(`10.12.${i}.0/24`, ['192.0.2.1'])]));
        // One request each: the next add comes after this one's flush.
        await new Promise<void>((resolve) => setImmediate(resolve));
        maxQueued = Math.max(maxQueued, b.load.queued);
      }
      const replies = (await Promise.all(pending)).map(([reply]) => reply);
      const full = replies.filter((x) => !x.answered && /already wait/.test(x.message));
      const old = replies.filter((x) => !x.answered && /waited/.test(x.message));
      const added = replies.filter((x) => x.status === 'added');
      assert.ok(maxQueued <= 10, `${maxQueued} calls queued against a limit of 10`);
      assert.ok(full.length >= 60 - GRPC_MAX_IN_FLIGHT - 10, `${full.length} refused at once`);
      assert.match(full[0].message, /10 calls already wait for the router/);
      assert.ok(old.length > 0, 'calls that waited longer than the maximum age failed');
      assert.equal(added.length + full.length + old.length, 60);
      assert.equal(server.counters.calls.RouteAdd, added.length, 'the calls that failed were never sent');
      assert.equal(b.status.state, 'connected');
    });
  });

  describe('12. the gRPC login-failed status does not name the user', function () {
    beforeEach(() => serve());

    it('status "login failed: ...", without the user; the refused calls\' errors name the user once', async () => {
      const b = backendFor(port, { password: 'wrong' });
      backend = b;
      const failed = stateIs(b, 'login-failed');
      b.start();
      const [s] = await failed;
      assert.match(s.detail, /^login failed: Authentication failed/);
      assert.doesNotMatch(s.detail, /\blab\b/);
      const [reply] = await b.add([spec('10.13.0.0/24', ['192.0.2.1'])]);
      assert.equal(reply.answered, false);
      assert.equal(reply.message.split('lab').length - 1, 1, reply.message);
      assert.match(reply.message, /^login failed for user lab: Authentication failed/);
    });
  });
});
