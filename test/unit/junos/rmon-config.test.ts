/**
 * The router's committed RMON configuration read back (lib/junos/rmon-config.ts) from JSON (values
 * as strings or numbers), XML, curly-brace text and `display set` lines; the comparison with a
 * node's settings through the one builder; and the builder's delete-then-set lines doing what the
 * comparison expects.
 */
import { strict as assert } from 'assert';
import { rmonConfig, rmonReplaceConfig } from '../../../lib/junos/config-commands';
import { parseSetLines } from '../../../lib/junos/config-text';
import { applyStatements, committedSettings, compareRmon, parseRmonConfiguration, RMON_CONFIGURATION_RPC, SHOW_RMON_CONFIGURATION } from '../../../lib/junos/rmon-config';
import { cloneRmonConfiguration, RmonConfiguration } from '../../../lib/junos/rmon-statements';
import * as S from '../../support/junos-samples';

const SAMPLES: Array<[string, string]> = [
  ['json (strings)', S.RMON_JSON_STRINGS],
  ['json (numbers)', S.RMON_JSON_NUMBERS],
  ['xml', S.RMON_XML],
  ['text', S.RMON_TEXT],
  ['display set', S.RMON_SET],
];

const LAB: RmonConfiguration = {
  alarms: [
    {
      index: 1,
      inactive: false,
      statements: {
        interval: '1',
        variable: 'ifIn1SecRate.541',
        'sample-type': 'absolute-value',
        'request-type': 'get-request',
        'rising-threshold': '1024',
        'falling-threshold': '1023',
        'rising-event-index': '541',
        'falling-event-index': '541',
        'syslog-subtag': 'IFINDEX541',
      },
      inactiveStatements: [],
    },
  ],
  events: [{ index: 541, inactive: false, statements: { type: 'log-and-trap' }, inactiveStatements: [] }],
};

function read(output: string): RmonConfiguration {
  const r = parseRmonConfiguration(output);
  assert.ok(r.ok, JSON.stringify(r));
  return r.config;
}

/** `config` after loading `lines` (set/delete), as the router would apply them. */
function load(config: RmonConfiguration, lines: string[]): RmonConfiguration {
  const copy = cloneRmonConfiguration(config);
  const parsed = parseSetLines(lines.join('\n'));
  assert.ok(parsed.ok);
  applyStatements(copy, parsed.statements, true);
  return copy;
}

