import { strict as assert } from 'assert';
import {
  classifyRmonNotification,
  describeEvent,
  formatRmonText,
  gistOf,
  parseRmonNotification,
  parseRmonText,
  RmonEvent,
  RmonParseResult,
  variableInstance,
} from '../../../lib/rmon/parser';

const TEXT = 'Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288)';

/** The exact docs/protocol.md §3 example. */
const EXAMPLE = `{"jet-event": {
   "event-id": "SNMPD_RMON_EVENTLOG",
   "hostname": "r0nec",
   "time": "2017-10-29-20:14:05",
   "severity": "notice",
   "facility": "daemon",
   "process-id": 1204,
   "process-name": "snmpd",
   "message": "IFINDEX541: Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288)",
   "attributes": {
     "event-name": "IFINDEX541",
     "message": "Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288)"
   }}}`;

function ok(r: RmonParseResult): RmonEvent {
  if (!r.ok) assert.fail(`expected an event, got reason '${r.reason}'`);
  return r.event;
}
function reason(r: RmonParseResult): string {
  if (r.ok) assert.fail(`expected a reason, got event ${describeEvent(r.event)}`);
  return r.reason;
}
function jet(ev: Record<string, unknown>): string {
  return JSON.stringify({ 'jet-event': { 'event-id': 'SNMPD_RMON_EVENTLOG', ...ev } });
}

