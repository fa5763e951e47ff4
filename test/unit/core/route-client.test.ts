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
  readonly api = 'thrift' as const;
  readonly carriesMetric = true;
  readonly status = { state: 'connected' as const, detail: '' };
  readonly peer = 'r:1';
  readonly load = { queued: 0, inFlight: 0 };
  readonly pending: Array<{ specs: readonly RouteSpec[]; answer: (a: Answer) => void }> = [];
  owned = new Set<string>();
  start(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
  private wait(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return new Promise((resolve) => this.pending.push({ specs, answer: (a) => resolve(a(specs)) }));
  }
  add(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return this.wait(specs);
  }
  assert(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return this.wait(specs);
  }
  delete(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
    return this.wait(specs);
  }
  get(appId: string, table: string, prefix: string): Promise<InstalledRoute[]> {
    return Promise.resolve(this.owned.has(prefix) ? [{ prefix, table, nexthops: [], preference: [], metric: [] }] : []);
  }
  answerNext(a: Answer): void {
    this.pending.shift()!.answer(a);
  }
}

const refused: Answer = (specs) => specs.map(() => ({ status: 'failed', code: 4, codeName: 'invalid parameters', message: 'refused', answered: true }));
const added: Answer = (specs) => specs.map(() => ({ status: 'added', code: 0, codeName: 'success', message: 'added', answered: true }));
const noAnswer: Answer = (specs) => specs.map(() => ({ status: 'failed', code: null, codeName: '', message: 'no reply', answered: false }));

function setup(): { backend: ScriptedBackend; routes: JetRoutes; spec: RouteSpec } {
  const backend = new ScriptedBackend();
  const routes = new JetRoutes(backend as unknown as RouteBackend, new RouteState({ api: 'thrift', host: 'r', port: 1 }));
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
