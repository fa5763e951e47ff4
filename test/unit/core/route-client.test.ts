/**
 * The route client's intents (lib/core/route-client.ts) on a scripted backend: a route the router refuses
 * never stays desired, also when two adds of it were in flight; an unanswered add stays desired;
 * an older answer does not override a newer intent. No sockets, no Node-RED.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { JetRoutes } from '../../../lib/core/route-client';
import { RouteState } from '../../../lib/core/route-state';
import type { InstalledRoute, RouteBackend, RouteReply } from '../../../lib/core/backend';
import { buildRouteSpecs, RouteSpec } from '../../../lib/core/route-spec';

type Answer = (specs: readonly RouteSpec[]) => RouteReply[];

/** A backend whose answers the test releases one call at a time. */
class ScriptedBackend extends EventEmitter {
  readonly carriesMetric = true;
  readonly status = { state: 'connected' as const, detail: '' };
  readonly peer = 'r:1';
  readonly load = { queued: 0, inFlight: 0 };
  readonly pending: Array<{ op: string; specs: readonly RouteSpec[]; answer: (a: Answer) => void }> = [];
  owned = new Set<string>();
  /** What RouteGet answers at a prefix, when set (a lookup in the routing table: every protocol's route). */
  lookup = new Map<string, InstalledRoute[]>();
  gets = 0;
  cleanups = 0;
  constructor(readonly api: 'grpc' | 'thrift' = 'thrift') {
    super();
  }
  start(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
  private wait(op: string, specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return new Promise((resolve) => this.pending.push({ op, specs, answer: (a) => resolve(a(specs)) }));
  }
  add(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return this.wait('add', specs);
  }
  assert(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return this.wait('assert', specs);
  }
  delete(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return this.wait('delete', specs);
  }
  /** What RouteCleanup answers. */
  cleanupReply: RouteReply = { status: 'deleted', code: 0, codeName: 'SUCCESS', message: 'deleted', answered: true };
  cleanup(): Promise<RouteReply> {
    this.cleanups++;
    return this.wait('cleanup', []).then(() => this.cleanupReply);
  }
  get(appId: string, table: string, prefix: string): Promise<InstalledRoute[]> {
    this.gets++;
    const found = this.lookup.get(prefix);
    if (found) return Promise.resolve(found);
    return Promise.resolve(this.owned.has(prefix) ? [{ prefix, table, nexthops: [], preference: [], metric: [] }] : []);
  }
  answerNext(a: Answer): void {
    this.pending.shift()!.answer(a);
  }
  /** Answers the next call, which must be `op`. */
  answer(op: string, a: Answer): void {
    assert.equal(this.pending[0]?.op, op, `the next call is ${op} (calls waiting: ${this.pending.map((p) => p.op).join(', ') || 'none'})`);
    this.answerNext(a);
  }
}

const refused: Answer = (specs) => specs.map(() => ({ status: 'failed', code: 4, codeName: 'invalid parameters', message: 'refused', answered: true }));
const added: Answer = (specs) => specs.map(() => ({ status: 'added', code: 0, codeName: 'success', message: 'added', answered: true }));
const exists: Answer = (specs) => specs.map(() => ({ status: 'unchanged', code: 14, codeName: 'ROUTE_EXISTS', message: 'No configuration changes required (route already exists)', answered: true }));
const noAnswer: Answer = (specs) => specs.map(() => ({ status: 'failed', code: null, codeName: '', message: 'no reply', answered: false }));

function setup(api: 'grpc' | 'thrift' = 'thrift', state = new RouteState({ api, host: 'r', port: 1 })): { backend: ScriptedBackend; routes: JetRoutes; spec: RouteSpec } {
  const backend = new ScriptedBackend(api);
  const routes = new JetRoutes(backend as unknown as RouteBackend, state);
  const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }, true);
  return { backend, routes, spec };
}

