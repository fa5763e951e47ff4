/**
 * Routes on the Thrift JET wire (lib/thrift/convert.ts), shared by the Thrift backend (requests,
 * RouteGet answers) and the simulator's Thrift server (RouteGet answers). The field ids on the wire
 * are pinned by routeconfig.test.ts.
 */
import { strict as assert } from 'assert';
import { installedOf, routeConfigOf, toRouteConfig } from '../../../lib/thrift/convert';
import { FamilyType } from '../../../lib/gen/jet/FamilyType';
import type { RouteSpec } from '../../../lib/core/route-spec';

const SPEC: RouteSpec = { appId: '111:222', prefix: '2001:db8::/32', family: 'inet6', table: 'inet6.0', nexthops: ['2001:db8::1', '2001:db8::2'], preference: 5, metric: 3 };

describe('Thrift routes (lib/thrift/convert)', () => {
  it('a route as a RouteConfig: one-element preference and metric lists; a request carries 0 in field 10 as the original app', () => {
    const answer = routeConfigOf(SPEC);
    assert.equal(answer.family_type, FamilyType.af_inet6);
    assert.deepEqual(
      answer.nexthops?.map((n) => n.nexthop_address?.nexthop_ip),
      ['2001:db8::1', '2001:db8::2'],
    );
    assert.deepEqual([answer.preference, answer.metric, answer.table_name, answer.unknown_10], [[5], [3], 'inet6.0', undefined]);
    assert.equal(toRouteConfig(SPEC).unknown_10, 0);
  });

  it('reads a RouteGet answer back as the installed route, the asked table by default', () => {
    assert.deepEqual(installedOf(routeConfigOf(SPEC), 'x'), { prefix: '2001:db8::/32', table: 'inet6.0', nexthops: ['2001:db8::1', '2001:db8::2'], preference: [5], metric: [3] });
    const bare = routeConfigOf({ ...SPEC, table: '' });
    bare.preference = undefined;
    assert.deepEqual(installedOf(bare, 'inet6.0'), { prefix: '2001:db8::/32', table: 'inet6.0', nexthops: ['2001:db8::1', '2001:db8::2'], preference: [], metric: [3] });
  });
});
