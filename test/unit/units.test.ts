import { strict as assert } from 'assert';
import * as ipaddr from 'ipaddr.js';
import { buildRouteSpecs, ipv4Value, parseNexthop, parsePrefix, RouteValidationError, MAX_PREFIXES } from '../../lib/core/route-spec';
import { toInteger } from '../../lib/flow-props';
import { routeInputFromMessage, resultPayload } from '../../lib/core/route-request';
import { routeStatus, outcomeMessage } from '../../lib/core/route-status';
import { DesiredRoutes } from '../../lib/core/route-set';
import { binaryMessageEnd, MessageReader, ThriftFramingError } from '../../lib/thrift/framing';
import { encodeMessage, MessageType, openMessage } from '../../lib/thrift/codec';
import { RouteAddArgs } from '../../lib/gen/jet/RouteService';
import { toRouteConfig } from '../../lib/thrift/backend';
import { combinedStatus, sessionStatus, StatusView, StatusTimers } from '../../lib/node-status';

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
  it('toInteger accepts 5 and "5" and rejects 5.5', () => {
    assert.equal(toInteger('x', '7', 1), 7);
    assert.throws(() => toInteger('x', 5.5, 1), /whole number/);
  });
});

describe('route message handling', () => {
  const props = { prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', preference: '5', metric: 3 };
  it('a trigger payload uses the node properties', () => {
    assert.deepEqual(routeInputFromMessage(props, 1700000000000), props);
    assert.deepEqual(routeInputFromMessage(props, undefined), props);
  });
  it('payload fields override, other fields are left alone', () => {
    const payload = { prefixes: ['2.2.2.2/32'], direction: 'rising' };
    const input = routeInputFromMessage(props, payload);
    assert.deepEqual(input.prefixes, ['2.2.2.2/32']);
    assert.equal(input.nexthops, '10.1.1.2');
    const out = resultPayload(payload, [{ prefix: '2.2.2.2/32', table: 'inet.0', status: 'added', errCode: 0, message: 'added' }]);
    assert.equal(out.direction, 'rising');
    assert.equal(out.changed, true);
  });
  it('a string payload is refused rather than silently using the properties', () => {
    validationError(() => routeInputFromMessage(props, '1.1.1.1/32'), 'msg.payload', /not a route request/);
  });
  it('changed is false when nothing changed', () => {
    const out = resultPayload(null, [{ prefix: 'p', table: 't', status: 'unchanged', errCode: 2, message: '' }]);
    assert.equal(out.changed, false);
  });
});

describe('JET result codes', () => {
  it('maps err_code to statuses as the original app meant', () => {
    assert.equal(routeStatus('add', 0), 'added');
    assert.equal(routeStatus('add', 2), 'unchanged');
    assert.equal(routeStatus('delete', 0), 'deleted');
    assert.equal(routeStatus('delete', 3), 'unchanged');
    assert.equal(routeStatus('add', 3), 'failed');
    assert.equal(routeStatus('delete', 2), 'failed');
    for (const code of [1, 4, 5, 99]) assert.equal(routeStatus('add', code), 'failed');
    assert.match(outcomeMessage('add', 2), /No configuration changes required/);
    assert.match(outcomeMessage('add', 99), /error 99 \(err_code 99\)/);
  });
});

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

describe('thrift framing', () => {
  const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2 10.1.1.3' }, true);
  const message = encodeMessage('RouteService:RouteAdd', MessageType.CALL, 7, (out) => new RouteAddArgs({ route_config: toRouteConfig(spec) }).write(out));

  it('finds the end of a complete message and reports incomplete ones', () => {
    assert.equal(binaryMessageEnd(message, 0, message.length, 1 << 20), message.length);
    for (let cut = 0; cut < message.length; cut++) assert.equal(binaryMessageEnd(message, 0, cut, 1 << 20), -1);
  });
  it('reassembles messages split at every byte and glued together', () => {
    const stream = Buffer.concat([message, message, message]);
    for (const size of [1, 2, 3, 7, 50, stream.length]) {
      const reader = new MessageReader();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...reader.push(stream.subarray(i, i + size)));
      assert.equal(got.length, 3, `chunk size ${size}`);
      for (const m of got) {
        const { header, input } = openMessage(m);
        assert.equal(header.name, 'RouteService:RouteAdd');
        assert.equal(header.seqId, 7);
        assert.equal(RouteAddArgs.read(input).route_config.nexthops?.[1].nexthop_address?.nexthop_ip, '10.1.1.3');
      }
      assert.equal(reader.pending, 0);
    }
  });
  it('rejects bytes that are not a binary-protocol message, and oversized ones', () => {
    assert.throws(() => new MessageReader().push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), ThriftFramingError);
    const huge = Buffer.from(message);
    huge.writeInt32BE(0x7ffffff0, 4);
    assert.throws(() => new MessageReader(1024).push(huge), ThriftFramingError);
  });
});

