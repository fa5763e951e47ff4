/** The desired routes (lib/core/route-set.ts): keyed by (app id, table, prefix), stored as JSON. */
import { strict as assert } from 'assert';
import { buildRouteSpecs } from '../../../lib/core/route-spec';
import { DesiredRoutes } from '../../../lib/core/route-set';

describe('desired routes', () => {
  it('round-trips through JSON and drops entries that no longer validate', () => {
    const d = new DesiredRoutes();
    const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }, true);
    assert.equal(d.set(spec), true);
    assert.equal(d.set(spec), false);
    const stored = JSON.parse(JSON.stringify(d.toJSON()));
    stored.push({ prefix: 'garbage' }, 7);
    const { routes, rejected } = DesiredRoutes.fromJSON(stored);
    assert.equal(rejected, 2);
    assert.deepEqual(routes.list(), [spec]);
    assert.equal(routes.remove('111:222', 'inet.0', '1.1.1.1/32'), true);
    assert.equal(routes.size, 0);
    assert.equal(DesiredRoutes.fromJSON(undefined).rejected, 0);
  });
  it('keeps every route by (app id, table, prefix), as a plain map of them would, through 20,000 random changes', () => {
    const d = new DesiredRoutes();
    const model = new Map<string, { appId: string; table: string; prefix: string; nexthops: string[] }>();
    let seed = 11;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const apps = ['111:222', '111:333', 'other'];
    const tables = ['inet.0', 'VRF-A.inet.0'];
    for (let i = 0; i < 20000; i++) {
      const appId = apps[rnd(3)];
      const table = tables[rnd(2)];
      const prefix = `10.0.${rnd(4)}.${rnd(50)}/32`;
      const key = `${appId}|${table}|${prefix}`;
      if (rnd(3) === 0) {
        assert.equal(d.remove(appId, table, prefix), model.delete(key), `remove ${key}`);
      } else {
        const [spec] = buildRouteSpecs({ prefixes: prefix, nexthops: `10.1.1.${1 + rnd(3)}`, table, appId }, true);
        const before = model.get(key);
        const changed = !before || before.nexthops[0] !== spec.nexthops[0];
        assert.equal(d.set(spec), changed, `set ${key}`);
        model.set(key, { appId, table, prefix, nexthops: spec.nexthops });
      }
      if (i % 500 === 0 || i === 19999) {
        assert.equal(d.size, model.size);
        const listed = d.toJSON().map((r) => `${r.appId}|${r.table}|${r.prefix}|${r.nexthops[0]}`).sort();
        assert.deepEqual(listed, [...model.values()].map((r) => `${r.appId}|${r.table}|${r.prefix}|${r.nexthops[0]}`).sort());
        for (const [k, r] of model) {
          assert.deepEqual(d.get(r.appId, r.table, r.prefix)?.nexthops, r.nexthops, k);
          const others = apps.filter((a) => a !== r.appId && model.has(`${a}|${r.table}|${r.prefix}`));
          assert.deepEqual(d.otherApps(r.appId, r.table, r.prefix).sort(), others.sort(), `others of ${k}`);
        }
        assert.equal(d.has('nobody', 'inet.0', '10.0.0.1/32'), false);
      }
    }
  });
});
