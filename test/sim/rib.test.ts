import { strict as assert } from 'assert';
import {
  checkNexthop,
  checkPrefix,
  formatRibChange,
  ownerLabel,
  resolveTable,
  Rib,
  RibChange,
  RibRoute,
  RouteConfigLike,
  RouteOwner,
} from '../../sim/rib';
import { formatOtherRoute, lookupOrder, OtherRoutes } from '../../sim/other-routes';
import { ERR } from '../../lib/thrift/protocol';

const T0 = new Date('2024-01-01T00:00:00Z');

function route(over: Partial<RouteConfigLike> = {}): RouteConfigLike {
  return {
    app_id: '111:222',
    family_type: 0,
    prefix: '1.1.1.1/32',
    nexthops: [{ nexthop_address: { nexthop_ip: '10.1.1.2' } }],
    preference: [5, 15],
    metric: [3, 5],
    ...over,
  };
}

function recording(): { rib: Rib; changes: RibChange[] } {
  const rib = new Rib({ now: () => T0 });
  const changes: RibChange[] = [];
  rib.on('change', (c) => changes.push(c));
  return { rib, changes };
}

describe('sim RIB', () => {
  it('adds a route into inet.0 by default and announces it', () => {
    const { rib, changes } = recording();
    const r = rib.add(route(), { sessionId: 7, clientId: 'c1' });
    assert.equal(r.errCode, ERR.SUCCESS);
    assert.deepEqual(r.entry, {
      table: 'inet.0',
      prefix: '1.1.1.1/32',
      appId: '111:222',
      family: 'inet',
      nexthops: ['10.1.1.2'],
      preference: 5,
      metric: 3,
      clientId: 'c1',
      sessionId: 7,
      api: 'thrift',
      installedAt: T0,
    });
    assert.equal(changes.length, 1);
    assert.equal(changes[0].op, 'add');
    assert.equal(rib.size, 1);
  });

  it('answers 2 for an existing (table, prefix), whichever app asks', () => {
    const { rib, changes } = recording();
    assert.equal(rib.add(route()).errCode, ERR.SUCCESS);
    assert.equal(rib.add(route()).errCode, ERR.EXISTS);
    assert.equal(rib.add(route({ app_id: 'other', table_name: 'inet.0' })).errCode, ERR.EXISTS);
    assert.equal(changes.length, 1);
    // Same prefix in another table is another route.
    assert.equal(rib.add(route({ table_name: 'blue.inet.0' })).errCode, ERR.SUCCESS);
  });

  it('defaults IPv6 prefixes to inet6.0 and canonicalises addresses', () => {
    const { rib } = recording();
    const r = rib.add(route({ prefix: '2001:DB8:0:0::/64', nexthops: [{ nexthop_address: { nexthop_ip: '2001:db8:0::1' } }], table_name: '' }));
    assert.equal(r.errCode, ERR.SUCCESS);
    assert.equal(r.entry?.table, 'inet6.0');
    assert.equal(r.entry?.prefix, '2001:db8::/64');
    assert.deepEqual(r.entry?.nexthops, ['2001:db8::1']);
    assert.equal(r.entry?.family, 'inet6');
    assert.ok(rib.get('inet6.0', '2001:db8::/64'));
    assert.equal(rib.add(route({ prefix: '2001:db8::/64', family_type: 2, nexthops: [{ nexthop_address: { nexthop_ip: '2001:db8::2' } }] })).errCode, ERR.EXISTS);
  });

  it('defaults preference to 5 and metric to 0', () => {
    const { rib } = recording();
    const r = rib.add(route({ preference: [], metric: undefined }));
    assert.equal(r.entry?.preference, 5);
    assert.equal(r.entry?.metric, 0);
  });

  const invalid: Array<[string, Partial<RouteConfigLike>]> = [
    ['a prefix without length', { prefix: '1.1.1.1' }],
    ['a prefix out of range', { prefix: '1.1.1.300/32' }],
    ['a too long prefix length', { prefix: '1.1.1.1/33' }],
    ['a non-address prefix', { prefix: 'one/32' }],
    ['a non-decimal IPv4 form', { prefix: '0x01.1.1.1/32' }],
    ['host bits set', { prefix: '10.1.1.1/24' }],
    ['an empty prefix', { prefix: '' }],
    ['no app_id', { app_id: '' }],
    ['empty nexthops', { nexthops: [] }],
    ['missing nexthops', { nexthops: undefined }],
    ['a next hop without address', { nexthops: [{}] }],
    ['a bad next hop', { nexthops: [{ nexthop_address: { nexthop_ip: '10.1.1' } }] }],
    ['a next hop of the other family', { nexthops: [{ nexthop_address: { nexthop_ip: '2001:db8::1' } }] }],
    ['family_type af_inet6 for an IPv4 prefix', { family_type: 2 }],
    ['an unknown family_type', { family_type: 9 }],
    ['an IPv4 prefix in inet6.0', { table_name: 'inet6.0' }],
    ['a table that is not inet.N', { table_name: 'mpls.0' }],
    ['a negative preference', { preference: [-1] }],
    ['a non-integer metric', { metric: [1.5] }],
  ];
  for (const [what, over] of invalid) {
    it(`answers 4 for ${what}`, () => {
      const { rib, changes } = recording();
      const r = rib.add(route(over));
      assert.equal(r.errCode, ERR.INVALID, r.message);
      assert.ok(r.message);
      assert.equal(changes.length, 0);
    });
  }

  it('deletes a route of its app: 0, then 3; another app gets 3', () => {
    const { rib, changes } = recording();
    rib.add(route());
    assert.equal(rib.delete(route({ app_id: 'other' })).errCode, ERR.NOT_FOUND);
    assert.equal(rib.size, 1);
    // Next hops do not matter for a delete.
    assert.equal(rib.delete({ app_id: '111:222', prefix: '1.1.1.1/32' }).errCode, ERR.SUCCESS);
    assert.equal(rib.delete(route()).errCode, ERR.NOT_FOUND);
    assert.equal(rib.delete(route({ prefix: 'nope' })).errCode, ERR.INVALID);
    assert.deepEqual(
      changes.map((c) => c.op),
      ['add', 'delete'],
    );
  });

  it('lists the routes of an app by prefix, by table, or in both default tables', () => {
    const { rib } = recording();
    rib.add(route());
    rib.add(route({ prefix: '2.2.2.0/24' }));
    rib.add(route({ prefix: '3.3.3.3/32', app_id: 'other' }));
    rib.add(route({ prefix: '2001:db8::/32', nexthops: [{ nexthop_address: { nexthop_ip: '2001:db8::1' } }] }));
    const byPrefix = rib.list('111:222', 'inet.0', '2.2.2.0/24');
    assert.equal(byPrefix.errCode, ERR.SUCCESS);
    assert.deepEqual(
      byPrefix.routes.map((e) => e.prefix),
      ['2.2.2.0/24'],
    );
    assert.deepEqual(
      rib.list('111:222', '', '1.1.1.1/32').routes.map((e) => e.prefix),
      ['1.1.1.1/32'],
    );
    assert.deepEqual(rib.list('111:222', 'inet.0', '3.3.3.3/32').routes, []);
    assert.deepEqual(rib.list('111:222', 'inet.0', '9.9.9.9/32'), { errCode: ERR.SUCCESS, routes: [] });
    assert.deepEqual(
      rib.list('111:222', 'inet.0', '').routes.map((e) => e.prefix),
      ['1.1.1.1/32', '2.2.2.0/24'],
    );
    assert.deepEqual(
      rib.list('111:222', 'inet6.0').routes.map((e) => e.prefix),
      ['2001:db8::/32'],
    );
    assert.equal(rib.list('111:222').routes.length, 3);
    assert.equal(rib.list('111:222', 'inet.0', 'bad').errCode, ERR.INVALID);
    assert.equal(rib.list('111:222', 'bogus').errCode, ERR.INVALID);
    assert.equal(rib.list('').errCode, ERR.INVALID);
    assert.equal(rib.entries('inet6.0').length, 1);
    assert.equal(rib.entries().length, 4);
  });

  it('purges by session (not touching other sessions of the same app) and by app', () => {
    const { rib, changes } = recording();
    rib.add(route(), { sessionId: 1, clientId: 'a' });
    rib.add(route({ prefix: '2.2.2.2/32' }), { sessionId: 2, clientId: 'b' });
    rib.add(route({ prefix: '3.3.3.3/32', app_id: 'x' }), { sessionId: 1, clientId: 'a' });
    const purged = rib.purgeSession(1);
    assert.deepEqual(purged.map((e) => e.prefix).sort(), ['1.1.1.1/32', '3.3.3.3/32']);
    assert.deepEqual(
      rib.entries().map((e) => e.prefix),
      ['2.2.2.2/32'],
    );
    assert.deepEqual(
      changes.slice(3).map((c) => [c.op, c.reason]),
      [
        ['purge', 'session 1 closed'],
        ['purge', 'session 1 closed'],
      ],
    );
    assert.equal(rib.purgeApp('111:222').length, 1);
    assert.equal(rib.size, 0);
    assert.deepEqual(rib.purgeSession(99), []);
  });

  describe('gRPC routes (owned by the client id)', () => {
    const grpcOwner = (clientId: string, sessionId = 1): RouteOwner => ({ sessionId, clientId, api: 'grpc' });
    const v4 = (prefix: string, nexthops = ['10.1.1.2'], preference = 5): RibRoute => ({
      table: 'inet.0',
      prefix,
      family: 'inet',
      nexthops,
      preference,
      metric: 0,
      appId: '',
    });

    it('add refuses any existing (table, prefix), Thrift ones included', () => {
      const { rib } = recording();
      assert.equal(rib.add(route()).errCode, ERR.SUCCESS);
      const r = rib.set(v4('1.1.1.1/32'), grpcOwner('c1'), 'add');
      assert.equal(r.errCode, ERR.EXISTS);
      assert.match(r.message ?? '', /app 111:222/);
      assert.equal(rib.set(v4('2.2.2.2/32'), grpcOwner('c1'), 'add').errCode, ERR.SUCCESS);
      assert.equal(rib.add(route({ prefix: '2.2.2.2/32' })).errCode, ERR.EXISTS);
      // Thrift delete and list do not see gRPC routes.
      assert.equal(rib.delete({ app_id: '', prefix: '2.2.2.2/32' }).errCode, ERR.INVALID);
      assert.equal(rib.delete(route({ prefix: '2.2.2.2/32' })).errCode, ERR.NOT_FOUND);
      assert.deepEqual(
        rib.list('111:222', 'inet.0').routes.map((e) => e.prefix),
        ['1.1.1.1/32'],
      );
    });

    it('update adds or replaces its own route, modify only replaces, neither touches another owner', () => {
      const { rib, changes } = recording();
      assert.equal(rib.set(v4('1.1.1.1/32'), grpcOwner('c1'), 'modify').errCode, ERR.NOT_FOUND);
      assert.equal(rib.set(v4('1.1.1.1/32'), grpcOwner('c1'), 'update').errCode, ERR.SUCCESS);
      assert.equal(rib.set(v4('1.1.1.1/32', ['10.1.1.3']), grpcOwner('c1', 2), 'update').errCode, ERR.SUCCESS);
      assert.equal(rib.set(v4('1.1.1.1/32', ['10.1.1.4'], 9), grpcOwner('c1'), 'modify').errCode, ERR.SUCCESS);
      assert.equal(rib.set(v4('1.1.1.1/32'), grpcOwner('c2'), 'update').errCode, ERR.EXISTS);
      assert.equal(rib.set(v4('1.1.1.1/32'), grpcOwner('c2'), 'modify').errCode, ERR.NOT_FOUND);
      assert.equal(rib.remove('inet.0', '1.1.1.1/32', grpcOwner('c2')).errCode, ERR.NOT_FOUND);
      assert.deepEqual(changes.map(formatRibChange), [
        '+ inet.0: 1.1.1.1/32 *[Static/5] metric 0 > to 10.1.1.2 (client c1)',
        '~ inet.0: 1.1.1.1/32 *[Static/5] metric 0 > to 10.1.1.3 (client c1)',
        '~ inet.0: 1.1.1.1/32 *[Static/9] metric 0 > to 10.1.1.4 (client c1)',
      ]);
      assert.equal(rib.remove('inet.0', '1.1.1.1/32', grpcOwner('c1', 7)).errCode, ERR.SUCCESS);
      assert.equal(rib.size, 0);
    });

    it('lists and purges by client id, never by session number, and Thrift purges leave them', () => {
      const { rib } = recording();
      rib.set(v4('1.1.1.1/32'), grpcOwner('c1', 1), 'add');
      rib.set(v4('2.2.2.2/32'), grpcOwner('c2', 2), 'add');
      rib.set({ ...v4('3.3.3.0/24'), table: 'blue.inet.0' }, grpcOwner('c1', 3), 'add');
      rib.add(route({ prefix: '4.4.4.4/32' }), { sessionId: 1, clientId: 'c1' }); // Thrift session 1
      assert.deepEqual(
        rib.clientRoutes('c1').map((e) => e.prefix),
        ['1.1.1.1/32', '3.3.3.0/24'],
      );
      assert.deepEqual(
        rib.clientRoutes('c1', 'blue.inet.0').map((e) => e.prefix),
        ['3.3.3.0/24'],
      );
      assert.deepEqual(
        rib.purgeSession(1).map((e) => e.prefix),
        ['4.4.4.4/32'],
      );
      assert.deepEqual(rib.purgeApp(''), []);
      assert.deepEqual(
        rib.purgeClient('c1', 'gone').map((e) => e.prefix),
        ['1.1.1.1/32', '3.3.3.0/24'],
      );
      assert.deepEqual(
        rib.entries().map((e) => [e.prefix, e.api, ownerLabel(e)]),
        [['2.2.2.2/32', 'grpc', 'client c2']],
      );
    });

    it('checks prefixes and next hops with lib/core/route-spec and tables by family', () => {
      assert.deepEqual(checkPrefix('2001:DB8::/32'), { ok: true, value: { prefix: '2001:db8::/32', family: 'inet6' } });
      assert.equal(checkPrefix('1.1.1.1/24').ok, false);
      assert.deepEqual(checkNexthop('2001:DB8::1', 'inet6', '2001:db8::/32'), { ok: true, value: '2001:db8::1' });
      assert.equal(checkNexthop('2001:db8::1', 'inet', '1.1.1.1/32').ok, false);
      assert.deepEqual(resolveTable('', 'inet6'), { ok: true, value: 'inet6.0' });
      assert.equal(resolveTable('inet6.0', 'inet').ok, false);
    });
  });

  it('formats changes like show route', () => {
    const { rib, changes } = recording();
    rib.add(route({ nexthops: [{ nexthop_address: { nexthop_ip: '10.1.1.2' } }, { nexthop_address: { nexthop_ip: '10.1.2.2' } }] }));
    rib.delete(route());
    rib.add(route({ prefix: '2.2.2.2/32' }), { sessionId: 4, clientId: '' });
    rib.purgeSession(4);
    assert.deepEqual(changes.map(formatRibChange), [
      '+ inet.0: 1.1.1.1/32 *[Static/5] metric 3 > to 10.1.1.2, to 10.1.2.2 (app 111:222)',
      '- inet.0: 1.1.1.1/32 (app 111:222, deleted)',
      '+ inet.0: 2.2.2.2/32 *[Static/5] metric 3 > to 10.1.1.2 (app 111:222)',
      '- inet.0: 2.2.2.2/32 (app 111:222, purged: session 4 closed)',
    ]);
  });

  it('parses prefixes with lib/core/route-spec and answers its message with 4', () => {
    const { rib } = recording();
    assert.equal(rib.add(route({ prefix: '0.0.0.0/0' })).entry?.prefix, '0.0.0.0/0');
    const v6 = rib.add(route({ prefix: '::/0', nexthops: [{ nexthop_address: { nexthop_ip: '2001:db8::1' } }] }));
    assert.equal(v6.entry?.prefix, '::/0');
    assert.ok(rib.get('inet.0', '0.0.0.0/0'));
    assert.equal(rib.get('inet.0', 'bad'), undefined);
    assert.equal(rib.add(route({ prefix: 'fe80::1%eth0/128' })).errCode, ERR.INVALID);
    assert.deepEqual(rib.add(route({ prefix: undefined })), { errCode: ERR.INVALID, message: 'prefix is missing' });
    assert.deepEqual(rib.add(route({ prefix: '10.1.1.1/24' })), {
      errCode: ERR.INVALID,
      message: 'prefixes: "10.1.1.1/24" has host bits set (did you mean 10.1.1.0/24?)',
    });
    assert.deepEqual(rib.add(route({ prefix: '9.9.9.9/32', nexthops: [{ nexthop_address: { nexthop_ip: '2001:db8::1' } }] })), {
      errCode: ERR.INVALID,
      message: 'nexthops: next hop 2001:db8::1 is IPv6 but prefix 9.9.9.9/32 is IPv4',
    });
  });
});

