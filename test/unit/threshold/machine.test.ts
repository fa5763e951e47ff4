import { strict as assert } from 'assert';
import { ThresholdMachine, ThresholdConfig, KeyState, DEFAULT_MAX_BYTES, KEY_STATE_MAX_JSON_BYTES } from '../../../lib/threshold/machine';
import { thresholdConfig } from '../../../lib/threshold/config';
import { BoundedStore } from '../../../lib/threshold/store';
import { topicMatches, validateTopicFilter } from '../../../lib/mqtt/topic';
import { parseRmonEventFilter, matchesRmonFilter, rmonMessage, describeFilter } from '../../../lib/rmon/filter';
import { parseRmonNotification, RmonEvent } from '../../../lib/rmon/parser';

const EVENT_CFG: ThresholdConfig = { mode: 'event', alarm: { rising: 1024, falling: 1023, sampleType: 'absolute', startup: 'both' }, holdDownMs: 0 };

describe('threshold machine, event mode', () => {
  it('a transition, then repeats are no change, then the other way', () => {
    const m = new ThresholdMachine(EVENT_CFG);
    const r1 = m.input('r0/541', { direction: 'rising' }, 0);
    assert.deepEqual([r1.kind, r1.kind === 'transition' && r1.output], ['transition', 1]);
    const r2 = m.input('r0/541', { direction: 'rising' }, 1);
    assert.equal(r2.kind, 'none');
    assert.match(r2.kind === 'none' ? r2.reason : '', /repeated rising event, already high: No configuration changes required/);
    const f1 = m.input('r0/541', { direction: 'falling' }, 2);
    assert.deepEqual([f1.kind, f1.kind === 'transition' && f1.output], ['transition', 2]);
    assert.equal(m.input('r0/541', { direction: 'falling' }, 3).kind, 'none');
  });
  it('keeps keys apart', () => {
    const m = new ThresholdMachine(EVENT_CFG);
    assert.equal(m.input('a', { direction: 'rising' }, 0).kind, 'transition');
    assert.equal(m.input('b', { direction: 'rising' }, 0).kind, 'transition');
    assert.deepEqual(m.summary(), { high: 2, low: 0, held: 0 });
    m.reset('a');
    assert.equal(m.input('a', { direction: 'rising' }, 1).kind, 'transition');
    m.reset();
    assert.equal(m.size, 0);
  });
  it('the first event in either direction is a transition', () => {
    const m = new ThresholdMachine(EVENT_CFG);
    const d = m.input('k', { direction: 'falling' }, 0);
    assert.equal(d.kind === 'transition' && d.output, 2);
  });
});

describe('threshold machine, hold-down', () => {
  const cfg = { ...EVENT_CFG, holdDownMs: 10000 };
  it('holds a transition back within the hold-down and emits it when it expires', () => {
    const m = new ThresholdMachine(cfg);
    m.input('k', { direction: 'rising' }, 1000);
    const held = m.input('k', { direction: 'falling' }, 3000);
    assert.equal(held.kind, 'held');
    assert.equal(held.kind === 'held' && held.until, 11000);
    assert.equal(m.expire('k', 10999), null, 'not before it is due');
    const d = m.expire('k', 11000);
    assert.equal(d?.kind === 'transition' && d.output, 2);
    assert.equal(m.state('k')?.emitted, 'falling');
  });
  it('drops a held transition when the key flaps back', () => {
    const m = new ThresholdMachine(cfg);
    m.input('k', { direction: 'rising' }, 0);
    assert.equal(m.input('k', { direction: 'falling' }, 1000).kind, 'held');
    const back = m.input('k', { direction: 'rising' }, 2000);
    assert.equal(back.kind, 'none');
    assert.match(back.kind === 'none' ? back.reason : '', /flapped back to high/);
    assert.equal(m.expire('k', 20000), null);
    assert.equal(m.state('k')?.emitted, 'rising');
  });
  it('lets a transition through once the hold-down has passed', () => {
    const m = new ThresholdMachine(cfg);
    m.input('k', { direction: 'rising' }, 0);
    assert.equal(m.input('k', { direction: 'falling' }, 10000).kind, 'transition');
  });
  it('survives a JSON round trip (context store) and ignores garbage', () => {
    const m = new ThresholdMachine(cfg);
    m.input('k', { direction: 'rising' }, 0);
    m.input('k', { direction: 'falling' }, 10);
    const copy = new ThresholdMachine(cfg);
    copy.load(JSON.parse(JSON.stringify({ ...m.toJSON(), junk: 5, bad: { emitted: 'sideways' } })));
    assert.deepEqual(copy.state('k'), m.state('k'));
    assert.equal(copy.state('bad')?.emitted, null);
    assert.equal(copy.state('junk'), undefined);
    copy.load('nonsense');
    assert.equal(copy.size, 0);
  });
});