describe('route client intents (lib, scripted backend)', () => {
  it('two adds of one route in flight, both refused: the route is not desired', async () => {
    const { backend, routes, spec } = setup();
    const a = routes.add([spec]);
    const b = routes.add([spec]);
    assert.equal(routes.desired.size, 1, 'desired while the answers are out');
    backend.answerNext(refused);
    assert.equal((await a)[0].status, 'failed');
    backend.answerNext(refused);
    assert.equal((await b)[0].status, 'failed');
    assert.equal(routes.desired.size, 0);
    assert.equal(routes.runningKeys, 0);
  });

  it('the older add refused, the newer one unanswered: the newer intent stands', async () => {
    const { backend, routes, spec } = setup();
    const a = routes.add([spec]);
    const b = routes.add([spec]);
    backend.answerNext(refused);
    await a;
    backend.answerNext(noAnswer);
    assert.match((await b)[0].message, /still desired/);
    assert.equal(routes.desired.size, 1);
  });

  it('a refusal of a route the router confirmed to us before keeps it desired', async () => {
    const { backend, routes, spec } = setup();
    const a = routes.add([spec]);
    backend.answerNext(added);
    await a;
    const again = routes.add([{ ...spec, nexthops: ['10.1.1.3'] }]);
    backend.answerNext(refused);
    await again;
    assert.deepEqual(routes.desired.get(spec.appId, spec.table, spec.prefix)?.nexthops, ['10.1.1.2']);
  });

  it('a replay refusal drops the route and reports it; an add made during the replay keeps its own intent', async () => {
    const { backend, routes, spec } = setup();
    const [other] = buildRouteSpecs({ prefixes: '2.2.2.2/32', nexthops: '10.1.1.2' }, true);
    routes.desired.set(spec);
    routes.desired.set(other);
    const errors: string[] = [];
    routes.on('replay-error', (s: RouteSpec) => errors.push(s.prefix));
    const report = new Promise((resolve) => routes.once('replayed', resolve));
    backend.emit('ready', {});
    // While the replay is out, a node adds 2.2.2.2/32 again: the replay's answer no longer speaks for it.
    const fresh = routes.add([other]);
    backend.answerNext(refused); // the replay: both refused
    assert.deepEqual(await report, { routes: 2, failed: 1, removed: 0 });
    assert.deepEqual(errors, ['1.1.1.1/32']);
    assert.equal(routes.desired.has(spec.appId, spec.table, spec.prefix), false, 'dropped');
    assert.equal(routes.desired.has(other.appId, other.table, other.prefix), true, 'the newer intent stands');
    backend.answerNext(added);
    await fresh;
  });
});

/** Another protocol's route at a prefix, as RouteGet (a lookup in the routing table) returns it. */
function cliRoute(prefix: string, nexthops: string[], preference = 5): InstalledRoute {
  return { prefix, table: 'inet.0', nexthops, preference: [preference], metric: [] };
}

