/**
 * A slow router: 20,000 routes in one message, and a replay of 20,000 desired routes after the
 * session dropped, each complete in one session with the jet-router's default request timeout and
 * queue limit (real Node-RED runtime, simulator with a per-route delay, no sleeps).
 *
 * The arithmetic (DEFAULT_REQUEST_TIMEOUT_MS = 10 s; the numbers are asserted below, so a change
 * of a constant that breaks them is named rather than turning into a timeout):
 *  - gRPC, GRPC_ROUTE_DELAY_MS = 0.75 ms per route: one request of 1,000 routes is answered after
 *    750 ms; 20,000 routes are 20 requests, 15 s of router time per pass (the message, then the
 *    replay) > 10 s. Before the fix all 20 requests went at once with deadlines counted from the
 *    call, so requests 14..20 (answered 10.5..15 s after being made) passed their deadline, the
 *    session was torn down, the router purged the routes, and the next login sent them all again.
 *    With at most GRPC_MAX_IN_FLIGHT (8) requests written, one waits at most 8 × 750 ms = 6 s from
 *    its write for its answer: < 10 s, with room for a loaded 2-core machine.
 *  - Thrift, THRIFT_ROUTE_DELAY_MS = 1 ms per route (one route per call; the simulator's timers
 *    have a 1 ms grain): 20,000 calls are ≥ 20 s of router time > 10 s; a call waits at most
 *    THRIFT_MAX_IN_FLIGHT (256) × 1 ms ≈ 0.26 s from its write.
 *  - gRPC on a slower router, SLOWER_DELAY_MS = 2.5 ms per route, 6,000 routes (15 s): a full
 *    window of 8 requests is 20 s of router time, more than the timeout, so a deadline counted from
 *    the write would expire the requests that wait behind the others; the deadline counts from
 *    when the request reaches the head of the window (each is answered 2.5 s after that).
 * Router time of the file ≈ 15 + 15 + 15 + 20..25 s: about 70 s in all.
 */
import { strict as assert } from 'assert';
import type { EventEmitter } from 'events';
import { helper, load, statusMatching, FlowNode } from '../support/nodered';
import { waitFor } from '../support/wait';
import { nodeCalls, runtimeFixture } from '../support/fault';
import { SessionStatus } from '../../lib/core/backend';
import { DEFAULT_QUEUE_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS } from '../../lib/core/defaults';
import { GRPC_MAX_IN_FLIGHT, GRPC_MAX_ROUTES_PER_REQUEST } from '../../lib/grpc/protocol';
import { THRIFT_MAX_IN_FLIGHT } from '../../lib/thrift/backend';
import type { ReplayReport } from '../../lib/core/route-client';
import type { RibEntry } from '../../sim';

const ROUTES = 20000;
const GRPC_ROUTE_DELAY_MS = 0.75;
const THRIFT_ROUTE_DELAY_MS = 1;
const SLOWER_DELAY_MS = 2.5;
const SLOWER_ROUTES = 6000;
/** Longest wait for one pass: its router time plus generous slack for a loaded machine. */
const PASS_BOUND_MS = 60000;