describe('bounded store (least recently used first out)', () => {
  it('evicts the least recently used key when a new one comes beyond max; a touch or a set counts as a use', () => {
    const s = new BoundedStore<number>(3);
    assert.equal(s.set('a', 1), undefined);
    s.set('b', 2);
    s.set('541', 3); // an integer-like key: first in a plain object's order, not in recency
    s.set('a', 10); // used again: b is now the oldest
    assert.deepEqual(s.set('c', 4), ['b', 2]);
    assert.deepEqual([...s.keys()], ['541', 'a', 'c']);
    assert.equal(s.touch('541'), true);
    assert.equal(s.touch('nope'), false);
    assert.deepEqual(s.set('d', 5), ['a', 10]);
    assert.deepEqual(s.toJSON(), Object.assign(Object.create(null), { '541': 3, c: 4, d: 5 }));
    assert.equal(s.size, 3);
  });
  it('a set without touch keeps the place; an update never evicts', () => {
    const s = new BoundedStore<number>(2);
    s.set('a', 1);
    s.set('b', 2);
    assert.equal(s.set('a', 3, false), undefined);
    assert.deepEqual([...s.entries()], [['a', 3], ['b', 2]]);
    assert.deepEqual(s.set('c', 4), ['a', 3]);
  });
  it('toJSON is the live object (O(1) per save), delete and clear keep it and the order in step', () => {
    const s = new BoundedStore<number>(5);
    const json = s.toJSON();
    s.set('a', 1);
    s.set('b', 2);
    assert.equal(s.toJSON(), json);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), { a: 1, b: 2 });
    assert.equal(s.delete('a'), 1);
    assert.equal(s.delete('a'), undefined);
    assert.deepEqual(Object.keys(s.toJSON()), ['b']);
    s.clear();
    assert.equal(s.size, 0);
    assert.deepEqual(Object.keys(s.toJSON()), []);
    assert.throws(() => new BoundedStore(0), /max/);
  });
});

describe('threshold machine, bounded keys', () => {
  const cfg: ThresholdConfig = { ...EVENT_CFG, holdDownMs: 10000, maxKeys: 2 };

  it('forgets the least recently seen key, tells the listener (held transition included), keeps the counts right', () => {
    const evicted: Array<[string, KeyState]> = [];
    const m = new ThresholdMachine(cfg, (k, s) => evicted.push([k, s]));
    m.input('a', { direction: 'rising' }, 0);
    m.input('b', { direction: 'rising' }, 1);
    assert.equal(m.input('a', { direction: 'falling' }, 2).kind, 'held'); // a seen after b
    assert.deepEqual(m.summary(), { high: 2, low: 0, held: 1 });
    m.input('c', { direction: 'falling' }, 3);
    assert.deepEqual(evicted.map(([k]) => k), ['b']);
    m.input('d', { direction: 'falling' }, 4);
    assert.deepEqual(evicted.map(([k]) => k), ['b', 'a']);
    assert.deepEqual(evicted[1][1].held, { direction: 'falling', until: 10000 });
    assert.deepEqual(m.summary(), { high: 0, low: 2, held: 0 });
    assert.equal(m.size, 2);
    // a is new again: its first event is a transition.
    assert.equal(m.input('a', { direction: 'rising' }, 5).kind, 'transition');
  });
  it('a hold-down expiry is not a use of the key', () => {
    const m = new ThresholdMachine(cfg);
    m.input('a', { direction: 'rising' }, 0);
    m.input('a', { direction: 'falling' }, 1);
    m.input('b', { direction: 'rising' }, 2);
    assert.equal(m.expire('a', 10000)?.kind, 'transition');
    m.input('c', { direction: 'rising' }, 10001);
    assert.deepEqual(m.entries().map(([k]) => k), ['b', 'c']);
  });
  it('a JSON round trip keeps the recency (integer-like keys included); a smaller max evicts the oldest at load', () => {
    const m = new ThresholdMachine({ ...cfg, maxKeys: 3 });
    for (const k of ['x', '541', 'y']) m.input(k, { direction: 'rising' }, 0);
    m.input('x', { direction: 'rising' }, 1); // x is now the most recent
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    assert.deepEqual(Object.keys(json), ['541', 'x', 'y'], 'a plain object has its own order');
    const copy = new ThresholdMachine({ ...cfg, maxKeys: 3 });
    copy.load(json);
    assert.deepEqual(copy.entries().map(([k]) => k), ['541', 'y', 'x']);
    copy.input('z', { direction: 'rising' }, 2);
    assert.equal(copy.state('541'), undefined, 'the least recently seen went first');
    const evicted: string[] = [];
    const small = new ThresholdMachine({ ...cfg, maxKeys: 1 }, (k) => evicted.push(k));
    small.load(json);
    assert.deepEqual(evicted, ['541', 'y']);
    assert.deepEqual(small.entries().map(([k]) => k), ['x']);
    assert.deepEqual(small.summary(), { high: 1, low: 0, held: 0 });
    // State saved before keys had a recency loads in its stored order.
    const old = new ThresholdMachine(cfg);
    old.load({ p: { emitted: 'rising' }, q: { emitted: 'falling' } });
    assert.deepEqual(old.entries().map(([k]) => k), ['p', 'q']);
    old.input('r', { direction: 'rising' }, 0);
    assert.deepEqual(old.entries().map(([k]) => k), ['q', 'r']);
  });
});