/** Deterministic PRNG (mulberry32) so that the fuzz run is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function assertWellFormed(r: RmonParseResult): void {
  assert.equal(typeof r, 'object');
  if (r.ok) {
    const e = r.event;
    assert.ok(e.direction === 'rising' || e.direction === 'falling');
    for (const n of [e.eventIndex, e.alarmIndex]) assert.ok(Number.isSafeInteger(n));
    for (const n of [e.threshold, e.value]) assert.ok(Number.isFinite(n));
    assert.ok(e.ifIndex === null || Number.isSafeInteger(e.ifIndex));
    assert.equal(typeof e.variable, 'string');
    for (const s of [e.subtag, e.hostname, e.time, e.severity]) assert.ok(s === null || typeof s === 'string');
    assert.equal(typeof e.raw, 'object');
    assert.equal(typeof describeEvent(e), 'string');
  } else {
    assert.equal(typeof r.reason, 'string');
    assert.ok(r.reason.length > 0);
  }
}

describe('rmon parser: real-format events', () => {
  it('parses the exact example of docs/protocol.md (string, Buffer and parsed object alike)', () => {
    const expected = {
      direction: 'rising',
      eventIndex: 541,
      alarmIndex: 1,
      threshold: 1024,
      variable: 'ifIn1SecRate.541',
      ifIndex: 541,
      value: 8288,
      subtag: 'IFINDEX541',
      hostname: 'r0nec',
      time: '2017-10-29-20:14:05',
      severity: 'notice',
    };
    for (const payload of [EXAMPLE, Buffer.from(EXAMPLE), JSON.parse(EXAMPLE), new Uint8Array(Buffer.from(EXAMPLE))]) {
      const { raw, ...rest } = ok(parseRmonNotification(payload));
      assert.deepEqual(rest, expected);
      assert.equal((raw as Record<string, unknown>)['process-id'], 1204);
    }
  });

  it('parses the falling variant', () => {
    const e = ok(
      parseRmonNotification(
        jet({ attributes: { message: 'Event 541 triggered by Alarm 1, falling threshold (1023) crossed, (variable: ifIn1SecRate.541, value: 12)' } }),
      ),
    );
    assert.equal(e.direction, 'falling');
    assert.equal(e.threshold, 1023);
    assert.equal(e.value, 12);
    assert.equal(e.subtag, null);
    assert.equal(e.hostname, null);
    assert.equal(describeEvent(e), 'falling 12 ≤ 1023 on ifIn1SecRate.541');
  });

  it('takes the subtag from attributes when the text has none', () => {
    assert.equal(ok(parseRmonNotification(jet({ attributes: { 'event-name': 'IFINDEX7', message: TEXT } }))).subtag, 'IFINDEX7');
    assert.equal(ok(parseRmonNotification(jet({ attributes: { subtag: 'TAG_A', message: TEXT } }))).subtag, 'TAG_A');
    assert.equal(ok(parseRmonNotification(jet({ attributes: { 'syslog-subtag': 'TAG_B', message: TEXT } }))).subtag, 'TAG_B');
    // event-name equal to the event id is not a subtag
    assert.equal(ok(parseRmonNotification(jet({ attributes: { 'event-name': 'SNMPD_RMON_EVENTLOG', message: TEXT } }))).subtag, null);
  });

  it('reads the text from attributes.description', () => {
    const e = ok(parseRmonNotification(jet({ attributes: { description: `IFINDEX9: ${TEXT}` } })));
    assert.equal(e.subtag, 'IFINDEX9');
    assert.equal(e.value, 8288);
  });

  it('reads a top-level message with the subtag in front', () => {
    const e = ok(parseRmonNotification(jet({ message: `IFINDEX541: ${TEXT}` })));
    assert.equal(e.subtag, 'IFINDEX541');
    assert.equal(e.eventIndex, 541);
  });

  it('takes the first field that parses: attributes.message, attributes.description, message', () => {
    const t = (v: number): string => TEXT.replace('8288', String(v));
    assert.equal(ok(parseRmonNotification(jet({ message: t(3), attributes: { message: t(1), description: t(2) } }))).value, 1);
    assert.equal(ok(parseRmonNotification(jet({ message: t(3), attributes: { message: 'garbage', description: t(2) } }))).value, 2);
    assert.equal(ok(parseRmonNotification(jet({ message: t(3), attributes: { message: 5, description: 'x' } }))).value, 3);
  });

  it('reads a full syslog line: the subtag is the token right before the text, not the event id', () => {
    const line = `snmpd[1204]: SNMPD_RMON_EVENTLOG: IFINDEX541: ${TEXT}`;
    assert.equal(ok(parseRmonNotification(jet({ message: line }))).subtag, 'IFINDEX541');
    assert.equal(ok(parseRmonNotification(jet({ message: `SNMPD_RMON_EVENTLOG: ${TEXT}` }))).subtag, null);
    assert.equal(ok(parseRmonNotification(jet({ message: `snmpd[1204]: ${TEXT}` }))).subtag, null);
  });

  it('accepts the underscore variant and the jet-event object at top level', () => {
    const under = JSON.stringify({
      jet_event: { event_id: 'SNMPD_RMON_EVENTLOG', hostname: 'r1', attributes: { event_name: 'IFINDEX5', message: TEXT } },
    });
    const e = ok(parseRmonNotification(under));
    assert.equal(e.subtag, 'IFINDEX5');
    assert.equal(e.hostname, 'r1');
    const top = ok(parseRmonNotification({ event_id: 'SNMPD_RMON_EVENTLOG', message: TEXT }));
    assert.equal(top.value, 8288);
    const topDash = ok(parseRmonNotification(JSON.stringify({ 'event-id': 'snmpd_rmon_eventlog', attributes: { message: TEXT } })));
    assert.equal(topDash.eventIndex, 541);
  });

  it('handles decimal, negative, signed and exponent numbers', () => {
    const e = ok(
      parseRmonNotification(
        jet({ message: 'Event 3 triggered by Alarm 2, falling threshold (-10.5) crossed, (variable: jnxOperatingTemp.7.1.0.0, value: -12.25)' }),
      ),
    );
    assert.deepEqual([e.threshold, e.value, e.ifIndex, e.variable], [-10.5, -12.25, 0, 'jnxOperatingTemp.7.1.0.0']);
    const f = ok(parseRmonNotification(jet({ message: TEXT.replace('(1024)', '(+1e3)').replace('8288', '.5') })));
    assert.deepEqual([f.threshold, f.value], [1000, 0.5]);
    const z = ok(parseRmonNotification(jet({ message: TEXT.replace('8288', '-0') })));
    assert.ok(Object.is(z.value, 0));
  });

  it('is tolerant of case, spacing and missing punctuation', () => {
    const variants = [
      'EVENT 541 TRIGGERED BY ALARM 1, RISING THRESHOLD (1024) CROSSED, (VARIABLE: ifIn1SecRate.541, VALUE: 8288)',
      'Event   541  triggered   by Alarm 1 ,  rising  threshold  ( 1024 )  crossed ,  ( variable :  ifIn1SecRate.541 ,  value :  8288 )',
      'Event 541 triggered by Alarm 1 rising threshold 1024 crossed variable ifIn1SecRate.541 value 8288',
      'Event 541 triggered by Alarm 1,rising threshold(1024)crossed,(variable:ifIn1SecRate.541,value:8288)',
      'Event 541 triggered by Alarm 1, rising-threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288).',
      '\tIFINDEX541 :  Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288) trailing',
    ];
    for (const v of variants) {
      const e = ok(parseRmonNotification(jet({ message: v })));
      assert.deepEqual([e.direction, e.eventIndex, e.alarmIndex, e.threshold, e.variable, e.ifIndex, e.value], [
        'rising',
        541,
        1,
        1024,
        'ifIn1SecRate.541',
        541,
        8288,
      ]);
    }
  });

  it('gives a null ifIndex when the variable has no numeric instance', () => {
    assert.equal(ok(parseRmonNotification(jet({ message: TEXT.replace('ifIn1SecRate.541', 'ifIn1SecRate') }))).ifIndex, null);
    assert.equal(ok(parseRmonNotification(jet({ message: TEXT.replace('ifIn1SecRate.541', 'sysUpTime.x') }))).ifIndex, null);
    assert.equal(variableInstance('1.3.6.1.2.1.2.2.1.10.541'), 541);
    assert.equal(variableInstance('ifIn1SecRate.'), null);
    assert.equal(variableInstance('ifIn1SecRate.99999999999999999999'), null);
  });

  it('rejects malformed numbers in the text', () => {
    for (const bad of ['value: 1.2.3)', 'value: 8288abc)', 'value: )', 'value: 1e999)']) {
      reason(parseRmonNotification(jet({ message: TEXT.replace('value: 8288)', bad) })));
    }
    reason(parseRmonNotification(jet({ message: TEXT.replace('Alarm 1', 'Alarm 99999999999999999999') })));
    reason(parseRmonNotification(jet({ message: TEXT.replace('rising', 'sideways') })));
  });

  it('round-trips formatRmonText through parseRmonText', () => {
    const t = { direction: 'falling' as const, eventIndex: 7, alarmIndex: 3, threshold: -2.5, variable: 'ifIn1SecRate.12', value: -3 };
    assert.deepEqual(parseRmonText(formatRmonText(t)), { ...t, subtag: null });
    assert.equal(parseRmonText('nothing here'), null);
  });

  it('describes events for status text, from the event or from its gist alone (nothing of the notification kept)', () => {
    const e = ok(parseRmonNotification(EXAMPLE));
    assert.equal(describeEvent(e), 'rising 8288 ≥ 1024 on ifIn1SecRate.541');
    const gist = gistOf(e);
    assert.deepEqual(gist, { direction: 'rising', value: 8288, threshold: 1024, variable: 'ifIn1SecRate.541' });
    assert.equal(describeEvent(gist), describeEvent(e));
  });
});

describe('rmon parser: rejections with precise reasons', () => {
  it('rejects other event ids, and honours eventIds', () => {
    const other = jet({ 'event-id': 'UI_COMMIT', message: TEXT });
    assert.equal(reason(parseRmonNotification(other)), 'other event id UI_COMMIT');
    assert.equal(ok(parseRmonNotification(other, { eventIds: ['UI_COMMIT'] })).value, 8288);
    assert.equal(reason(parseRmonNotification(EXAMPLE, { eventIds: ['UI_COMMIT'] })), 'other event id SNMPD_RMON_EVENTLOG');
    assert.equal(ok(parseRmonNotification(EXAMPLE, { eventIds: [] })).value, 8288, 'empty list means the default');
    assert.equal(reason(parseRmonNotification(jet({ 'event-id': 42, message: TEXT }))), 'no event-id');
    assert.equal(reason(parseRmonNotification(JSON.stringify({ 'jet-event': { message: TEXT } }))), 'no event-id');
    const long = reason(parseRmonNotification(jet({ 'event-id': `A\n${'B'.repeat(500)}` })));
    assert.ok(long.length < 100 && !long.includes('\n'), long);
  });

  it('rejects what is not JSON', () => {
    assert.equal(reason(parseRmonNotification('hello')), 'not JSON');
    assert.equal(reason(parseRmonNotification('{"jet-event": ')), 'not JSON');
    assert.equal(reason(parseRmonNotification('')), 'empty payload');
    assert.equal(reason(parseRmonNotification(Buffer.alloc(0))), 'empty payload');
    assert.equal(reason(parseRmonNotification(TEXT)), 'not JSON');
  });

  it('rejects binary garbage', () => {
    const rnd = prng(1);
    const buf = Buffer.alloc(4096);
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rnd() * 256);
    buf[0] = 0xff;
    assert.equal(reason(parseRmonNotification(buf)), 'not JSON');
    assert.equal(reason(parseRmonNotification(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length))), 'not JSON');
  });

  it('rejects a 1 MB payload by size, before parsing', () => {
    const big = jet({ message: TEXT, pad: 'x'.repeat(1024 * 1024) });
    const t0 = Date.now();
    assert.equal(reason(parseRmonNotification(big)), 'too large');
    assert.equal(reason(parseRmonNotification(Buffer.from(big))), 'too large');
    assert.equal(reason(parseRmonNotification('x'.repeat(1024 * 1024))), 'too large');
    assert.ok(Date.now() - t0 < 500);
    // multi-byte characters count as bytes
    assert.equal(reason(parseRmonNotification('é'.repeat(200), { maxBytes: 300 })), 'too large');
    assert.equal(reason(parseRmonNotification(EXAMPLE, { maxBytes: 100 })), 'too large');
    assert.equal(ok(parseRmonNotification(big, { maxBytes: 2 * 1024 * 1024 })).value, 8288);
    // an already parsed object: over-long text fields are skipped
    assert.equal(
      reason(parseRmonNotification({ 'jet-event': { 'event-id': 'SNMPD_RMON_EVENTLOG', message: TEXT + ' '.repeat(300) } }, { maxBytes: 200 })),
      'no message or attributes text',
    );
  });

  it('refuses an event whose hostname is longer than 253 characters (a DNS name at most), never cuts it', () => {
    const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    assert.equal(longest.length, 253);
    assert.equal(ok(parseRmonNotification(jet({ message: TEXT, hostname: longest }))).hostname, longest);
    for (const hostname of [`${longest}x`, 'h'.repeat(256 * 1024 - 512)]) {
      const payload = jet({ message: TEXT, hostname });
      assert.equal(reason(parseRmonNotification(payload)), 'hostname longer than 253 characters');
      assert.equal(reason(parseRmonNotification(JSON.parse(payload))), 'hostname longer than 253 characters');
      // An RMON event that does not parse: counted and shown as unparsed by the event node.
      assert.deepEqual(classifyRmonNotification('/junos/events/syslog/SNMPD_RMON_EVENTLOG', Buffer.from(payload)), {
        kind: 'unparsed',
        reason: 'hostname longer than 253 characters',
      });
    }
    // A hostname that is not a string is no hostname (null), as before.
    assert.equal(ok(parseRmonNotification(jet({ message: TEXT, hostname: ['x'.repeat(300)] }))).hostname, null);
  });

  it('rejects wrong shapes', () => {
    assert.equal(reason(parseRmonNotification(null)), 'no payload');
    assert.equal(reason(parseRmonNotification(undefined)), 'no payload');
    assert.equal(reason(parseRmonNotification(42)), 'payload is a number, not JSON text or an object');
    assert.equal(reason(parseRmonNotification(true)), 'payload is a boolean, not JSON text or an object');
    assert.equal(reason(parseRmonNotification(() => 1)), 'payload is a function, not JSON text or an object');
    for (const p of ['[]', '[1,2]', 'null', '42', '"str"', 'true', '{}', [], [JSON.parse(EXAMPLE)], {}, { 'jet-events': {} }]) {
      assert.equal(reason(parseRmonNotification(p)), 'no jet-event object', JSON.stringify(p));
    }
    for (const je of [null, 5, 'x', [], [1]]) {
      assert.equal(reason(parseRmonNotification({ 'jet-event': je })), 'jet-event is not an object');
    }
    assert.equal(reason(parseRmonNotification(jet({}))), 'no message or attributes text');
    assert.equal(reason(parseRmonNotification(jet({ message: 5, attributes: 'x' }))), 'no message or attributes text');
    assert.equal(reason(parseRmonNotification(jet({ message: ['x'], attributes: [TEXT] }))), 'no message or attributes text');
    assert.equal(reason(parseRmonNotification(jet({ message: 'Interface down' }))), 'no RMON text in message/attributes');
    const e = ok(parseRmonNotification(jet({ message: TEXT, hostname: 5, time: {}, severity: ['x'] })));
    assert.deepEqual([e.hostname, e.time, e.severity], [null, null, null]);
  });

  it('tolerates a BOM and one level of double encoding', () => {
    assert.equal(ok(parseRmonNotification(`\ufeff${EXAMPLE}`)).value, 8288);
    assert.equal(ok(parseRmonNotification(JSON.stringify(EXAMPLE))).value, 8288);
  });

  it('never takes data from __proto__ keys nor pollutes prototypes', () => {
    const polluted = [
      `{"__proto__": {"jet-event": ${JSON.stringify(JSON.parse(EXAMPLE)['jet-event'])}}}`,
      `{"jet-event": {"__proto__": {"event-id": "SNMPD_RMON_EVENTLOG"}, "message": ${JSON.stringify(TEXT)}}}`,
      `{"jet-event": {"event-id": "SNMPD_RMON_EVENTLOG", "attributes": {"__proto__": {"message": ${JSON.stringify(TEXT)}}}}}`,
      `{"constructor": {"prototype": {"jet-event": 1}}, "__proto__": {"polluted": 1}}`,
    ];
    assert.equal(reason(parseRmonNotification(polluted[0])), 'no jet-event object');
    assert.equal(reason(parseRmonNotification(polluted[1])), 'no event-id');
    assert.equal(reason(parseRmonNotification(polluted[2])), 'no message or attributes text');
    assert.equal(reason(parseRmonNotification(polluted[3])), 'no jet-event object');
    // an inherited jet-event (already parsed object) is not data either
    assert.equal(reason(parseRmonNotification(Object.create(JSON.parse(EXAMPLE)))), 'no jet-event object');
    // with __proto__ alongside valid data, the valid data still parses
    const mixed = `{"__proto__": {"x": 1}, "jet-event": {"__proto__": {"hostname": "evil"}, "event-id": "SNMPD_RMON_EVENTLOG", "message": ${JSON.stringify(TEXT)}}}`;
    assert.equal(ok(parseRmonNotification(mixed)).hostname, null);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>)['jet-event'], undefined);
    assert.equal(({} as Record<string, unknown>)['event-id'], undefined);
  });

  it('survives deeply nested JSON', () => {
    const depth = 100000;
    assertWellFormed(parseRmonNotification('['.repeat(depth) + ']'.repeat(depth)));
    assertWellFormed(parseRmonNotification('{"a":'.repeat(depth) + '1' + '}'.repeat(depth), { maxBytes: 1e7 }));
    const nested = `{"jet-event": {"event-id": "SNMPD_RMON_EVENTLOG", "message": ${JSON.stringify(TEXT)}, "deep": ${'['.repeat(50000)}${']'.repeat(50000)}}}`;
    assert.equal(ok(parseRmonNotification(nested)).value, 8288);
    assertWellFormed(parseRmonNotification('['.repeat(300000)));
  });

  it('never throws on exotic objects', () => {
    const throwing = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('boom');
        },
        get: () => {
          throw new Error('boom');
        },
      },
    );
    assert.equal(reason(parseRmonNotification(throwing)), 'unreadable payload: boom');
    const getter = { 'jet-event': {} };
    Object.defineProperty(getter['jet-event'], 'event-id', {
      enumerable: true,
      get: () => {
        throw 'not an error';
      },
    });
    assert.equal(reason(parseRmonNotification(getter)), 'unreadable payload: not an error');
    assertWellFormed(parseRmonNotification(EXAMPLE, null as unknown as undefined));
    assertWellFormed(parseRmonNotification(EXAMPLE, { eventIds: 'x' as unknown as string[], maxBytes: NaN }));
    assertWellFormed(parseRmonNotification(Symbol('x')));
    assertWellFormed(parseRmonNotification(10n));
  });

  it('stays fast on hostile text (no catastrophic backtracking)', () => {
    const n = 200 * 1024;
    const hostile = [
      `Event 1 triggered by Alarm 1,${' '.repeat(n)}`,
      `Event 1 triggered by Alarm 1, rising threshold (1) crossed, (variable: ${'a'.repeat(n)}`,
      `Event 1 triggered by Alarm 1, rising threshold (1) crossed, (variable:${':'.repeat(n)}`,
      `Event 1 triggered by Alarm 1, rising threshold (${'1'.repeat(n)}`,
      `${'a'.repeat(n)}: Event 1 triggered by Alarm 1, rising threshold (1) crossed, (variable: x.1, value: 2)`,
      'Event 1 triggered by Alarm 1, rising threshold (1) crossed, (variable: x, value: 2) '.repeat(2500),
      'Event 1 triggered by Alarm 1, rising threshold (1) crossed, (variable: x '.repeat(2800),
      '1.'.repeat(n / 2),
    ];
    for (const h of hostile) {
      const t0 = Date.now();
      assertWellFormed(parseRmonNotification(jet({ message: h }), { maxBytes: 1e6 }));
      assert.ok(Date.now() - t0 < 250, `${Date.now() - t0} ms for ${h.slice(0, 40)}…`);
    }
  });
});

describe('rmon parser: fuzz', () => {
  it('never throws on 5000 random mutations and truncations of a valid payload', () => {
    const rnd = prng(0x5eed);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
    const alphabet = ['{', '}', '[', ']', '"', ':', ',', '\\', '-', '.', 'e', '0', '9', ' ', '\u0000', '\ud800', 'é', 'null', '__proto__'];
    const values: unknown[] = [null, 0, -1, 1e308, 'x', '', [], {}, [TEXT], { message: TEXT }, true, TEXT, `IFINDEX1: ${TEXT}`];
    let oks = 0;
    for (let i = 0; i < 5000; i++) {
      let s = EXAMPLE;
      const rounds = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < rounds; k++) {
        const at = Math.floor(rnd() * (s.length + 1));
        switch (Math.floor(rnd() * 6)) {
          case 0: // truncate
            s = s.slice(0, at);
            break;
          case 1: // delete a run
            s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 8));
            break;
          case 2: // insert a token
            s = s.slice(0, at) + pick(alphabet) + s.slice(at);
            break;
          case 3: // replace a character with a random code unit
            s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0x10000)) + s.slice(at + 1);
            break;
          case 4: // duplicate a slice
            s = s.slice(0, at) + s.slice(Math.floor(rnd() * s.length), at) + s.slice(at);
            break;
          default: // change a digit
            s = s.replace(/\d/, () => pick(['', '-', '.', 'x', '99999999999999999999', '1e400']));
        }
      }
      const r1 = parseRmonNotification(s);
      assertWellFormed(r1);
      if (r1.ok) oks++;
      const buf = Buffer.from(s);
      if (rnd() < 0.5 && buf.length > 0) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
      assertWellFormed(parseRmonNotification(buf));

      // structural mutation of the parsed object
      const obj = JSON.parse(EXAMPLE) as { 'jet-event': Record<string, unknown> & { attributes: Record<string, unknown> } };
      const target = rnd() < 0.5 ? obj['jet-event'] : obj['jet-event'].attributes;
      const key = pick([...Object.keys(target), '__proto__', 'constructor', 'description', 'subtag']);
      target[key] = pick(values);
      const r3 = parseRmonNotification(rnd() < 0.5 ? obj : JSON.stringify(obj));
      assertWellFormed(r3);
    }
    assert.ok(oks > 0, 'some mutations keep the payload valid');
  });
});

describe('classifyRmonNotification (wildcard topics)', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { classifyRmonNotification, isRmonTopic } = require('../../../lib/rmon/parser') as typeof import('../../../lib/rmon/parser');
  const RMON = '/junos/events/syslog/SNMPD_RMON_EVENTLOG';
  const text = 'Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288)';
  const ev = (id: string, message = text): string => JSON.stringify({ 'jet-event': { 'event-id': id, message } });

  it('an RMON event is an event on any topic', () => {
    assert.equal(classifyRmonNotification('/junos/events/x', ev('SNMPD_RMON_EVENTLOG')).kind, 'event');
  });
  it('what claims to be RMON (topic or event-id) and does not parse is unparsed', () => {
    assert.deepEqual(classifyRmonNotification(RMON, 'not json'), { kind: 'unparsed', reason: 'not JSON' });
    assert.deepEqual(classifyRmonNotification(RMON, ev('UI_COMMIT')), { kind: 'unparsed', reason: 'other event id UI_COMMIT' });
    assert.equal(classifyRmonNotification('/junos/events/other', ev('snmpd_rmon_eventlog', 'garbled')).kind, 'unparsed');
  });
  it('other notifications on other topics are other, whatever their payload', () => {
    assert.equal(classifyRmonNotification('/junos/events/kernel/interfaces/ifa/add/ge-0/0/0.0', ev('KERNEL_IFA_ADD')).kind, 'other');
    assert.equal(classifyRmonNotification('/junos/events/kernel/x', Buffer.from([0xff, 0])).kind, 'other');
    assert.equal(isRmonTopic(RMON), true);
    assert.equal(isRmonTopic('/junos/events/syslog/SNMPD_RMON_EVENTLOG/x'), false);
  });
});