describe('RMON configuration read back (lib/junos/rmon-config)', function () {
  it('the lab alarm and event read the same from JSON (strings and numbers), XML, curly text and display set', () => {
    for (const [format, output] of SAMPLES) assert.deepEqual(read(output), LAB, format);
    assert.equal(SHOW_RMON_CONFIGURATION, 'show configuration snmp rmon');
    assert.match(RMON_CONFIGURATION_RPC, /^<get-configuration[^>]*><configuration><snmp><rmon\/><\/snmp><\/configuration><\/get-configuration>$/);
  });

  it('configuration JSON in the operational dialect ({"data"} leaves in arrays) reads the same', () => {
    // Every element an array of objects, every leaf {"data": …}.
    const item = (v: unknown): unknown => (v !== null && typeof v === 'object' ? element(v as object) : { data: String(v) });
    const element = (o: object): unknown =>
      Object.fromEntries(Object.entries(o).filter(([k]) => k !== '@').map(([k, x]) => [k, Array.isArray(x) ? x.map(item) : [item(x)]]));
    const operational = JSON.stringify(element(JSON.parse(S.RMON_JSON_STRINGS)));
    assert.match(operational, /^\{"configuration":\[\{"snmp":\[\{"rmon":\[\{"alarm":\[\{"name":\[\{"data":"1"\}\]/);
    assert.deepEqual(read(operational), LAB);
  });

  it('equals the node settings that produced the lab lines (README defaults for ifIndex 541), in every format', () => {
    for (const [format, output] of SAMPLES) {
      assert.deepEqual(compareRmon(read(output), { ifIndex: 541 }), { ok: true, equal: true, alarmIndex: 1, eventIndex: 541, differences: [], present: { alarm: true, event: true } }, format);
      // The same settings spelled as a flow may store them.
      const spelled = compareRmon(read(output), { ifIndex: '541', alarmIndex: '1', interval: 1, rising: '1024', falling: 1023, sampleType: 'absolute', subtag: '' });
      assert.ok(spelled.ok && spelled.equal, format);
    }
  });

  it('each difference is named: a threshold, a missing or extra statement, an inactive mark, the event', () => {
    const diff = (config: RmonConfiguration, settings = { ifIndex: 541 } as Parameters<typeof compareRmon>[1]): string[] => {
      const r = compareRmon(config, settings);
      assert.ok(r.ok);
      assert.equal(r.equal, r.differences.length === 0);
      return r.differences;
    };
    assert.deepEqual(diff(LAB, { ifIndex: 541, rising: 2048 }), ['alarm 1 rising-threshold is 1024, the node\'s 2048']);
    assert.deepEqual(diff(LAB, { ifIndex: 542 }), [
      'alarm 1 variable is ifIn1SecRate.541, the node\'s ifIn1SecRate.542',
      'alarm 1 rising-event-index is 541, the node\'s 542',
      'alarm 1 falling-event-index is 541, the node\'s 542',
      'alarm 1 syslog-subtag is IFINDEX541, the node\'s IFINDEX542',
      'event 542 is not configured',
    ]);
    const extra = read(S.RMON_SET + 'set snmp rmon alarm 1 startup-alarm rising-alarm\nset snmp rmon event 541 description "lab event"\ndelete snmp rmon alarm 1 request-type\n');
    assert.deepEqual(diff(extra), [
      'alarm 1 has no request-type (the node\'s: get-request)',
      'alarm 1 startup-alarm rising-alarm is not the node\'s',
      'event 541 description lab event is not the node\'s',
    ]);
    const inactive = read(S.RMON_SET + 'deactivate snmp rmon alarm 1\ndeactivate snmp rmon event 541 type\n');
    assert.deepEqual(diff(inactive), ['alarm 1 is inactive', 'event 541 type is inactive']);
    assert.deepEqual(diff(read(S.RMON_SET.replace('log-and-trap', 'log'))), ['event 541 type is log, the node\'s log-and-trap']);
    const none = compareRmon(read(''), { ifIndex: 541 });
    assert.deepEqual(none, { ok: true, equal: false, alarmIndex: 1, eventIndex: 541, differences: ['alarm 1 is not configured', 'event 541 is not configured'], present: { alarm: false, event: false } });
  });

  it('inactive marks in every format: JSON "@", XML attribute, curly inactive:, set deactivate', () => {
    const inactiveAlarm = [
      S.RMON_JSON_STRINGS.replace('"name" : "1",', '"@" : {"inactive" : true}, "name" : "1",'),
      S.RMON_XML.replace('<alarm>', '<alarm inactive="inactive">'),
      S.RMON_TEXT.replace('alarm 1 {', 'inactive: alarm 1 {'),
      S.RMON_SET + 'deactivate snmp rmon alarm 1\n',
      `snmp {\n    inactive: rmon {\n${S.RMON_TEXT}    }\n}\n`,
      S.RMON_SET + 'deactivate snmp rmon\n',
    ];
    for (const output of inactiveAlarm) {
      const config = read(output);
      assert.equal(config.alarms[0].inactive, true, output);
      assert.deepEqual(config.alarms[0].inactiveStatements, [], output);
      const r = compareRmon(config, { ifIndex: 541 });
      assert.ok(r.ok && !r.equal && r.differences.includes('alarm 1 is inactive'), output);
    }
    const leaf = read(S.RMON_JSON_NUMBERS.replace('"interval" : 1,', '"interval" : 1, "@interval" : {"inactive" : true},'));
    assert.deepEqual(leaf.alarms[0].inactiveStatements, ['interval']);
    assert.deepEqual(read(S.RMON_SET + 'deactivate snmp rmon alarm 1\nactivate snmp rmon alarm 1\n'), LAB);
    // A delete with a value deletes only that value.
    assert.deepEqual(read(S.RMON_SET + 'delete snmp rmon alarm 1 interval 5\n'), LAB);
    assert.equal('interval' in read(S.RMON_SET + 'delete snmp rmon alarm 1 interval 1\n').alarms[0].statements, false);
  });

  it('other alarms and events, other parts of snmp and rmon, and values with leading zeros do not matter', () => {
    const more = `${S.RMON_SET}set snmp rmon alarm 2 variable ifIn1SecRate.542\nset snmp rmon event 7 type log\nset snmp rmon history 1 interface ge-0/0/0\nset snmp community public\nset snmp rmon alarm 1 rising-threshold 01024\n`;
    const r = compareRmon(read(more), { ifIndex: 541 });
    assert.ok(r.ok && r.equal, JSON.stringify(r));
    assert.deepEqual(read(more).alarms.map((a) => a.index), [1, 2]);
    const snmpLevel = `rmon {\n${S.RMON_TEXT}}\ncommunity public {\n    authorization read-only;\n}\n`;
    assert.deepEqual(read(snmpLevel), LAB);
  });

  it("errors: the router's words, or what was not understood; empty output is an empty configuration", () => {
    assert.deepEqual(parseRmonConfiguration('error: permission denied\n'), { ok: false, routerError: true, message: 'error: permission denied' });
    assert.deepEqual(parseRmonConfiguration(S.NOT_FOUND_XML), { ok: false, routerError: true, message: 'error: device ge-9/9/9 not found' });
    assert.deepEqual(parseRmonConfiguration('{"interface-information": []}'), { ok: false, routerError: false, message: 'the answer holds no configuration' });
    assert.deepEqual(parseRmonConfiguration('alarm 1 {\n interval 1;\n'), { ok: false, routerError: false, message: 'line 3: syntax error: missing }' });
    assert.equal(parseRmonConfiguration('{"configuration": {"snmp": {"rmon": {"alarm": [{"name": "0"}]}}}}').ok, false);
    for (const empty of ['', '\n', '{"configuration" : {"@" : {"junos:commit-user" : "lab"}}}', '<configuration/>', '## Last commit: now\n']) {
      assert.deepEqual(read(empty), { alarms: [], events: [] }, empty);
    }
  });

  it('streamed in pieces: splits of an answer concatenated read the same', () => {
    for (const pieces of S.splits(S.RMON_JSON_NUMBERS, 97)) assert.deepEqual(read(pieces.join('')), LAB);
  });

  it('committedSettings: the builder\'s settings object, whose lines are the committed ones; extras it cannot say', () => {
    const got = committedSettings(LAB, 1);
    assert.deepEqual(got, {
      settings: { alarmIndex: 1, ifIndex: '541', eventIndex: '541', interval: '1', sampleType: 'absolute-value', rising: '1024', falling: '1023', subtag: 'IFINDEX541' },
      extras: [],
    });
    assert.deepEqual(rmonConfig(got!.settings).lines, S.RMON_SET.trim().split('\n'));
    assert.equal(committedSettings(LAB, 2), null);
    const odd = read(`${S.RMON_SET}set snmp rmon alarm 1 falling-event-index 7\nset snmp rmon alarm 1 variable jnxOperatingCPU.9.1.0.0\nset snmp rmon alarm 1 request-type walk-request\nset snmp rmon alarm 1 description x\nset snmp rmon event 541 type log\ndeactivate snmp rmon alarm 1\n`);
    assert.deepEqual(committedSettings(odd, 1)!.extras, ['inactive', 'description', 'variable jnxOperatingCPU.9.1.0.0', 'request-type walk-request', 'falling-event-index 7', 'event 541 type log']);
    const noEvent = read(S.RMON_SET.replace('set snmp rmon event 541 type log-and-trap\n', ''));
    assert.deepEqual(committedSettings(noEvent, 1)!.extras, ['event 541 missing']);
  });

  it("compareRmon refuses settings the builder refuses, with the builder's errors", () => {
    assert.deepEqual(compareRmon(LAB, {}), { ok: false, errors: [{ field: 'ifIndex', code: 'ifIndexMissing', params: {} }] });
    const r = compareRmon(LAB, { ifIndex: 541, falling: 5000 });
    assert.ok(!r.ok && r.errors[0].code === 'falling');
  });

  it("the builder's delete-then-set lines make any committed alarm and event the node's, and touch nothing else", () => {
    const busy = read(`${S.RMON_SET}set snmp rmon alarm 1 startup-alarm rising-alarm\nset snmp rmon alarm 1 description "old"\nset snmp rmon alarm 2 variable ifIn1SecRate.542\nset snmp rmon alarm 2 rising-threshold 9\nset snmp rmon event 7 type trap\nset snmp rmon event 541 community c\ndeactivate snmp rmon event 541\n`);
    const settingsList = [
      { ifIndex: 541 },
      { ifIndex: 541, rising: 4000, falling: 10, interval: 5, sampleType: 'delta-value' },
      { ifIndex: 541, alarmIndex: 3, eventIndex: 7, subtag: 'MINE' },
      { ifIndex: 70000, eventIndex: 12 },
    ];
    for (const settings of settingsList) {
      const before = compareRmon(busy, settings);
      assert.ok(before.ok && !before.equal, JSON.stringify(settings));
      for (const present of [undefined, before.present]) {
        const after = load(busy, rmonReplaceConfig(settings, present).lines);
        const r = compareRmon(after, settings);
        assert.ok(r.ok && r.equal, `${JSON.stringify(settings)}: ${JSON.stringify(r)}`);
        // Everything else as it was.
        const others = (c: RmonConfiguration): unknown => ({
          alarms: c.alarms.filter((a) => a.index !== before.alarmIndex),
          events: c.events.filter((e) => e.index !== before.eventIndex),
        });
        assert.deepEqual(others(after), others(busy));
      }
    }
  });
});
