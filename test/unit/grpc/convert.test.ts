/**
 * Routes and addresses on the jnx.jet wire (lib/grpc/convert.ts), the code the gRPC backend and the
 * simulator's gRPC server share: RouteSpec → RouteMatch / RouteEntry, the address codec in its
 * string and bytes forms, and a RouteGet answer back as an installed route.
 */
import { strict as assert } from 'assert';
import {
  addressText,
  installedOf,
  ipAddress,
  networkAddress,
  preferenceMap,
  preferenceOf,
  readAddress,
  toRouteEntry,
  toRouteMatch,
} from '../../../lib/grpc/convert';
import type { RouteSpec } from '../../../lib/core/route-spec';
import type { RouteEntry__Output } from '../../../lib/gen-grpc/jnx/jet/routing/rib/RouteEntry';
import type { NetworkAddress__Output } from '../../../lib/gen-grpc/jnx/jet/routing/base/NetworkAddress';

function spec(prefix: string, nexthops: string[], preference = 5, table?: string): RouteSpec {
  const family = prefix.includes(':') ? 'inet6' : 'inet';
  return { appId: '111:222', prefix, family, table: table ?? (family === 'inet' ? 'inet.0' : 'inet6.0'), nexthops, preference, metric: 3 };
}

/** What proto-loader gives for a NetworkAddress read off the wire (defaults and oneof names filled in). */
function received(family: 'inet' | 'inet6', ip: { addr_string?: string; addr_bytes?: Buffer }): NetworkAddress__Output {
  const addr_format = ip.addr_bytes !== undefined ? 'addr_bytes' : 'addr_string';
  const value = { addr_string: ip.addr_string ?? '', addr_bytes: ip.addr_bytes ?? Buffer.alloc(0), addr_format } as const;
  return { [family]: value, af: family } as unknown as NetworkAddress__Output;
}

describe('gRPC wire: routes and addresses (lib/grpc/convert)', function () {
  it('turns a spec into a RouteEntry: key, table by name, one gateway per next hop (ECMP), preferences[0], no metric', function () {
    const e = toRouteEntry(spec('2001:db8:1::/48', ['2001:db8::1', '2001:db8::2'], 7, 'blue.inet6.0'));
    assert.deepEqual(e, {
      key: { dest_prefix: { inet6: { addr_string: '2001:db8:1::' } }, dest_prefix_len: 48, table: { name: { name: 'blue.inet6.0' } } },
      nexthop: { gateways: [{ gateway_address: { inet6: { addr_string: '2001:db8::1' } } }, { gateway_address: { inet6: { addr_string: '2001:db8::2' } } }] },
      attributes: { preferences: { 0: { value: 7 } } },
    });
    assert.deepEqual(toRouteMatch(spec('10.1.0.0/16', [])), {
      dest_prefix: { inet: { addr_string: '10.1.0.0' } },
      dest_prefix_len: 16,
      table: { name: { name: 'inet.0' } },
    });
  });

  it('a bare address is a host route: /32 or /128', function () {
    assert.equal(toRouteMatch({ prefix: '192.0.2.1', family: 'inet', table: 'inet.0' }).dest_prefix_len, 32);
    assert.equal(toRouteMatch({ prefix: '2001:db8::1', family: 'inet6', table: 'inet6.0' }).dest_prefix_len, 128);
  });

  it('writes addresses as strings or as their 4 or 16 bytes, inet or inet6 by their own family', function () {
    assert.deepEqual(networkAddress('192.0.2.1'), { inet: { addr_string: '192.0.2.1' } });
    assert.deepEqual(networkAddress('2001:db8::1'), { inet6: { addr_string: '2001:db8::1' } });
    assert.deepEqual(ipAddress('192.0.2.1', true), { addr_bytes: Buffer.from([192, 0, 2, 1]) });
    assert.equal((ipAddress('2001:db8::1', true).addr_bytes as Buffer).length, 16);
    const entry = toRouteEntry(spec('10.0.0.0/8', ['192.0.2.1']), true);
    assert.deepEqual(entry.key?.dest_prefix, { inet: { addr_bytes: Buffer.from([10, 0, 0, 0]) } });
    assert.deepEqual(entry.nexthop?.gateways?.[0].gateway_address, { inet: { addr_bytes: Buffer.from([192, 0, 2, 1]) } });
  });

  it('reads addresses in either form, and says why one cannot be read', function () {
    assert.deepEqual(readAddress(received('inet', { addr_string: '192.0.2.1' })), { ok: true, text: '192.0.2.1', family: 'inet' });
    assert.deepEqual(readAddress(received('inet6', { addr_bytes: Buffer.from('20010db8000000000000000000000001', 'hex') })), {
      ok: true,
      text: '2001:db8::1',
      family: 'inet6',
    });
    assert.deepEqual(readAddress(received('inet', { addr_bytes: Buffer.from([1, 2, 3]) })), { ok: false, message: 'addr_bytes of 3 bytes (expected 4 or 16)' });
    assert.deepEqual(readAddress(received('inet', { addr_string: '' })), { ok: false, message: 'address is empty' });
    assert.deepEqual(readAddress(undefined), { ok: false, message: 'address is missing' });
    assert.deepEqual(readAddress({ mpls: { label: 16 }, af: 'mpls' } as unknown as NetworkAddress__Output), { ok: false, message: 'MPLS addresses are not supported' });
    assert.equal(addressText(received('inet', { addr_bytes: Buffer.from([1, 2, 3]) })), '');
    assert.equal(addressText(received('inet', { addr_bytes: Buffer.from([198, 51, 100, 7]) })), '198.51.100.7');
  });

  it('reads preferences[0], and writes it', function () {
    assert.deepEqual(preferenceMap(9), { 0: { value: 9 } });
    assert.equal(preferenceOf(preferenceMap(9)), 9);
    assert.equal(preferenceOf({}), undefined);
    assert.equal(preferenceOf({ 0: null }), undefined);
    assert.equal(preferenceOf(undefined), undefined);
  });

  it('reads a RouteGet answer back as the installed route, the reply table by default', function () {
    const entry = {
      key: { dest_prefix: received('inet', { addr_bytes: Buffer.from([10, 1, 0, 0]) }), dest_prefix_len: 16, table: { name: { name: 'blue.inet.0' } } },
      nexthop: { gateways: [{ gateway_address: received('inet', { addr_string: '192.0.2.1' }) }, { gateway_address: received('inet', { addr_string: '' }) }] },
      attributes: { preferences: { 0: { value: 6 } } },
    } as unknown as RouteEntry__Output;
    assert.deepEqual(installedOf(entry, 'inet.0'), { prefix: '10.1.0.0/16', table: 'blue.inet.0', nexthops: ['192.0.2.1'], preference: [6], metric: [] });
    const bare = { key: { dest_prefix: received('inet', { addr_string: '10.2.0.0' }), dest_prefix_len: 16 } } as unknown as RouteEntry__Output;
    assert.deepEqual(installedOf(bare, 'inet.0'), { prefix: '10.2.0.0/16', table: 'inet.0', nexthops: [], preference: [], metric: [] });
  });
});