describe('route ownership: what this client added, never what RouteGet shows (lib, scripted backend)', () => {
  it('gRPC: an add answered ROUTE_EXISTS for a route this client never added is not adopted, whatever RouteGet returns', async () => {
    const { backend, routes, spec } = setup('grpc');
    backend.emit('ready', { clientRoutes: 0 });
    // A static route from the CLI (another protocol) sits at the prefix: RouteGet returns it.
    backend.lookup.set(spec.prefix, [cliRoute(spec.prefix, ['10.9.9.9'])]);
    const pending = routes.add([spec]);
    backend.answer('add', exists);
    const [outcome] = await pending;
    assert.equal(outcome.status, 'unchanged');
    assert.match(outcome.warning ?? '', /exists on the router but is not this node's route \(app id 111:222, this client id\): left as it is, not recorded as desired/);
    assert.equal(routes.desired.has(spec.appId, spec.table, spec.prefix), false, 'not desired');
    assert.equal(routes.state.acknowledged.has(spec.appId, spec.table, spec.prefix), false, 'not acknowledged');
    assert.equal(backend.gets, 0, 'ownership is never read from RouteGet');
  });

  it('verify reports the returned route whose next hops and preference are this client\'s, not the first one', async () => {
    const { backend, routes, spec } = setup('grpc');
    backend.lookup.set(spec.prefix, [cliRoute(spec.prefix, ['10.9.9.9']), cliRoute(spec.prefix, ['10.1.1.2'])]);
    const pending = routes.add([spec], true);
    backend.answer('add', added);
    const [outcome] = await pending;
    assert.equal(outcome.status, 'added');
    assert.deepEqual(outcome.installed, ['10.1.1.2']);
  });

  it('verify says so when none of the returned routes is this client\'s', async () => {
    const { backend, routes, spec } = setup('grpc');
    backend.lookup.set(spec.prefix, [cliRoute(spec.prefix, ['10.9.9.9']), cliRoute(spec.prefix, ['10.1.1.2'], 170)]);
    const pending = routes.add([spec], true);
    backend.answer('add', added);
    const [outcome] = await pending;
    assert.deepEqual(outcome.installed, []);
    assert.match(outcome.message, /read back: 2 route\(s\) at inet\.0 1\.1\.1\.1\/32, none with this client's next hops 10\.1\.1\.2 and preference 5/);
    // An add answered "exists" for another's route: no route there is this client's.
    const other = setup('grpc');
    other.backend.emit('ready', { clientRoutes: 0 });
    other.backend.lookup.set(spec.prefix, [cliRoute(spec.prefix, ['10.1.1.2'])]);
    const again = other.routes.add([spec], true);
    other.backend.answer('add', exists);
    const [foreign] = await again;
    assert.deepEqual(foreign.installed, []);
    assert.match(foreign.message, /read back: none of the routes at inet\.0 1\.1\.1\.1\/32 is this client's/);
  });

  it('Thrift: a desired route answered "exists" at the replay is another session\'s: kept as desired, not acknowledged', async () => {
    const { backend, routes, spec } = setup('thrift');
    routes.desired.set(spec);
    const report = new Promise((resolve) => routes.once('replayed', resolve));
    backend.emit('ready', {});
    backend.answer('assert', exists);
    await report;
    assert.equal(routes.desired.has(spec.appId, spec.table, spec.prefix), true, 'the intent stands');
    assert.equal(routes.state.acknowledged.has(spec.appId, spec.table, spec.prefix), false, 'not believed installed by this client');
    routes.dispose();
  });

  it('Thrift: a desired route another session holds at the replay is added again, with a growing delay, once that route is gone', async () => {
    const backend = new ScriptedBackend('thrift');
    const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }, true);
    const routes = new JetRoutes(backend as unknown as RouteBackend, new RouteState({ api: 'thrift', host: 'r', port: 1 }), { held: { initialMs: 5, maxMs: 20 } });
    routes.desired.set(spec);
    const report = new Promise((resolve) => routes.once('replayed', resolve));
    backend.emit('ready', {});
    backend.answer('assert', exists);
    assert.deepEqual(await report, { routes: 1, failed: 0, removed: 0, held: 1 });
    const next = async (): Promise<void> => {
      while (backend.pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    };
    await next();
    backend.answer('add', exists); // still held
    await next();
    backend.answer('add', added); // gone: ours now
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(routes.state.acknowledged.has(spec.appId, spec.table, spec.prefix), true);
    assert.equal(routes.state.isForeign(`${spec.appId}|${spec.table}|${spec.prefix}`), false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(backend.pending, [], 'no further try once it is this client\'s');
    routes.dispose();
  });

  it('Thrift: two nodes sharing an app id: the one answered "exists" neither adopts the route nor deletes it', async () => {
    const { backend, routes, spec } = setup('thrift');
    backend.emit('ready', {});
    // RouteGet lists the app id's routes: the other session's route answers to our app id too.
    backend.owned.add(spec.prefix);
    const pending = routes.add([spec]);
    backend.answer('add', exists);
    const [outcome] = await pending;
    assert.match(outcome.warning ?? '', /not this node's route \(app id 111:222\)/);
    assert.equal(routes.desired.size, 0);
    assert.equal(routes.state.acknowledged.size, 0);
    const deleting = routes.delete([spec]);
    assert.deepEqual(backend.pending.map((p) => p.op), [], 'no RouteDelete sent: it would delete the other session\'s route');
    const [gone] = await deleting;
    assert.equal(gone.status, 'unchanged');
    assert.match(gone.warning ?? '', /inet\.0 1\.1\.1\.1\/32 is another's route on the router \(this node's add of it was answered "exists"\): not deleted by this node/);
    // Known across a redeploy (the state as stored), until this node's own add of it succeeds.
    const stored = JSON.parse(JSON.stringify(routes.state.toJSON()));
    const after = setup('thrift', RouteState.fromJSON(stored, { api: 'thrift', host: 'r', port: 1 }).state);
    const again = after.routes.delete([spec]);
    assert.deepEqual(after.backend.pending.map((p) => p.op), [], 'still not sent after a redeploy');
    await again;
    const mine = after.routes.add([spec]);
    after.backend.answer('add', added);
    await mine;
    const now = after.routes.delete([spec]);
    assert.deepEqual(after.backend.pending.map((p) => p.op), ['delete'], 'its own now: deleted');
    after.backend.answer('delete', (specs) => specs.map(() => ({ status: 'deleted', code: 0, codeName: 'SUCCESS', message: 'deleted', answered: true })));
    assert.equal((await now)[0].status, 'deleted');
  });

  it('gRPC: the router holds more routes of this client id than a recorded state knows: RouteCleanup, then the desired routes at once', async () => {
    const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }, true);
    const router = { api: 'grpc' as const, host: 'r', port: 1 };
    const stored = { v: 2, router, desired: [spec], acknowledged: [spec] };
    const { backend, routes } = setup('grpc', RouteState.fromJSON(stored, router).state);
    const report = new Promise((resolve) => routes.once('replayed', resolve));
    backend.emit('ready', { clientRoutes: 3 });
    backend.answer('cleanup', added);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(backend.pending.map((p) => [p.op, p.specs.map((s) => s.prefix)]), [['assert', ['1.1.1.1/32']]], 'the desired route asserted right after');
    backend.answer('assert', added);
    await report;
    assert.equal(backend.cleanups, 1);
    assert.deepEqual(routes.state.acknowledged.list().map((s) => s.prefix), ['1.1.1.1/32']);
  });

  it('gRPC: a RouteCleanup that got no answer still asserts the desired routes, and warns', async () => {
    const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }, true);
    const router = { api: 'grpc' as const, host: 'r', port: 1 };
    const { backend, routes } = setup('grpc', RouteState.fromJSON({ v: 2, router, desired: [spec], acknowledged: [spec] }, router).state);
    backend.cleanupReply = { status: 'failed', code: null, codeName: '', message: 'RouteCleanup: no reply from the router within 10 s', answered: false };
    const failed = new Promise<unknown[]>((resolve) => routes.once('reconcile-failed', (...args: unknown[]) => resolve(args)));
    backend.emit('ready', { clientRoutes: 3 });
    backend.answer('cleanup', added);
    assert.deepEqual(await failed, [2, 'RouteCleanup: no reply from the router within 10 s']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(backend.pending.map((p) => p.op), ['assert']);
    backend.answer('assert', added);
  });

  it('gRPC: with no record at all (lost state), routes the router holds for this client id are kept, and an add answered "exists" is this client\'s', async () => {
    const { backend, routes, spec } = setup('grpc');
    backend.emit('ready', { clientRoutes: 2 });
    assert.deepEqual(backend.pending.map((p) => p.op), [], 'no RouteCleanup: nothing tells which of them are wanted');
    const pending = routes.add([spec]);
    backend.answer('add', exists);
    const [outcome] = await pending;
    assert.equal(outcome.warning, undefined);
    assert.equal(routes.desired.has(spec.appId, spec.table, spec.prefix), true, 'taken as desired');
    assert.equal(routes.state.acknowledged.has(spec.appId, spec.table, spec.prefix), true, 'and as this client\'s');
    assert.equal(backend.cleanups, 0);
  });
});
