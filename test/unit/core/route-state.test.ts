/**
 * What a router node remembers (lib/core/route-state.ts): every stored format of earlier versions is
 * read (v1 arrays, v2 objects); a state of another router identity gives none of its intents, and
 * its routes on a gRPC router become that identity's to-delete list; coming back to an identity
 * makes its list this client's acknowledged routes again; the JSON form stays in step.
 */
import { strict as assert } from 'assert';
import { buildRouteSpecs } from '../../../lib/core/route-spec';
import { MAX_RETIRED, RouteState, RouterIdentity } from '../../../lib/core/route-state';

const [A, B] = buildRouteSpecs({ prefixes: '1.1.1.1/32 2.2.2.2/32', nexthops: '10.1.1.2' }, true);
const LAB: RouterIdentity = { api: 'grpc', host: '10.0.0.1', port: 32767 };
const PROD: RouterIdentity = { api: 'grpc', host: 'prod', port: 32767 };
const THRIFT: RouterIdentity = { api: 'thrift', host: '10.0.0.1', port: 9090 };
const prefixes = (list: Array<{ prefix: string }>): string[] => list.map((r) => r.prefix);

describe('route state (lib/core/route-state.ts)', () => {
  it('nothing stored: an empty state that is no record of the router\'s routes', () => {
    const { state, rejected, foreign } = RouteState.fromJSON(undefined, LAB);
    assert.deepEqual([state.desired.size, state.acknowledged.size, state.recorded, rejected, foreign], [0, 0, false, 0, undefined]);
    assert.deepEqual(state.toJSON(), { v: 3, router: LAB, desired: [], acknowledged: [] });
  });

  it('reads v1 (a bare array: Thrift) and v2 ({router, desired, acknowledged}) for their own router', () => {
    const v1 = RouteState.fromJSON([A, B], THRIFT);
    assert.deepEqual([prefixes(v1.state.desired.list()), v1.state.recorded, v1.foreign], [['1.1.1.1/32', '2.2.2.2/32'], true, undefined]);
    const v2 = RouteState.fromJSON({ v: 2, router: LAB, desired: [A], acknowledged: [A, B] }, LAB);
    assert.deepEqual([prefixes(v2.state.desired.list()), prefixes(v2.state.acknowledged.list()), v2.state.retired.length, v2.state.recorded], [['1.1.1.1/32'], ['1.1.1.1/32', '2.2.2.2/32'], 0, true]);
    const named = RouteState.fromJSON({ v: 2, router: { ...LAB, host: '10.0.0.1'.toUpperCase() }, desired: [A], acknowledged: [] }, LAB);
    assert.equal(named.foreign, undefined, 'host names compared without case');
  });

  it('another router\'s state: no intent taken; its routes on a gRPC router become the to-delete list of that router', () => {
    const moved = RouteState.fromJSON({ v: 2, router: LAB, desired: [A], acknowledged: [A, B] }, PROD, 1000);
    assert.deepEqual(moved.foreign, { router: 'grpc 10.0.0.1:32767', routes: 1, retiring: 2 });
    assert.deepEqual([moved.state.desired.size, moved.state.acknowledged.size, moved.state.recorded], [0, 0, true]);
    assert.equal(moved.state.retired.length, 1);
    assert.deepEqual([moved.state.retired[0].router, prefixes(moved.state.retired[0].routes.list()), moved.state.retired[0].since], [LAB, ['1.1.1.1/32', '2.2.2.2/32'], 1000]);
    // Stored as v3, and read back the same (the list travels with the state).
    const json = JSON.parse(JSON.stringify(moved.state.toJSON()));
    assert.equal(json.v, 3);
    assert.deepEqual(json.retired.map((r: { router: RouterIdentity; since: number }) => [r.router, r.since]), [[LAB, 1000]]);
    const again = RouteState.fromJSON(json, PROD);
    assert.deepEqual(prefixes(again.state.retired[0].routes.list()), ['1.1.1.1/32', '2.2.2.2/32']);
    // Thrift routes go with their session: nothing to delete later.
    const fromThrift = RouteState.fromJSON({ v: 2, router: THRIFT, desired: [A], acknowledged: [A] }, PROD);
    assert.deepEqual([fromThrift.foreign?.retiring, fromThrift.state.retired.length], [0, 0]);
    // A v1 array on a gRPC router: a Thrift-only version's state, foreign, nothing to delete.
    assert.deepEqual(RouteState.fromJSON([A], LAB).foreign, { router: 'a router of an older version of this package', routes: 1, retiring: 0 });
  });

  it('back on the router it left: its to-delete list becomes its acknowledged routes there (deleted at the next login unless desired)', () => {
    const away = RouteState.fromJSON({ v: 2, router: LAB, desired: [A], acknowledged: [A, B] }, PROD).state;
    away.desired.set(B);
    away.acknowledged.set(B);
    const back = RouteState.fromJSON(JSON.parse(JSON.stringify(away.toJSON())), LAB);
    assert.deepEqual(prefixes(back.state.desired.list()), [], 'the intents made on PROD stay there');
    assert.deepEqual(prefixes(back.state.acknowledged.list()), ['1.1.1.1/32', '2.2.2.2/32']);
    assert.deepEqual(back.state.retired.map((r) => r.router), [PROD], 'and PROD\'s routes are to be deleted there now');
  });

  it('keeps the unaccounted count and at most MAX_RETIRED to-delete lists; drops one that is done', () => {
    let stored: unknown = { v: 3, router: LAB, desired: [], acknowledged: [A], unaccounted: 4 };
    const s = RouteState.fromJSON(stored, LAB).state;
    assert.equal(s.unaccounted, 4);
    s.unaccounted = 0;
    assert.equal('unaccounted' in s.toJSON(), false);
    for (let i = 0; i < MAX_RETIRED + 3; i++) {
      const here: RouterIdentity = { api: 'grpc', host: `r${i}`, port: 32767 };
      const st = RouteState.fromJSON(stored, here, i).state;
      st.acknowledged.set(A);
      stored = JSON.parse(JSON.stringify(st.toJSON()));
    }
    const last = RouteState.fromJSON(stored, PROD).state;
    assert.equal(last.retired.length, MAX_RETIRED);
    assert.equal(last.retired[MAX_RETIRED - 1].router.host, `r${MAX_RETIRED + 2}`, 'the newest kept');
    last.dropRetired(last.retired[0]);
    assert.equal((last.toJSON().retired ?? []).length, MAX_RETIRED - 1);
    // Route keys known to be another's travel with the state of their router only.
    const f = RouteState.fromJSON(undefined, LAB).state;
    assert.equal(f.markForeign('111:222|inet.0|1.1.1.1/32'), true);
    assert.equal(f.markForeign('111:222|inet.0|1.1.1.1/32'), false);
    const fj = JSON.parse(JSON.stringify(f.toJSON()));
    assert.deepEqual(fj.foreign, ['111:222|inet.0|1.1.1.1/32']);
    assert.equal(RouteState.fromJSON(fj, LAB).state.isForeign('111:222|inet.0|1.1.1.1/32'), true);
    assert.equal(RouteState.fromJSON(fj, PROD).state.isForeign('111:222|inet.0|1.1.1.1/32'), false);
    assert.equal(f.clearForeign('111:222|inet.0|1.1.1.1/32'), true);
    assert.equal('foreign' in f.toJSON(), false);
    const bad = RouteState.fromJSON({ v: 3, router: LAB, desired: [], acknowledged: [], retired: [{ router: 'x', routes: [A], since: 1 }, 7] }, LAB);
    assert.deepEqual([bad.rejected, bad.state.retired.length], [2, 0]);
  });
});