describe('threshold machine, bounded bytes and key length', () => {
  it('keeps a key longer than 512 characters shortened: the same state for the same long key, apart from others', () => {
    const m = new ThresholdMachine(EVENT_CFG);
    const long = (i: number): string => `${'h'.repeat(256 * 1024)}/${i}`;
    assert.equal(m.input(long(1), { direction: 'rising' }, 0).kind, 'transition');
    assert.equal(m.input(long(2), { direction: 'rising' }, 0).kind, 'transition');
    assert.equal(m.input(long(1), { direction: 'rising' }, 1).kind, 'none', 'the same key: a repeat');
    assert.equal(m.state(long(1))?.emitted, 'rising');
    assert.equal(m.size, 2);
    assert.ok(Object.keys(m.toJSON()).every((k) => k.length <= 240));
    assert.ok(Buffer.byteLength(JSON.stringify(m.toJSON())) < 1024, `${JSON.stringify(m.toJSON()).length} bytes`);
    m.reset(long(2));
    assert.equal(m.size, 1);
    assert.equal(m.state(long(2)), undefined);
  });

  it('1,000 keys of 256 KiB: the saved state stays small (about 400 bytes per key)', () => {
    const m = new ThresholdMachine(EVENT_CFG);
    const pad = 'h'.repeat(256 * 1024);
    for (let i = 0; i < 1000; i++) m.input(`${pad}${i}/541`, { direction: i % 2 ? 'rising' : 'falling' }, i);
    const bytes = Buffer.byteLength(JSON.stringify(m.toJSON()));
    assert.equal(m.size, 1000);
    assert.ok(bytes < 1000 * 450, `${bytes} bytes saved`);
    // Counted: each key's JSON and the longest state it can have; never less than what is saved.
    assert.ok(m.bytes >= bytes && m.bytes <= bytes + 1000 * KEY_STATE_MAX_JSON_BYTES, `${m.bytes} counted, ${bytes} saved`);
  });

  it('counts each key at its longest state: what a context store saves never exceeds maxBytes', () => {
    // States of every kind the machine makes (hold-down, held transitions, delta samples with
    // numbers of every length), compared with their JSON.
    const m = new ThresholdMachine({ mode: 'sample', alarm: { rising: 1e300, falling: -1e300, sampleType: 'delta', startup: 'both' }, holdDownMs: 1e12 });
    const odd = [-0.0000012345678901234567, -1.2345678901234567e-300, -1.7976931348623157e308, 123456789.123456789, -0, 5e-324, 42];
    for (let i = 0; i < 200; i++) m.input(`k${i % 7}`, { sample: odd[i % odd.length] * (i % 3 ? 1 : -1) }, Number.MAX_SAFE_INTEGER - i);
    const ev = new ThresholdMachine({ ...EVENT_CFG, holdDownMs: 1e12 });
    for (let i = 0; i < 40; i++) ev.input(`é/${i % 5}`, { direction: i % 2 ? 'rising' : 'falling' }, -0.0000012345678901234567 * i);
    for (const machine of [m, ev]) {
      for (const state of Object.values(machine.toJSON())) {
        const json = Buffer.byteLength(JSON.stringify(state));
        assert.ok(json <= KEY_STATE_MAX_JSON_BYTES, `${JSON.stringify(state)}: ${json} > ${KEY_STATE_MAX_JSON_BYTES}`);
      }
      assert.ok(machine.bytes >= Buffer.byteLength(JSON.stringify(machine.toJSON())) - 2);
    }
    assert.ok(ev.summary().held > 0, 'held transitions were among the states');
    // The longest state there is, by hand: every field set, every number 25 characters long.
    const n = '-0.0000012345678901234567';
    const longest = `{"alarm":{"last":"falling","previousSample":${n},"samples":${n}},"emitted":"falling","emittedAt":${n},"held":{"direction":"falling","until":${n}},"seen":${n}}`;
    assert.equal(KEY_STATE_MAX_JSON_BYTES, longest.length);
  });

  it('beyond maxBytes, forgets the least recently seen keys, tells the listener ("bytes"), keeps the counts right', () => {
    const one = new ThresholdMachine(EVENT_CFG);
    one.input('k00', { direction: 'rising' }, 0);
    const perKey = one.bytes;
    const evicted: Array<[string, string]> = [];
    const m = new ThresholdMachine({ ...EVENT_CFG, maxBytes: perKey * 10 + 20 }, (k, _s, cause) => evicted.push([k, cause]));
    for (let i = 0; i < 15; i++) m.input(`k${String(i).padStart(2, '0')}`, { direction: 'rising' }, 0);
    assert.ok(m.bytes <= m.maxBytes, `${m.bytes} <= ${m.maxBytes}`);
    assert.equal(m.size, 10);
    assert.deepEqual(evicted, [['k00', 'bytes'], ['k01', 'bytes'], ['k02', 'bytes'], ['k03', 'bytes'], ['k04', 'bytes']]);
    assert.deepEqual(m.summary(), { high: 10, low: 0, held: 0 });
    assert.equal(new ThresholdMachine(EVENT_CFG).maxBytes, DEFAULT_MAX_BYTES);
    assert.equal(DEFAULT_MAX_BYTES, 32 * 1024 * 1024);
  });

  it('loads state saved with long keys (before keys had a bound) shortened, and within maxBytes', () => {
    const long = `${'h'.repeat(300 * 1024)}/541`;
    const saved = { [long]: { emitted: 'rising', seen: 2 }, short: { emitted: 'falling', seen: 1 } };
    const m = new ThresholdMachine(EVENT_CFG);
    m.load(saved);
    assert.equal(m.size, 2);
    assert.equal(m.state(long)?.emitted, 'rising');
    assert.equal(m.input(long, { direction: 'rising' }, 0).kind, 'none', 'still high');
    assert.ok(Buffer.byteLength(JSON.stringify(m.toJSON())) < 1024);
    const evicted: string[] = [];
    const tight = new ThresholdMachine({ ...EVENT_CFG, maxBytes: 700 }, (k) => evicted.push(k));
    tight.load(saved);
    assert.deepEqual(evicted, ['short'], 'the least recently seen went');
    assert.equal(tight.size, 1);
  });
});