describe('sim RIB: routes of other protocols', () => {
  it('checks, replaces per protocol, finds by canonical prefix, removes; never collides with a JET route', () => {
    const others = new OtherRoutes();
    const a = others.add({ prefix: '1.1.1.1/32', nexthops: '10.9.9.9 10.9.9.8' });
    assert.ok(a.ok);
    assert.deepEqual(a.value, { table: 'inet.0', prefix: '1.1.1.1/32', family: 'inet', nexthops: ['10.9.9.9', '10.9.9.8'], preference: 5, protocol: 'static' });
    assert.equal(formatOtherRoute(a.value), 'inet.0: 1.1.1.1/32 [Static/5] > to 10.9.9.9, to 10.9.9.8');
    assert.ok(others.add({ prefix: '2001:DB8::/32', protocol: 'BGP', nexthops: ['2001:db8::9'] }).ok);
    assert.equal(others.at('inet6.0', '2001:db8:0::/32')[0].preference, 170, 'bgp by default 170, prefix canonical');
    assert.ok(others.add({ prefix: '1.1.1.1/32', protocol: 'direct' }).ok, 'a direct route needs no next hop');
    assert.ok(others.add({ prefix: '1.1.1.1/32', nexthops: ['10.9.9.7'], preference: 20 }).ok, 'replaces the static one');
    assert.deepEqual(others.at('inet.0', '1.1.1.1/32').map((r) => `${r.protocol}/${r.preference} ${r.nexthops.join(',')}`), ['direct/0 ', 'static/20 10.9.9.7']);
    for (const [bad, re] of [
      [{ prefix: '1.1.1.1/33', nexthops: '10.9.9.9' }, /prefix length/],
      [{ prefix: '1.1.1.1/32' }, /a static route needs a next hop/],
      [{ prefix: '1.1.1.1/32', nexthops: '2001:db8::1' }, /IPv6/],
      [{ prefix: '1.1.1.1/32', nexthops: '10.9.9.9', protocol: 'rip' }, /protocol "rip" is none of/],
      [{ prefix: '1.1.1.1/32', nexthops: '10.9.9.9', table: 'inet6.0' }, /cannot hold IPv4/],
      [{ prefix: '1.1.1.1/32', nexthops: '10.9.9.9', preference: -1 }, /preference -1 is out of range/],
    ] as const) {
      const r = others.add(bad);
      assert.ok(!r.ok && re.test(r.message), `${JSON.stringify(bad)}: ${JSON.stringify(r)}`);
    }
    const rib = new Rib();
    rib.others.add({ prefix: '1.1.1.1/32', nexthops: '10.9.9.9' });
    assert.equal(rib.add(route()).errCode, ERR.SUCCESS, 'another protocol\'s route is another route');
    assert.equal(rib.size, 1);
    assert.deepEqual(rib.purgeApp('111:222').length, 1);
    assert.equal(rib.others.size, 1, 'JET purges leave it');
    assert.equal(others.remove('inet.0', '1.1.1.1/32', 'static').length, 1);
    assert.deepEqual(others.at('inet.0', '1.1.1.1/32').map((r) => r.protocol), ['direct']);
    assert.equal(others.remove('inet.0', '1.1.1.1/32').length, 1);
    assert.equal(others.size, 1);
  });

  it('Thrift RouteGet (Rib.lookup): the app id\'s routes, and for one prefix the other protocols\' there, first on a tie', () => {
    const rib = new Rib();
    rib.add(route());
    rib.add(route({ prefix: '2.2.2.2/32' }));
    rib.others.add({ prefix: '1.1.1.1/32', nexthops: '10.9.9.9' });
    rib.others.add({ prefix: '1.1.1.1/32', nexthops: '10.9.9.8', protocol: 'bgp' });
    const at = rib.lookup('111:222', '', '1.1.1.1/32');
    assert.equal(at.errCode, ERR.SUCCESS);
    assert.deepEqual(at.routes.map((r) => `${'protocol' in r ? r.protocol : `app ${r.appId}`} ${r.nexthops[0]}`), ['static 10.9.9.9', 'app 111:222 10.1.1.2', 'bgp 10.9.9.8']);
    assert.deepEqual(rib.lookup('other', 'inet.0', '1.1.1.1/32').routes.map((r) => r.nexthops[0]), ['10.9.9.9', '10.9.9.8'], 'another app id: the lookup still shows the other protocols');
    assert.deepEqual(rib.lookup('111:222', 'inet.0', '').routes.map((r) => r.prefix), ['1.1.1.1/32', '2.2.2.2/32'], 'a listing is the app id\'s own');
    assert.equal(rib.lookup('111:222', 'inet.0', 'bad').errCode, ERR.INVALID);
    assert.deepEqual(lookupOrder([], []), []);
  });
});
