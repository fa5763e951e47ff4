/** Route validation (lib/core/route-spec.ts): defaults, lists, families, and the field and value of every mistake. */
import { strict as assert } from 'assert';
import * as ipaddr from 'ipaddr.js';
import { buildRouteSpecs, ipv4Value, parseNexthop, parsePrefix, RouteValidationError, MAX_PREFIXES } from '../../../lib/core/route-spec';

function validationError(fn: () => unknown, field: string, fragment: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RouteValidationError, `expected RouteValidationError, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.match(err.message, fragment);
    return true;
  });
}

describe('route validation', () => {
  it('applies the documented defaults to numbers given as strings, numbers or nothing', () => {
    for (const [pref, metric] of [[undefined, undefined], ['', ''], [5, 3], ['5', '3'], [' 5 ', '3']]) {
      const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', preference: pref, metric }, true);
      assert.equal(spec.preference, 5);
      assert.equal(spec.metric, 3);
      assert.equal(spec.appId, '111:222');
      assert.equal(spec.table, 'inet.0');
    }
  });
  it('splits comma/space lists and arrays, keeps order, builds ECMP next hops', () => {
    const specs = buildRouteSpecs({ prefixes: ['1.1.1.1/32, 2.2.2.0/24', '3.3.0.0/16'], nexthops: '10.1.1.2 10.1.1.3' }, true);
    assert.deepEqual(specs.map((s) => s.prefix), ['1.1.1.1/32', '2.2.2.0/24', '3.3.0.0/16']);
    assert.deepEqual(specs[0].nexthops, ['10.1.1.2', '10.1.1.3']);
  });
  it('handles IPv6, normalizes it and defaults to inet6.0', () => {
    const [spec] = buildRouteSpecs({ prefixes: '2001:DB8:0:0::/64', nexthops: '2001:db8:0::1' }, true);
    assert.equal(spec.prefix, '2001:db8::/64');
    assert.equal(spec.family, 'inet6');
    assert.equal(spec.table, 'inet6.0');
    assert.deepEqual(spec.nexthops, ['2001:db8::1']);
  });
  it('mixes families in one message, each with next hops of its own family', () => {
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32 2001:db8::/64', nexthops: '10.1.1.2' }, true), 'nexthops', /IPv4 but prefix 2001:db8::\/64 is IPv6/);
  });
  it('names the field and value of every mistake', () => {
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1', nexthops: '10.1.1.2' }, true), 'prefixes', /"1.1.1.1" is not a CIDR/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.300/32', nexthops: '10.1.1.2' }, true), 'prefixes', /not a valid/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/24', nexthops: '10.1.1.2' }, true), 'prefixes', /host bits set \(did you mean 1.1.1.0\/24\?\)/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/33', nexthops: '10.1.1.2' }, true), 'prefixes', /0..32/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '2001:db8::1' }, true), 'nexthops', /IPv6 but prefix 1.1.1.1\/32 is IPv4/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: 'gateway' }, true), 'nexthops', /not an IP address/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', preference: -1 }, true), 'preference', /-1 is out of range/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', metric: 'high' }, true), 'metric', /whole number/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '' }, true), 'nexthops', /no next hop/);
    validationError(() => buildRouteSpecs({ prefixes: '', nexthops: '10.1.1.2' }, true), 'prefixes', /no prefix/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32 1.1.1.1/32', nexthops: '10.1.1.2' }, true), 'prefixes', /given twice/);
    validationError(() => buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', table: 'inet6.0' }, true), 'table', /does not hold IPv4/);
    validationError(() => buildRouteSpecs({ prefixes: 42, nexthops: '10.1.1.2' }, true), 'prefixes', /expected a string/);
  });
  it('refuses more than MAX_PREFIXES prefixes in one message', () => {
    const many = Array.from({ length: MAX_PREFIXES + 1 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    validationError(() => buildRouteSpecs({ prefixes: many, nexthops: '10.1.1.2' }, true), 'prefixes', /at most 20000/);
  });
  it('delete needs no next hop', () => {
    const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32' }, false);
    assert.deepEqual(spec.nexthops, []);
  });
  it('IPv4 prefixes and next hops: the same answers (or errors) as ipaddr.js gives', () => {
    // The reference: what parsePrefix did with ipaddr.js before its IPv4 fast path.
    const reference = (text: string): string => {
      const [addrText, lenText] = text.split('/');
      if (lenText === undefined || !/^\d{1,3}$/.test(lenText) || !ipaddr.IPv4.isValidFourPartDecimal(addrText)) return 'not IPv4';
      const len = Number(lenText);
      if (len > 32) return 'length';
      const net = ipaddr.IPv4.networkAddressFromCIDR(`${addrText}/${len}`).toString();
      return net !== ipaddr.IPv4.parse(addrText).toString() ? `host bits: did you mean ${net}/${len}?` : `${ipaddr.IPv4.parse(addrText).toString()}/${len}`;
    };
    const ours = (text: string): string => {
      try {
        const r = parsePrefix(text);
        return r.family === 'inet' ? r.prefix : 'not IPv4';
      } catch (err) {
        const m = (err as Error).message;
        if (/0\.\.32/.test(m)) return 'length';
        const hint = /did you mean ([^?]+)\?/.exec(m);
        return hint ? `host bits: did you mean ${hint[1]}?` : 'not IPv4';
      }
    };
    const texts = [
      '0.0.0.0/0', '255.255.255.255/32', '10.1.2.3/32', '10.1.2.3/31', '10.1.2.0/24', '10.1.2.3/24', '192.168.1.0/23', '1.1.1.1/0',
      '1.1.1.1/032', '1.1.1.0/24 ', '01.1.1.1/32', '1.1.1.256/32', '1.1.1/24', '1.1.1.1.1/32', '1.1.1.1/33', '1.1.1.1/', '-1.1.1.1/32',
      '1.1.1.1e0/32', '0x1.1.1.1/32', '1000.1.1.1/32', '1.1.1.1/3a', '128.0.0.0/1', '129.0.0.0/1', '224.0.0.0/3', '10.0.0.0/8',
    ];
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let i = 0; i < 3000; i++) texts.push(`${rnd(256)}.${rnd(256)}.${rnd(256)}.${rnd(4) === 0 ? 0 : rnd(256)}/${rnd(34)}`);
    for (const t of texts) assert.equal(ours(t), reference(t), t);
    for (const t of ['10.1.1.2', '0.0.0.0', '255.255.255.255', '010.1.1.2', '10.1.1.256', '10.1.1', 'x', '2001:db8::1']) {
      const ref = ipaddr.IPv4.isValidFourPartDecimal(t) ? ipaddr.IPv4.parse(t).toString() : 'error';
      let got: string;
      try {
        got = parseNexthop(t, 'inet', '1.1.1.1/32');
      } catch {
        got = 'error';
      }
      assert.equal(got, ref, t);
    }
    assert.equal(ipv4Value('10.1.2.3'), 10 * 16777216 + 1 * 65536 + 2 * 256 + 3);
    assert.equal(ipv4Value('10.1.2.03'), -1);
  });
});
