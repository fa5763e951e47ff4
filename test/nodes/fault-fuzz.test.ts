/**
 * Fault suite, part 3: hostile input, in a real Node-RED runtime against the simulator.
 *  - 10,000 fuzzed notifications on the RMON topic (random JSON, truncated events, wrong types,
 *    numbers as strings, double-encoded JSON, binary, prototype-pollution attempts, deep nesting,
 *    200 KiB payloads) mixed with valid events: no crash, every unparsed one counted in the node
 *    status, every valid one passed on and acted upon, one warning only. (Packets above the MQTT
 *    client's 256 KiB limit never reach the parser: the session drops them and reconnects, see
 *    test/notify-session.test.ts and test/notify-rmon-event.test.ts.)
 *  - Bad route input (invalid CIDRs, mixed families, 100,000 prefixes, non-object payloads, wrong
 *    types): a clear error naming the field, no call sent, Node-RED responsive afterwards.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { helper, load, roundTrip, sampleFlow, statusMatching, FlowNode } from '../support/nodered';
import { until, waitFor } from '../support/wait';
import { lastStatus, loopStallProbe, nodeCalls, SAMPLE, SAMPLE_CAPTURE, seededRandom, statusTexts, runtimeFixture } from '../support/fault';
import { buildRmonNotification, RMON_TOPIC } from '../../sim';
import { parseRmonNotification } from '../../lib/rmon/parser';
import { matchesRmonFilter, parseRmonEventFilter, rmonMessage } from '../../lib/rmon/filter';

const CREDS = { [SAMPLE.router]: { username: 'lab', password: 'lab123' } };
const SEED = 0x5eed2024;
const TOTAL = 10000;
/** Large payloads, under the notification session's 256 KiB packet limit (topic and header included). */
const BIG = 200 * 1024;

type Category = 'random-json' | 'truncated' | 'wrong-types' | 'numbers-as-strings' | 'binary' | 'valid' | 'mutated' | 'special' | 'huge';

function validEvent(ifIndex: number, direction: 'rising' | 'falling', value: number, hostname = 'jet-sim'): Record<string, any> {
  return buildRmonNotification(
    {
      direction,
      eventIndex: ifIndex,
      alarmIndex: 1,
      threshold: direction === 'rising' ? 1024 : 1023,
      variable: `ifIn1SecRate.${ifIndex}`,
      value,
      subtag: `IFINDEX${ifIndex}`,
    },
    { hostname, time: new Date(), processId: 1204 },
  ) as unknown as Record<string, any>;
}