describe('threshold machine, sample mode (RMON rules from lib/rmon/alarm)', () => {
  const cfg: ThresholdConfig = { mode: 'sample', alarm: { rising: 1024, falling: 1023, sampleType: 'absolute', startup: 'both' }, holdDownMs: 0 };
  it('fires on crossings only, equal-to-threshold counts', () => {
    const m = new ThresholdMachine(cfg);
    const outs = [0, 500, 1024, 5000, 1023.5, 1023, 0, 2000].map((v, i) => {
      const d = m.input('k', { sample: v }, i);
      return d.kind === 'transition' ? d.output : d.kind;
    });
    // 0: first sample <= falling with startup both -> falling transition
    assert.deepEqual(outs, [2, 'none', 1, 'none', 'none', 2, 'none', 1]);
  });
  it('delta samples prime first', () => {
    const m = new ThresholdMachine({ ...cfg, alarm: { ...cfg.alarm, sampleType: 'delta', startup: 'rising' } });
    const outs = [100, 200, 2000, 2100].map((v, i) => {
      const d = m.input('k', { sample: v }, i);
      return d.kind === 'transition' ? d.output : d.kind;
    });
    assert.deepEqual(outs, ['none', 'none', 1, 2]);
  });
});

describe('jet-threshold configuration', () => {
  it('accepts numbers as strings and applies documented defaults', () => {
    const c = thresholdConfig({});
    assert.equal(c.mode, 'event');
    assert.equal(c.alarm.rising, 1024);
    assert.equal(c.alarm.falling, 1024 - 1024 / 5);
    assert.equal(c.holdDownMs, 0);
    assert.equal(c.key, 'topic');
    assert.equal(c.property, 'payload');
    assert.equal(c.maxKeys, 10000);
    assert.equal(thresholdConfig({ maxKeys: 5 }).maxKeys, 5);
    assert.equal(thresholdConfig({ maxKeys: ' 5 ' }).maxKeys, 5);
    assert.equal(thresholdConfig({ maxKeys: '' }).maxKeys, 10000);
    const d = thresholdConfig({ mode: 'sample', rising: '2000', falling: '1000', holdDown: '2.5', sampleType: 'delta', startup: 'rising' });
    assert.deepEqual(d.alarm, { rising: 2000, falling: 1000, sampleType: 'delta', startup: 'rising' });
    assert.equal(d.holdDownMs, 2500);
  });
  it('names the field of a mistake', () => {
    assert.throws(() => thresholdConfig({ mode: 'sample', rising: 10, falling: 20 }), /falling/);
    assert.throws(() => thresholdConfig({ rising: 'lots' }), /^Error: rising: expected a number/);
    assert.throws(() => thresholdConfig({ holdDown: -1 }), /holdDown/);
    assert.throws(() => thresholdConfig({ mode: 'magic' }), /mode/);
    assert.throws(() => thresholdConfig({ maxKeys: 0 }), /^RouteValidationError: maxKeys: 0 is out of range 1\.\.10000000/);
    assert.throws(() => thresholdConfig({ maxKeys: '2.5' }), /maxKeys: expected a whole number/);
    assert.throws(() => thresholdConfig({ maxKeys: 'many' }), /maxKeys/);
  });
});