/** 20,000 distinct host routes: 10.0.0.0/32 .. 10.0.78.31/32. */
function prefixes(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}/32`);
}

/** A jet-router with the defaults (no requestTimeout, no queueLimit, no purge time), one route-add node. */
function flow(routerId: string, api: 'grpc' | 'thrift', port: number): FlowNode[] {
  return [
    { id: routerId, type: 'jet-router', api, host: '127.0.0.1', port: String(port) },
    { id: 'add', type: 'jet-route-add', router: routerId, prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', preference: '5', table: '', appId: 'slow', verify: false, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

/** The states the router's session goes through from now on. */
function recordStates(backend: EventEmitter): string[] {
  const states: string[] = [];
  backend.on('state', (s: SessionStatus) => states.push(`${s.state}: ${s.detail}`));
  return states;
}

function sendRoutes(count: number): Promise<Record<string, any>> {
  const out = helper.getNode('out');
  const got = waitFor<[Record<string, any>]>(out, 'input', () => true, PASS_BOUND_MS, `the result of the ${count}-prefix message`);
  helper.getNode('add').receive({ payload: { prefixes: prefixes(count) } });
  return got.then(([m]) => m);
}

function assertAllAdded(m: Record<string, any>, count: number): void {
  const results = m.payload.results as Array<{ prefix: string; status: string; message: string }>;
  assert.equal(results.length, count);
  const notAdded = results.filter((r) => r.status !== 'added');
  assert.deepEqual(notAdded.slice(0, 3), [], `${notAdded.length} of ${count} route(s) not added`);
  assert.equal(m.payload.changed, true);
}

describe('a slow router: 20,000 routes in one session with the default timeout', function () {
  this.timeout(3 * PASS_BOUND_MS);
  const fx = runtimeFixture();

  before(() => {
    // The premises of the arithmetic above.
    assert.equal(DEFAULT_REQUEST_TIMEOUT_MS, 10000);
    assert.ok(ROUTES * GRPC_ROUTE_DELAY_MS > 1.4 * DEFAULT_REQUEST_TIMEOUT_MS, 'gRPC: router time per pass well above the timeout');
    assert.ok(ROUTES * THRIFT_ROUTE_DELAY_MS > 1.4 * DEFAULT_REQUEST_TIMEOUT_MS, 'Thrift: router time well above the timeout');
    assert.ok(GRPC_MAX_IN_FLIGHT * GRPC_MAX_ROUTES_PER_REQUEST * GRPC_ROUTE_DELAY_MS <= 0.6 * DEFAULT_REQUEST_TIMEOUT_MS, 'gRPC: a full window is answered well within the timeout');
    assert.ok(THRIFT_MAX_IN_FLIGHT * THRIFT_ROUTE_DELAY_MS * 2 <= 0.6 * DEFAULT_REQUEST_TIMEOUT_MS, 'Thrift: a full window is answered well within the timeout');
    assert.ok(ROUTES > DEFAULT_QUEUE_LIMIT, 'more routes than the queue limit: it must not apply while the session is up');
  });

  it('gRPC: one message of 20,000 prefixes, then the replay of 20,000 desired routes after the session dropped, each in one session', async () => {
    // A router that purges a client's routes as its session ends (purge time 0, not the default 120 s):
    // the replay below must add all 20,000 again.
    const sim = await fx.startSim({ thriftPort: false, sampling: false, routeDelayMs: GRPC_ROUTE_DELAY_MS, defaultPurgeTimeS: 0 });
    const routerId = 'slow-grpc';
    await load(flow(routerId, 'grpc', sim.grpcPort), { [routerId]: { username: 'lab', password: 'lab123' } });
    await statusMatching(helper.getNode('add'), /^connected 127\.0\.0\.1:/);
    const router = helper.getNode(routerId);
    const routes = router.routes;
    assert.equal(routes.backend.opts.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'the default request timeout is in effect');
    assert.equal(routes.backend.opts.queueLimit, DEFAULT_QUEUE_LIMIT, 'the default queue limit is in effect');
    assert.equal(sim.grpc.counters.logins, 1);

    // 1. One message of 20,000 prefixes.
    const states = recordStates(routes.backend);
    const t0 = Date.now();
    const m = await sendRoutes(ROUTES);
    const took = Date.now() - t0;
    assertAllAdded(m, ROUTES);
    assert.ok(took > DEFAULT_REQUEST_TIMEOUT_MS, `the router took ${took} ms: longer than the timeout, as intended`);
    assert.deepEqual(states, [], 'the session never left connected');
    assert.equal(sim.grpc.counters.logins, 1, 'one login only');
    assert.equal(sim.grpc.counters.connectionsTotal, 1, 'one connection only');
    assert.equal(sim.grpc.counters.calls.RouteAdd, ROUTES / GRPC_MAX_ROUTES_PER_REQUEST, 'each request sent once');
    assert.ok(sim.grpc.counters.maxQueued <= GRPC_MAX_IN_FLIGHT, `at most ${GRPC_MAX_IN_FLIGHT} requests at the router at a time (saw ${sim.grpc.counters.maxQueued})`);
    assert.equal(sim.rib.size, ROUTES);
    assert.equal(routes.desired.size, ROUTES, "every route desired");
    assert.deepEqual(nodeCalls('error', 'add'), []);

    // 2. The session drops; the router purges the routes (no purge time set: 0 in this simulator).
    const purged = waitFor<[string, RibEntry[]]>(sim.grpc, 'purge', (_id, list) => list.length === ROUTES, PASS_BOUND_MS, 'the purge of the 20,000 routes');
    const replayed = waitFor<[ReplayReport]>(routes, 'replayed', () => true, 2 * PASS_BOUND_MS, 'the replay report');
    const reconnected = waitFor<[SessionStatus]>(routes.backend, 'state', (s) => s.state === 'connected', PASS_BOUND_MS, 'the new session');
    sim.grpc.closeAllConnections();
    await purged;
    assert.equal(sim.rib.size, 0, 'the router dropped the routes with the session');
    await reconnected;
    states.length = 0;
    const t1 = Date.now();
    const [report] = await replayed;
    const replayTook = Date.now() - t1;
    assert.deepEqual(report, { routes: ROUTES, failed: 0, removed: 0 });
    assert.ok(replayTook > DEFAULT_REQUEST_TIMEOUT_MS, `the replay took ${replayTook} ms: longer than the timeout, as intended`);
    assert.deepEqual(states, [], 'the session never left connected during the replay');
    assert.equal(sim.grpc.counters.logins, 2, 'one more login only');
    assert.equal(sim.grpc.counters.connectionsTotal, 2, 'one more connection only');
    assert.equal(sim.grpc.counters.calls.RouteUpdate, ROUTES / GRPC_MAX_ROUTES_PER_REQUEST, 'each replay request sent once');
    assert.ok(sim.grpc.counters.maxQueued <= GRPC_MAX_IN_FLIGHT, `at most ${GRPC_MAX_IN_FLIGHT} requests at the router at a time (saw ${sim.grpc.counters.maxQueued})`);
    assert.equal(sim.rib.size, ROUTES, 'the RIB holds every desired route again');
    const logs = nodeCalls('log', routerId).map((a) => String(a[0]));
    assert.ok(
      logs.includes(`re-asserted ${ROUTES} of ${ROUTES} desired route(s) after login`),
      `the router node logs the replay: ${JSON.stringify(logs)}`,
    );
    assert.deepEqual(nodeCalls('warn', routerId), []);
    assert.deepEqual(fx.unhandled(), []);
  });

  it('gRPC, a router slower than a full window within the timeout: 6,000 prefixes at 2.5 ms a route in one session', async () => {
    assert.ok(GRPC_MAX_IN_FLIGHT * GRPC_MAX_ROUTES_PER_REQUEST * SLOWER_DELAY_MS > 1.5 * DEFAULT_REQUEST_TIMEOUT_MS, 'a full window takes longer than the timeout');
    const sim = await fx.startSim({ thriftPort: false, sampling: false, routeDelayMs: SLOWER_DELAY_MS });
    const routerId = 'slower-grpc';
    await load(flow(routerId, 'grpc', sim.grpcPort), { [routerId]: { username: 'lab', password: 'lab123' } });
    await statusMatching(helper.getNode('add'), /^connected 127\.0\.0\.1:/);
    const routes = helper.getNode(routerId).routes;
    const states = recordStates(routes.backend);
    const m = await sendRoutes(SLOWER_ROUTES);
    assertAllAdded(m, SLOWER_ROUTES);
    assert.deepEqual(states, [], 'the session never left connected');
    assert.equal(sim.grpc.counters.logins, 1, 'one login only');
    assert.equal(sim.grpc.counters.calls.RouteAdd, SLOWER_ROUTES / GRPC_MAX_ROUTES_PER_REQUEST, 'each request sent once');
    assert.equal(sim.rib.size, SLOWER_ROUTES);
    assert.deepEqual(fx.unhandled(), []);
  });

  it('Thrift: one message of 20,000 prefixes in one session', async () => {
    const sim = await fx.startSim({ grpcPort: false, sampling: false, routeDelayMs: THRIFT_ROUTE_DELAY_MS });
    const routerId = 'slow-thrift';
    await load(flow(routerId, 'thrift', sim.thriftPort), { [routerId]: { username: 'lab', password: 'lab123' } });
    await statusMatching(helper.getNode('add'), /^connected 127\.0\.0\.1:/);
    const routes = helper.getNode(routerId).routes;
    assert.equal(routes.backend.opts.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'the default request timeout is in effect');
    assert.equal(routes.backend.opts.queueLimit, DEFAULT_QUEUE_LIMIT, 'the default queue limit is in effect');

    const states = recordStates(routes.backend);
    const t0 = Date.now();
    const m = await sendRoutes(ROUTES);
    const took = Date.now() - t0;
    assertAllAdded(m, ROUTES);
    assert.ok(took > DEFAULT_REQUEST_TIMEOUT_MS, `the router took ${took} ms: longer than the timeout, as intended`);
    assert.deepEqual(states, [], 'the session never left connected');
    assert.equal(sim.thrift.counters.logins, 1, 'one login only');
    assert.equal(sim.thrift.counters.connectionsTotal, 1, 'one connection only');
    assert.equal(sim.thrift.counters.calls.RouteAdd, ROUTES, 'each route sent once');
    assert.equal(sim.rib.size, ROUTES);
    assert.deepEqual(nodeCalls('error', 'add'), []);
    assert.deepEqual(fx.unhandled(), []);
  });
});