/** The fuzz corpus: deterministic from the seed. */
function corpus(rnd: () => number): Array<{ category: Category; payload: Buffer }> {
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const randomString = (max: number): string => {
    let s = '';
    const n = int(max);
    for (let i = 0; i < n; i++) s += String.fromCharCode(rnd() < 0.9 ? 32 + int(95) : int(0x3000));
    return s;
  };
  const randomJson = (depth: number): unknown => {
    const k = int(depth > 0 ? 7 : 5);
    switch (k) {
      case 0:
        return null;
      case 1:
        return rnd() < 0.5;
      case 2:
        return pick([0, -1, 1e308, -0.5, 541, 2 ** 53 + 1, 8288]);
      case 3:
        return randomString(40);
      case 4:
        return pick(['jet-event', 'SNMPD_RMON_EVENTLOG', 'Event 541 triggered by Alarm 1', 'rising', '541']);
      case 5:
        return Array.from({ length: int(5) }, () => randomJson(depth - 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = int(5); i > 0; i--) o[pick(['jet-event', 'jet_event', 'message', 'attributes', 'event-id', 'hostname', randomString(8)])] = randomJson(depth - 1);
        return o;
      }
    }
  };
  const wrongValue = (): unknown => pick([5, null, [], {}, true, 'x', [1, 2], -1, { message: 7 }]);
  const out: Array<{ category: Category; payload: Buffer }> = [];
  const json = (category: Category, v: unknown): void => {
    out.push({ category, payload: Buffer.from(JSON.stringify(v) ?? 'undefined') });
  };
  const hugeAt = new Map<number, () => Buffer>([
    [1000, () => Buffer.alloc(BIG, 'a')],
    [3000, () => Buffer.from(JSON.stringify(validEvent(541, 'rising', 9000)) + ' '.repeat(BIG))],
    [5000, () => Buffer.from(Array.from({ length: BIG }, () => int(256)))],
    [7000, () => Buffer.from(JSON.stringify(Array.from({ length: BIG / 8 }, (_, i) => i)))],
    [9000, () => {
      const e = validEvent(541, 'falling', 3);
      e['jet-event'].message = `${'x'.repeat(BIG / 2)} ${e['jet-event'].message}`;
      e['jet-event'].attributes.message = e['jet-event'].message;
      return Buffer.from(JSON.stringify(e));
    }],
  ]);
  for (let i = 0; out.length < TOTAL - 1; i++) {
    const huge = hugeAt.get(i);
    if (huge) {
      out.push({ category: 'huge', payload: huge() });
      continue;
    }
    const r = rnd();
    const ifIndex = rnd() < 0.7 ? 541 : pick([542, 1, 0, 4294967295]);
    const direction = rnd() < 0.5 ? 'rising' : 'falling';
    const ev = validEvent(ifIndex, direction, int(20000));
    if (r < 0.05) {
      json('valid', ev);
    } else if (r < 0.2) {
      json('random-json', randomJson(4));
    } else if (r < 0.35) {
      const text = JSON.stringify(ev);
      out.push({ category: 'truncated', payload: Buffer.from(text.slice(0, int(text.length))) });
    } else if (r < 0.5) {
      const e = ev['jet-event'];
      switch (int(6)) {
        case 0:
          json('wrong-types', { 'jet-event': wrongValue() });
          break;
        case 1:
          json('wrong-types', { 'jet-event': { ...e, message: wrongValue(), attributes: wrongValue() } });
          break;
        case 2:
          json('wrong-types', { 'jet-event': { ...e, 'event-id': wrongValue() } });
          break;
        case 3:
          json('wrong-types', { 'jet-event': { ...e, attributes: { ...e.attributes, message: wrongValue() }, message: wrongValue() } });
          break;
        case 4:
          json('wrong-types', [ev]);
          break;
        default:
          json('wrong-types', { 'jet-event': { ...e, hostname: wrongValue(), time: wrongValue(), severity: wrongValue() } });
      }
    } else if (r < 0.6) {
      switch (int(4)) {
        case 0:
          json('numbers-as-strings', String(int(20000)));
          break;
        case 1:
          out.push({ category: 'numbers-as-strings', payload: Buffer.from(String(int(20000))) });
          break;
        case 2:
          // Double-encoded: the event as a JSON string.
          json('numbers-as-strings', JSON.stringify(ev));
          break;
        default: {
          const e = ev['jet-event'];
          json('numbers-as-strings', { 'jet-event': { ...e, 'process-id': String(e['process-id']), message: e.message.replace(/\d+/g, (d: string) => `"${d}"`) } });
        }
      }
    } else if (r < 0.75) {
      out.push({ category: 'binary', payload: Buffer.from(Array.from({ length: int(512) }, () => int(256))) });
    } else if (r < 0.9) {
      const text = JSON.stringify(ev);
      const chars = [...text];
      for (let k = 1 + int(3); k > 0; k--) chars[int(chars.length)] = pick(['"', '{', '}', ',', '\\', ':', 'x', '\u0000', ' ']);
      out.push({ category: 'mutated', payload: Buffer.from(chars.join('')) });
    } else {
      const specials: Array<() => Buffer> = [
        () => Buffer.alloc(0),
        () => Buffer.from('{}'),
        () => Buffer.from('[]'),
        () => Buffer.from('null'),
        () => Buffer.from('""'),
        () => Buffer.from('['.repeat(10000) + ']'.repeat(10000)),
        () => Buffer.from(`{"__proto__": ${JSON.stringify(ev)}}`),
        () => Buffer.from(`{"constructor": {"prototype": ${JSON.stringify(ev)}}}`),
        () => Buffer.from(`\ufeff${JSON.stringify(ev)}`),
        () => Buffer.from(JSON.stringify({ 'jet-event': { 'event-id': 'SNMPD_RMON_EVENTLOG', message: 'Event 1 triggered by Alarm 1, rising threshold (1e999) crossed, (variable: ifIn1SecRate.541, value: 1e999)' } })),
        () => Buffer.from(JSON.stringify({ 'jet-event': { 'event-id': 'SNMPD_RMON_EVENTLOG', message: `${'Event 1 triggered by Alarm 1, '.repeat(5000)}rising` } })),
        () => Buffer.from(JSON.stringify(ev), 'utf16le'),
      ];
      out.push({ category: 'special', payload: pick(specials)() });
    }
  }
  out.push({ category: 'valid', payload: Buffer.from(JSON.stringify(validEvent(541, 'rising', 12345))) });
  return out;
}