describe('MQTT topic filters', () => {
  it('matches JET topics with a leading slash and wildcards', () => {
    const t = '/junos/events/syslog/SNMPD_RMON_EVENTLOG';
    for (const f of [t, '/junos/events/#', '#', '/+/events/syslog/+', '/junos/#']) assert.ok(topicMatches(f, t), f);
    for (const f of ['junos/events/#', '/junos/events/+', '/junos/events/syslog/OTHER', '+/events/#']) assert.ok(!topicMatches(f, t), f);
    assert.ok(topicMatches('/junos/events/#', '/junos/events'));
    assert.ok(!topicMatches('#', '$SYS/broker'));
  });
  it('validates filters', () => {
    assert.equal(validateTopicFilter('/junos/events/#'), null);
    assert.match(validateTopicFilter('/junos/#/x') ?? '', /last/);
    assert.match(validateTopicFilter('/junos/ev+') ?? '', /whole level/);
    assert.match(validateTopicFilter('') ?? '', /empty/);
  });
});

describe('jet-rmon-event filter and message', () => {
  const payload = {
    'jet-event': {
      'event-id': 'SNMPD_RMON_EVENTLOG',
      hostname: 'r0nec',
      time: '2017-10-29-20:14:05',
      severity: 'notice',
      message: 'IFINDEX541: Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288)',
      attributes: { 'event-name': 'IFINDEX541', message: 'Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288)' },
    },
  };
  const parsed = parseRmonNotification(JSON.stringify(payload));
  assert.ok(parsed.ok);
  const e = (parsed as { ok: true; event: RmonEvent }).event;
  it('filters by ifIndex, alarm, event, subtag, direction; empty means any', () => {
    assert.ok(matchesRmonFilter(e, parseRmonEventFilter({})));
    assert.ok(matchesRmonFilter(e, parseRmonEventFilter({ ifIndex: '541', alarmIndex: 1, eventIndex: '541', subtag: 'ifindex541', direction: 'rising' })));
    assert.ok(!matchesRmonFilter(e, parseRmonEventFilter({ ifIndex: 542 })));
    assert.ok(!matchesRmonFilter(e, parseRmonEventFilter({ direction: 'falling' })));
    assert.ok(!matchesRmonFilter(e, parseRmonEventFilter({ subtag: 'IFINDEX542' })));
    assert.throws(() => parseRmonEventFilter({ ifIndex: 'ge-0/0/0' }), /ifIndex: expected a whole number/);
    assert.throws(() => parseRmonEventFilter({ direction: 'up' }), /direction/);
    assert.equal(describeFilter(parseRmonEventFilter({ ifIndex: 541, direction: 'rising' })), 'ifIndex 541 rising');
  });
  it('keys messages by host name and ifIndex, numbers as numbers', () => {
    const m = rmonMessage(e, 'fallback');
    assert.equal(m.topic, 'r0nec/541');
    assert.equal(m.payload.value, 8288);
    assert.equal(m.payload.threshold, 1024);
    assert.equal(rmonMessage({ ...e, hostname: null }, 'lab-router').topic, 'lab-router/541');
  });
});