describe('node status', () => {
  it('shows the connection, and the last outcome only while connected', () => {
    assert.deepEqual(sessionStatus({ state: 'connected', detail: '127.0.0.1:9090' }), { fill: 'green', shape: 'dot', text: 'connected 127.0.0.1:9090' });
    assert.equal(sessionStatus({ state: 'login-failed', detail: 'login failed: bad password' }).text, 'login failed: bad password');
    const last = { fill: 'green' as const, shape: 'dot' as const, text: 'added 1.1.1.1/32' };
    assert.equal(combinedStatus({ state: 'connected', detail: '' }, last).text, 'added 1.1.1.1/32');
    assert.match(combinedStatus({ state: 'disconnected', detail: 'connection refused' }, last).text!, /^disconnected: connection refused/);
  });

  /** A clock the test moves by hand: the timers StatusView arms, and when they fire. */
  function manualClock(): StatusTimers & { advance(ms: number): void; pending(): number } {
    let now = 0;
    let nextId = 0;
    const due = new Map<number, { at: number; fn: () => void }>();
    return {
      setTimeout: (fn, ms) => {
        due.set(++nextId, { at: now + ms, fn });
        return nextId;
      },
      clearTimeout: (h) => void due.delete(h as number),
      advance(ms) {
        const end = now + ms;
        for (;;) {
          const next = [...due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
          if (!next) break;
          due.delete(next[0]);
          now = next[1].at;
          next[1].fn();
        }
        now = end;
      },
      pending: () => due.size,
    };
  }

  it('shows a burst of message-driven changes at most once per interval, the latest last, and nothing after close', () => {
    const clock = manualClock();
    let state = 0;
    let renders = 0;
    const shown: string[] = [];
    const view = new StatusView(
      () => {
        renders++;
        return { text: `n ${state}` };
      },
      (s) => shown.push(s.text!),
      100,
      clock,
    );
    state = 1;
    view.update(); // quiet before: shown at once
    assert.deepEqual(shown, ['n 1']);
    for (state = 2; state <= 50; state++) view.update(); // a burst inside the interval
    state = 50;
    assert.deepEqual(shown, ['n 1'], 'nothing more inside the interval');
    assert.equal(renders, 1, 'no text is built for a status that is not shown');
    clock.advance(100);
    assert.deepEqual(shown, ['n 1', 'n 50'], 'the latest state at the end of the interval');
    clock.advance(100);
    assert.deepEqual(shown, ['n 1', 'n 50'], 'nothing changed: nothing shown');
    assert.equal(clock.pending(), 0, 'no timer once quiet');
    state = 51;
    view.update();
    assert.deepEqual(shown, ['n 1', 'n 50', 'n 51'], 'quiet again: at once');
    state = 52;
    view.now(); // a connection change: at once, even inside the interval
    assert.deepEqual(shown, ['n 1', 'n 50', 'n 51', 'n 52']);
    state = 53;
    view.update();
    view.close();
    assert.equal(clock.pending(), 0, 'close leaves no timer');
    clock.advance(1000);
    view.update();
    view.now();
    assert.deepEqual(shown, ['n 1', 'n 50', 'n 51', 'n 52'], 'nothing after close');
  });
});