describe('fault: hostile input (Node-RED runtime)', function () {
  this.timeout(180000);
  const fx = runtimeFixture();

  it(`${TOTAL} fuzzed notifications: no crash, every unparsed one counted, the valid ones acted upon`, async () => {
    const s = await fx.startSim({ sampling: false });
    const flow = sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, { host: '127.0.0.1', api: 'thrift', port: String(s.thriftPort), notificationPort: String(s.mqttPort) });
    const ev = flow.find((n) => n.id === SAMPLE.event) as FlowNode & { wires: string[][] };
    ev.wires = [[...ev.wires[0], 'evOut']];
    flow.push({ id: 'evOut', type: 'helper', z: SAMPLE.tab });
    await load(flow, CREDS);
    const evNode = helper.getNode(SAMPLE.event);
    await Promise.all([statusMatching(evNode, /^listening/), statusMatching(helper.getNode(SAMPLE.add), /^connected/)]);

    const rnd = seededRandom(SEED);
    const messages = corpus(rnd);
    assert.equal(messages.length, TOTAL);

    // What the node must make of each: the parser and the node's filter (ifIndex 541) decide; the
    // threshold keeps a state per msg.topic (<hostname>/<ifIndex>; the router's name when an event
    // carries no usable host name), and every transition is one route call for 1.1.1.1/32.
    const filter = parseRmonEventFilter(ev as never);
    const routerName = String(flow.find((n) => n.id === SAMPLE.router)!.name);
    let unparsed = 0;
    let valid = 0;
    let transitions = 0;
    let lastTransition: string | null = null;
    const state = new Map<string, string>();
    const perCategory: Record<string, { n: number; unparsed: number }> = {};
    for (const m of messages) {
      const r = parseRmonNotification(m.payload);
      const c = (perCategory[m.category] ??= { n: 0, unparsed: 0 });
      c.n++;
      if (!r.ok) {
        unparsed++;
        c.unparsed++;
      } else if (matchesRmonFilter(r.event, filter)) {
        valid++;
        const key = rmonMessage(r.event, routerName).topic;
        if (state.get(key) !== r.event.direction) {
          transitions++;
          lastTransition = r.event.direction;
        }
        state.set(key, r.event.direction);
      }
    }
    // ('huge' ones are mixed: some are valid events with 200 KiB of padding.)
    for (const cat of ['truncated', 'binary', 'random-json'] as const) {
      assert.equal(perCategory[cat].unparsed, perCategory[cat].n, `every ${cat} payload is unparsed`);
    }
    assert.ok(valid > 300, `enough valid events among them (${valid})`);

    const progress = new EventEmitter();
    const seen = { events: 0, routes: 0, noChange: 0 };
    helper.getNode('evOut').on('input', () => {
      seen.events++;
      progress.emit('p');
    });
    for (const [id, key] of [[SAMPLE.added, 'routes'], [SAMPLE.deleted, 'routes'], [SAMPLE.noChange, 'noChange']] as const) {
      helper.getNode(id).on('input', () => {
        seen[key]++;
        progress.emit('p');
      });
    }

    const shownBefore = Object.fromEntries([SAMPLE.event, SAMPLE.threshold, SAMPLE.add, SAMPLE.del].map((id) => [id, statusTexts(id).length]));
    const t0 = Date.now();
    for (const m of messages) await s.broker.publish(RMON_TOPIC, m.payload);
    await until(progress, 'p', () => seen.events === valid && seen.routes === transitions && seen.noChange === valid - transitions, 90000, 'every valid event handled').catch((err: Error) => {
      throw new Error(`${err.message}: seen ${JSON.stringify(seen)}, expected ${valid} events, ${transitions} transitions; status "${lastStatus(SAMPLE.event)}"`);
    });
    const elapsed = Date.now() - t0;

    // Counted, shown, warned about once; the valid ones went through to the router. Under a burst
    // the status is shown at most every 100 ms: the count shows at the end of the interval at latest.
    const countShown = new RegExp(`· ${unparsed} unparsed$`);
    if (!countShown.test(lastStatus(SAMPLE.event))) {
      await statusMatching(helper.getNode(SAMPLE.event), countShown, 2000).catch((err: Error) => {
        throw new Error(`${err.message}: status shows "${lastStatus(SAMPLE.event)}", not ${unparsed} unparsed`);
      });
    }
    // Thousands of messages in a few seconds, yet each node showed a status at most every 100 ms
    // (an open editor is not flooded): not one per message.
    const sinceStart = Date.now() - t0;
    const intervals = Math.ceil(sinceStart / 100);
    for (const [id, before] of Object.entries(shownBefore)) {
      const shown = statusTexts(id).length - before;
      assert.ok(shown <= intervals + 2, `node ${id} showed ${shown} statuses in ${sinceStart} ms (at most ${intervals + 2})`);
    }
    assert.ok(statusTexts(SAMPLE.event).length - shownBefore[SAMPLE.event] > 1, 'the event node showed its progress during the burst');
    assert.equal(nodeCalls('warn', SAMPLE.event).length, 1, 'one warning a minute at most');
    assert.equal(nodeCalls('error', SAMPLE.event).length, 0);
    assert.equal(s.thrift.counters.calls.RouteAdd + (s.thrift.counters.calls.RouteDelete ?? 0), transitions, 'one route call per transition');
    assert.equal(s.rib.get('inet.0', '1.1.1.1/32') !== undefined, lastTransition === 'rising', `the RIB follows the last transition (${lastTransition})`);
    assert.equal(({} as Record<string, unknown>)['jet-event'], undefined, 'Object.prototype not polluted');
    assert.deepEqual(fx.unhandled(), []);
    assert.ok(statusTexts(SAMPLE.add).every((t) => !/fail/.test(t)), 'no route call failed');
    // Node-RED still responsive: one more event (a transition of the jet-sim/541 key) is handled.
    const flip = state.get('jet-sim/541') === 'rising' ? 'falling' : 'rising';
    const inRib = s.rib.get('inet.0', '1.1.1.1/32') !== undefined;
    const next = waitFor<[any]>(helper.getNode(flip === 'rising' ? SAMPLE.added : SAMPLE.deleted), 'input', () => true);
    await s.broker.publish(RMON_TOPIC, JSON.stringify(validEvent(541, flip, flip === 'rising' ? 9999 : 1)));
    const want = flip === 'rising' ? (inRib ? 'unchanged' : 'added') : inRib ? 'deleted' : 'unchanged';
    assert.equal((await next)[0].payload.results[0].status, want);
    assert.equal(s.rib.get('inet.0', '1.1.1.1/32') !== undefined, flip === 'rising');
    // eslint-disable-next-line no-console
    console.log(`      fuzz: ${TOTAL} messages (${unparsed} unparsed, ${valid} valid for ifIndex 541, ${transitions} transitions) in ${elapsed} ms; seed ${SEED}; ${JSON.stringify(perCategory)}`);
  });

  it('bad route input: a clear error naming the field, no call sent, Node-RED responsive', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(
      [
        { id: 't1', type: 'tab' },
        { id: 'r1', type: 'jet-router', host: '127.0.0.1', port: String(s.thriftPort) },
        { id: 'add', z: 't1', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
        { id: 'del', z: 't1', type: 'jet-route-delete', router: 'r1', prefixes: '1.1.1.1/32', wires: [['out']] },
        { id: 'out', z: 't1', type: 'helper' },
      ],
      { r1: { username: 'lab', password: 'lab123' } },
    );
    const add = helper.getNode('add');
    const del = helper.getNode('del');
    const out = helper.getNode('out');
    await statusMatching(add, /^connected/);
    const many = Array.from({ length: 100000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    const cases: Array<[any, unknown, RegExp]> = [
      [add, { prefixes: '1.1.1.1/33' }, /^prefixes: "1.1.1.1\/33": an IPv4 prefix length is 0..32/],
      [add, { prefixes: '1.1.1/24' }, /^prefixes: "1.1.1\/24" is not a valid IPv4 or IPv6 prefix/],
      [add, { prefixes: '2001:db8::/129', nexthops: '2001:db8::1' }, /^prefixes: .*0..128/],
      [add, { prefixes: '1.1.1.1/-1' }, /^prefixes: "1.1.1.1\/-1" has no valid prefix length/],
      [add, { prefixes: '1.1.1.1/32/1' }, /^prefixes: .*no valid prefix length/],
      [add, { prefixes: 'fe80::1%eth0/64', nexthops: 'fe80::2' }, /^prefixes: .*not a valid/],
      [add, { prefixes: '1.1.1.1/32 2001:db8::/32', nexthops: '10.1.1.2' }, /^nexthops: next hop 10.1.1.2 is IPv4 but prefix 2001:db8::\/32 is IPv6/],
      [add, { prefixes: '2001:db8::/32', nexthops: '2001:db8::1', table: 'inet.0' }, /^table: table inet.0 does not hold IPv6/],
      [add, { prefixes: many.join(' ') }, /^prefixes: at most 20000 prefixes in one message, got 100000/],
      [add, { prefixes: many }, /^prefixes: at most 20000 prefixes in one message, got 100000/],
      [add, { prefixes: 5 }, /^prefixes: expected a string or a list of strings, got 5/],
      [add, { prefixes: {} }, /^prefixes: expected a string or a list of strings, got an object/],
      [add, { prefixes: ['1.1.1.1/32', null] }, /^prefixes: expected a string or a list of strings, got null/],
      [add, { prefixes: '' }, /^prefixes: no prefix given/],
      [add, { prefixes: '1.1.1.1/32, 1.1.1.1/32' }, /^prefixes: 1.1.1.1\/32 is given twice/],
      [add, { nexthops: [1] }, /^nexthops: expected a string or a list of strings, got 1/],
      [add, { nexthops: 'gateway' }, /^nexthops: "gateway" is not an IP address/],
      [add, { preference: 'abc' }, /^preference: expected a whole number, got "abc"/],
      [add, { metric: 2 ** 40 }, /^metric: 1099511627776 is out of range/],
      [add, 'a string', /^msg.payload: a string, list or buffer is not a route request/],
      [add, Buffer.from('1.1.1.1/32'), /^msg.payload: a string, list or buffer/],
      [add, ['1.1.1.1/32'], /^msg.payload: a string, list or buffer/],
      [del, { prefixes: 'bogus' }, /^prefixes: "bogus" is not a CIDR prefix/],
      [del, 'x'.repeat(5 * 1024 * 1024), /^msg.payload: a string/],
    ];
    const probe = loopStallProbe();
    const slowest = { ms: 0, what: '' };
    for (const [node, payload, re] of cases) {
      const err = waitFor<[any]>(node, 'call:error', () => true, 10000, `error for ${String(re)}`);
      const status = statusMatching(node, /^invalid input: /);
      const t0 = Date.now();
      node.receive({ payload });
      const [call] = await err;
      const ms = Date.now() - t0;
      if (ms > slowest.ms) Object.assign(slowest, { ms, what: String(re) });
      assert.match(String(call.args[0]?.message ?? call.args[0]), re);
      await status;
    }
    const stall = probe.stop();
    assert.equal(s.thrift.counters.calls.RouteAdd ?? 0, 0, 'no RouteAdd sent');
    assert.equal(s.thrift.counters.calls.RouteDelete ?? 0, 0, 'no RouteDelete sent');
    assert.ok(slowest.ms < 1000, `each refused within 1 s (slowest ${slowest.ms} ms: ${slowest.what})`);
    assert.ok(stall < 1000, `event loop never blocked for 1 s (longest stall ${stall} ms)`);
    // Still responsive: the next good message is handled, and the status clears.
    const cleared = statusMatching(add, /^added 1.1.1.1\/32/);
    const m = await roundTrip(add, out, { payload: 1 });
    assert.equal(m.payload.results[0].status, 'added');
    await cleared;
    assert.deepEqual(fx.unhandled(), []);
    // eslint-disable-next-line no-console
    console.log(`      bad input: ${cases.length} cases, slowest refusal ${slowest.ms} ms, longest event-loop stall ${stall} ms`);
  });
});
