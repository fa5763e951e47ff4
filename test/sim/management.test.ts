/**
 * The simulated router's management model (sim/management): its interface table agrees with the RMON
 * engine; `show interfaces` and `show configuration snmp rmon` come in Junos's shapes (checked against
 * the samples in test/support/junos-samples.ts) and read back through the plugin's own parsers
 * (lib/junos) after streaming in chunks; ConfigSet loads what Junos loads, refuses what it refuses
 * (changing nothing then), and counts commits; committed alarms become the RMON engine's.
 */
import { strict as assert } from 'assert';
import { rmonConfig, RmonConfigInput, rmonReplaceConfig } from '../../lib/junos/config-commands';
import { interfaceInformationRpc, parseInterfaceIndex } from '../../lib/junos/interfaces';
import { compareRmon, parseRmonConfiguration, RMON_CONFIGURATION_RPC, SHOW_RMON_CONFIGURATION } from '../../lib/junos/rmon-config';
import { RmonConfiguration } from '../../lib/junos/rmon-statements';
import { fromXml, JunosElement, readJunosOutput } from '../../lib/junos/tree';
import { chunks, DEFAULT_INTERFACE_TABLE, InterfaceTable, ManagementModel, OpFormat, renderRmonSet, renderRmonText } from '../../sim/management';
import { DEFAULT_INTERFACES, DEFAULT_RMON_ALARM, normalizeAlarm, RmonEngine } from '../../sim/rmon';
import * as S from '../support/junos-samples';

const T0 = new Date('2024-05-02T10:11:12Z');
const FORMATS: OpFormat[] = ['json', 'xml', 'cli'];

function model(options: ConstructorParameters<typeof ManagementModel>[0] = {}): ManagementModel {
  return new ManagementModel({ now: () => T0, chunkSize: 100, ...options });
}

/** The whole answer to a command, which must succeed and stream in several chunks. */
function answer(m: ManagementModel, command: { cli: string } | { xml: string }, format: OpFormat): string {
  const r = m.opCommand(command, format);
  assert.ok(r.ok, JSON.stringify(r));
  const text = r.chunks.join('');
  assert.ok(r.chunks.length >= Math.min(2, text.length), `${JSON.stringify(command)} ${format}: ${r.chunks.length} chunk(s)`);
  return text;
}

function committed(m: ManagementModel, format: OpFormat): RmonConfiguration {
  const r = parseRmonConfiguration(answer(m, { cli: SHOW_RMON_CONFIGURATION }, format));
  assert.ok(r.ok, JSON.stringify(r));
  return r.config;
}

/** What the jet-rmon-event node is to do: read back, compare, load delete-then-set only on a difference. */
function configureRmon(m: ManagementModel, settings: RmonConfigInput, format: OpFormat = 'json'): boolean {
  const cmp = compareRmon(committed(m, format), settings);
  assert.ok(cmp.ok);
  if (cmp.equal) return false;
  const r = m.configSet({ text: rmonReplaceConfig(settings, cmp.present).text, loadType: 'set', commit: { comment: 'jet-rmon-event 1a2b' } });
  assert.ok(r.ok, JSON.stringify(r));
  return true;
}

/** Every `path: type` of a JSON value, array items collapsed to `[]`. */
function jsonPaths(v: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  out.set(path, type);
  if (Array.isArray(v)) v.forEach((x) => jsonPaths(x, `${path}[]`, out));
  else if (type === 'object') for (const [k, x] of Object.entries(v as object)) jsonPaths(x, `${path}.${k}`, out);
  return out;
}

/** Junos's operational JSON rule: every element an array of objects; `data` a string or [null]; `attributes` strings. */
function junosRule(v: unknown, where = ''): void {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${where}: an object`);
  for (const [k, x] of Object.entries(v as object)) {
    if (k === 'data') assert.ok(typeof x === 'string' || (Array.isArray(x) && x.length === 1 && x[0] === null), `${where}.data`);
    else if (k === 'attributes') assert.ok(Object.values(x as object).every((a) => typeof a === 'string'), `${where}.attributes`);
    else {
      assert.ok(Array.isArray(x) && x.length > 0, `${where}.${k}: an array`);
      for (const item of x as unknown[]) junosRule(item, `${where}.${k}[]`);
    }
  }
}

/** A tree as names, trimmed texts and attributes (whitespace-only text dropped). */
function shape(el: JunosElement): unknown {
  return { n: el.name, t: el.text.trim(), a: el.attributes, c: el.children.map(shape) };
}

describe('simulator: management model (sim/management)', function () {
  describe('interfaces', function () {
    it("agree with the RMON engine: its interfaces are IFLs of the table, the lab's 541 is ge-0/0/0.0 on IFD 513", () => {
      const table = new InterfaceTable();
      for (const ifIndex of Object.keys(DEFAULT_INTERFACES).map(Number)) {
        const name = table.nameOf(ifIndex);
        assert.ok(name && name.includes('.'), `ifIndex ${ifIndex} is a unit`);
      }
      assert.equal(table.nameOf(Number(DEFAULT_RMON_ALARM.variable.split('.')[1])), 'ge-0/0/0.0');
      assert.deepEqual(table.find('GE-0/0/0.0')?.unit?.snmpIndex, 541);
      assert.equal(table.find('ge-0/0/0')?.ifd.snmpIndex, 513);
      assert.equal(table.find('ge-9/9/9'), undefined);
    });

    it('show interfaces <name>: every IFD and IFL in JSON, XML and CLI, streamed, read by the plugin\'s parser', () => {
      const m = model();
      for (const ifd of DEFAULT_INTERFACE_TABLE) {
        for (const [name, ifIndex, kind] of [[ifd.name, ifd.snmpIndex, 'physical'], ...ifd.units.map((u) => [u.name, u.snmpIndex, 'logical'])] as Array<[string, number, string]>) {
          for (const format of FORMATS) {
            for (const command of [{ cli: `show interfaces ${name}` }, { cli: `show interfaces ${name} extensive` }, { xml: interfaceInformationRpc(name) }]) {
              assert.deepEqual(parseInterfaceIndex(answer(m, command, format), name), { found: true, name, kind, ifIndex }, `${JSON.stringify(command)} ${format}`);
            }
          }
        }
      }
      // Every interface at once: any of them reads from the one answer.
      for (const format of FORMATS) {
        const all = answer(m, { cli: 'show interfaces' }, format);
        assert.equal((parseInterfaceIndex(all, 'lo0.0') as { ifIndex: number }).ifIndex, 16, format);
      }
    });

    it("an unknown interface: a failed call in the router's words", () => {
      const m = model();
      for (const format of FORMATS) {
        assert.deepEqual(m.opCommand({ cli: 'show interfaces ge-9/9/9' }, format), { ok: false, message: 'error: device ge-9/9/9 not found' });
        assert.deepEqual(m.opCommand({ xml: interfaceInformationRpc('ge-9/9/9') }, format), { ok: false, message: 'error: device ge-9/9/9 not found' });
      }
    });

    it("JSON in Junos's shape: its rule everywhere, the same types as the samples where both have a path, the parser's paths in both", () => {
      const m = model();
      for (const [name, sample] of [['ge-0/0/0.0', S.IFL_JSON], ['ge-0/0/0', S.IFD_JSON]]) {
        const sim = JSON.parse(answer(m, { cli: `show interfaces ${name}` }, 'json'));
        junosRule(sim);
        const junos = JSON.parse(sample.replace(/\{master:0\}\s*$/, ''));
        junosRule(junos);
        const a = jsonPaths(sim);
        const b = jsonPaths(junos);
        const shared = [...a.keys()].filter((p) => b.has(p));
        for (const p of shared) assert.equal(a.get(p), b.get(p), `${name}: ${p}`);
        const root = name.includes('.') ? '.interface-information[].logical-interface[]' : '.interface-information[].physical-interface[]';
        for (const p of [`${root}.name[].data`, `${root}.snmp-index[].data`, '.interface-information[].attributes.junos:style']) assert.ok(shared.includes(p), `${name}: ${p}`);
        assert.ok(shared.length >= 20, `${name}: ${shared.length} shared paths`);
      }
    });

    it('XML and JSON are renderings of one tree; XML wraps names in newlines as Junos does', () => {
      const m = model();
      for (const name of ['ge-0/0/0', 'ge-0/0/0.0', 'lo0']) {
        const xml = answer(m, { cli: `show interfaces ${name}` }, 'xml');
        assert.match(xml, new RegExp(`<name>\\n${name.replace(/[./]/g, '\\$&')}\\n</name>`));
        const fromXmlTree = readJunosOutput(xml);
        const fromJsonTree = readJunosOutput(answer(m, { cli: `show interfaces ${name}` }, 'json'));
        assert.ok(fromXmlTree.format === 'xml' && fromJsonTree.format === 'json');
        const info = (root: JunosElement): JunosElement => (root.children[0].name === 'rpc-reply' ? root.children[0] : root).children[0];
        assert.deepEqual(shape(info(fromXmlTree.root)), shape(info(fromJsonTree.root)), name);
      }
    });

    it('a table with a duplicate name or index, a bad index or a stray unit is refused', () => {
      const ge = DEFAULT_INTERFACE_TABLE[2];
      assert.throws(() => new InterfaceTable([ge, { ...ge, name: 'ge-0/0/5', units: [] }]), /SNMP ifIndex 513 is used twice/);
      assert.throws(() => new InterfaceTable([ge, { ...ge, snmpIndex: 600, units: [] }]), /ge-0\/0\/0 is listed twice/);
      assert.throws(() => new InterfaceTable([{ ...ge, units: [{ name: 'ge-0/0/1.0', snmpIndex: 700, localIndex: 1 }] }]), /not a unit of ge-0\/0\/0/);
      assert.throws(() => new InterfaceTable([{ ...ge, snmpIndex: 0 }]), RangeError);
      assert.throws(() => new InterfaceTable([{ ...ge, name: 'ge-0/0/0.0' }]), /is a unit/);
    });
  });

  describe('show configuration snmp rmon', function () {
    it("the lab configuration exactly as the Junos samples: JSON (numbers or strings), XML, curly text, display set", () => {
      const strip = (json: string): unknown => {
        const o = JSON.parse(json);
        delete o.configuration['@'];
        return o;
      };
      assert.deepEqual(strip(answer(model(), { cli: SHOW_RMON_CONFIGURATION }, 'json')), strip(S.RMON_JSON_NUMBERS));
      assert.deepEqual(strip(answer(model({ jsonNumbersAsStrings: true }), { cli: SHOW_RMON_CONFIGURATION }, 'json')), strip(S.RMON_JSON_STRINGS));
      const xmlShape = (xml: string): unknown => {
        const doc = fromXml(xml);
        const conf = doc.children[0].children.find((c) => c.name === 'configuration')!;
        return shape({ ...conf, attributes: {} });
      };
      assert.deepEqual(xmlShape(answer(model(), { cli: SHOW_RMON_CONFIGURATION }, 'xml')), xmlShape(S.RMON_XML));
      assert.equal(answer(model(), { cli: SHOW_RMON_CONFIGURATION }, 'cli'), S.RMON_TEXT.replace(/^##.*\n/, ''));
      assert.equal(renderRmonSet(model().committedRmon()), S.RMON_SET);
      assert.equal(answer(model(), { xml: RMON_CONFIGURATION_RPC }, 'cli'), renderRmonText(model().committedRmon()));
    });

    it('read back by the plugin in every format, equal to the committed configuration; the lab alarm equals the node defaults', () => {
      for (const m of [model(), model({ jsonNumbersAsStrings: true })]) {
        for (const format of FORMATS) {
          assert.deepEqual(committed(m, format), m.committedRmon(), format);
          const cmp = compareRmon(committed(m, format), { ifIndex: 541 });
          assert.ok(cmp.ok && cmp.equal, format);
        }
      }
      const none = model({ rmon: '' });
      for (const format of FORMATS) assert.deepEqual(committed(none, format), { alarms: [], events: [] }, format);
    });

    it('inactive entries and statements, quoted values: rendered as Junos does and read back the same', () => {
      const m = model();
      const r = m.configSet({
        text: 'set snmp rmon alarm 1 description "lab alarm; uplink"\nset snmp rmon event 541 community "c 1"\ndeactivate snmp rmon alarm 1 interval\ndeactivate snmp rmon event 541\n',
        loadType: 'set',
        commit: { comment: '' },
      });
      assert.ok(r.ok, JSON.stringify(r));
      for (const format of FORMATS) assert.deepEqual(committed(m, format), m.committedRmon(), format);
      assert.equal(m.committedRmon().alarms[0].statements.description, 'lab alarm; uplink');
      assert.match(answer(m, { cli: SHOW_RMON_CONFIGURATION }, 'cli'), /^inactive: event 541 \{$/m);
    });
  });

  describe('ConfigSet', function () {
    it("the plugin's delete-then-set lines, committed: the alarm becomes the node's, one commit recorded and announced", () => {
      const m = model();
      const announced: unknown[] = [];
      m.on('commit', (record, engine) => announced.push([record, engine.alarms.map((a) => [a.index, a.rising])]));
      const settings = { ifIndex: 542, alarmIndex: 2, rising: 5000, falling: 100 };
      const r = m.configSet({ text: rmonReplaceConfig(settings).text, loadType: 'set', commit: { comment: '@jetflows/node-red-junos-jet jet-rmon-event 1a2b' }, user: 'lab' });
      assert.deepEqual(r, { ok: true, warnings: ['warning: line 1: statement not found', 'warning: line 2: statement not found'], commit: { sequence: 1, time: T0, user: 'lab', comment: '@jetflows/node-red-junos-jet jet-rmon-event 1a2b' } });
      const cmp = compareRmon(committed(m, 'xml'), settings);
      assert.ok(cmp.ok && cmp.equal);
      assert.ok(compareRmon(m.committedRmon(), { ifIndex: 541 }).ok, 'alarm 1 untouched');
      assert.deepEqual(announced, [[{ sequence: 1, time: T0, user: 'lab', comment: '@jetflows/node-red-junos-jet jet-rmon-event 1a2b' }, [[1, 1024], [2, 5000]]]]);
      assert.equal(m.commitCount, 1);
      const history = JSON.parse(answer(m, { cli: 'show system commit' }, 'json'));
      assert.equal(history['commit-information'][0]['commit-history'][0].log[0].data, '@jetflows/node-red-junos-jet jet-rmon-event 1a2b');
      assert.match(answer(m, { xml: '<get-commit-information/>' }, 'cli'), /^0 {3}2024-05-02 10:11:12 UTC by lab via grpc\n {4}@jetflows/);
    });

    it('read, compare, load only on a difference: unchanged settings commit nothing, a new threshold exactly once', () => {
      const m = model();
      for (const format of FORMATS) assert.equal(configureRmon(m, { ifIndex: 541 }, format), false);
      assert.equal(m.commitCount, 0);
      assert.equal(configureRmon(m, { ifIndex: 541, rising: 2048 }), true);
      for (const format of FORMATS) assert.equal(configureRmon(m, { ifIndex: 541, rising: 2048 }, format), false);
      assert.equal(m.commitCount, 1);
      assert.equal(m.engineAlarms().alarms[0].rising, 2048);
    });

    it('refuses what Junos refuses, with the line, and changes nothing', () => {
      const cases: Array<[string, string, 'set' | 'merge' | 'replace', string]> = [
        ['unknown statement', 'set snmp rmon alarm 1 interval 5\nset snmp rmon alarm 1 colour red', 'set', 'error: line 2: syntax error: colour'],
        ['unknown verb', 'show snmp', 'set', 'error: line 1: syntax error: show'],
        ['index 0', 'set snmp rmon alarm 0 interval 1', 'set', 'error: line 1: Value 0 is not within range (1..65535)'],
        ['index too big', 'set snmp rmon event 70000 type log', 'set', 'error: line 1: Value 70000 is not within range (1..65535)'],
        ['no index', 'set snmp rmon alarm', 'set', 'error: line 1: syntax error, expecting <alarm-index>'],
        ['value out of range', 'set snmp rmon alarm 1 rising-event-index 65536', 'set', 'error: line 1: Value 65536 is not within range (0..65535)'],
        ['not a number', 'set snmp rmon alarm 1 interval fast', 'set', 'error: line 1: Value fast is not within range (1..2147483647)'],
        ['not in the list', 'set snmp rmon alarm 1 sample-type average', 'set', 'error: line 1: syntax error, expecting one of absolute-value | delta-value: average'],
        ['no value', 'set snmp rmon alarm 1 interval', 'set', 'error: line 1: syntax error, expecting a value for interval'],
        ['two values', 'set snmp rmon alarm 1 interval 1 2', 'set', 'error: line 1: syntax error: 2'],
        ['lower-case subtag', 'set snmp rmon alarm 1 syslog-subtag ifindex', 'set', 'error: line 1: invalid value "ifindex": expecting up to 80 upper-case letters, digits, _ or -'],
        ['unterminated quote', 'set snmp rmon alarm 1 description "open', 'set', 'error: line 1: unterminated quoted string'],
        ['relative path', 'set alarm 1 interval 1', 'set', 'error: line 1: syntax error: alarm (paths start at the top: snmp rmon …)'],
        ['another hierarchy', 'set system host-name r1', 'set', 'error: line 1: the simulator configures only snmp rmon alarm and event: system'],
        ['rmon history', 'set snmp rmon history 1 interface ge-0/0/0', 'set', 'error: line 1: the simulator configures only snmp rmon alarm and event: history'],
        ['set lines as MERGE', '\nset snmp rmon alarm 1 interval 5', 'merge', 'error: line 2: syntax error: set (set and delete lines load with load type SET)'],
        ['broken curly text', 'snmp { rmon { alarm 1 { interval 5; } }', 'merge', 'error: line 1: syntax error: missing }'],
        ['REPLACE', 'snmp { rmon; }', 'replace', 'error: the simulator loads set lines (load type SET) and curly-brace text (MERGE), not REPLACE'],
        ['commit check: no variable', 'set snmp rmon alarm 9 rising-threshold 5', 'set', "error: [edit snmp rmon alarm 9] Missing mandatory statement: 'variable'"],
        ['commit check: falling not below rising', 'set snmp rmon alarm 1 falling-threshold 1024', 'set', 'error: [edit snmp rmon alarm 1] falling-threshold must be less than rising-threshold'],
        ['commit check: rising inactive', 'deactivate snmp rmon alarm 1 rising-threshold', 'set', "error: [edit snmp rmon alarm 1] Missing mandatory statement: 'rising-threshold'"],
      ];
      for (const [what, text, loadType, message] of cases) {
        const m = model();
        const before = [m.committedRmon(), m.candidateRmon()];
        assert.deepEqual(m.configSet({ text, loadType, commit: { comment: what } }), { ok: false, message }, what);
        assert.deepEqual([m.committedRmon(), m.candidateRmon(), m.commitCount], [...before, 0], what);
      }
      assert.deepEqual(model().configSet({ text: 'x', format: 'xml', loadType: 'merge', commit: null }), { ok: false, message: 'error: the simulator loads text_config only, not xml_config' });
    });

    it('without a commit the load stays in the candidate; the next commit commits it too', () => {
      const m = model();
      assert.deepEqual(m.configSet({ text: 'set snmp rmon alarm 1 rising-threshold 3000', loadType: 'set' }), { ok: true, warnings: [], commit: null });
      assert.equal(m.committedRmon().alarms[0].statements['rising-threshold'], '1024');
      assert.equal(m.candidateRmon().alarms[0].statements['rising-threshold'], '3000');
      assert.equal(committed(m, 'json').alarms[0].statements['rising-threshold'], '1024');
      const r = m.configSet({ text: 'snmp {\n    rmon {\n        event 9 {\n            type log;\n        }\n    }\n}\n', loadType: 'merge', commit: { comment: 'merge' } });
      assert.ok(r.ok && r.commit?.sequence === 1);
      assert.equal(m.committedRmon().alarms[0].statements['rising-threshold'], '3000');
      assert.deepEqual(m.committedRmon().events.map((e) => e.index), [9, 541]);
    });

    it('deleting what is not there is a warning; delete snmp rmon removes every alarm and event', () => {
      const m = model();
      const r = m.configSet({ text: 'delete snmp rmon alarm 7\ndelete snmp rmon alarm 1 description\ndelete snmp rmon alarm 1 interval 5\nactivate snmp rmon event 3', loadType: 'set', commit: { comment: '' } });
      assert.ok(r.ok);
      assert.deepEqual(r.warnings, [1, 2, 3, 4].map((n) => `warning: line ${n}: statement not found`));
      assert.deepEqual(m.committedRmon(), model().committedRmon());
      assert.ok(m.configSet({ text: 'delete snmp rmon', loadType: 'set', commit: { comment: '' } }).ok);
      assert.deepEqual(m.committedRmon(), { alarms: [], events: [] });
      assert.deepEqual(m.engineAlarms(), { alarms: [], skipped: [] });
      assert.equal(m.commitCount, 2);
    });
  });

  describe('RMON engine alarms from the committed configuration', function () {
    it("the lab configuration is the engine's default alarm, and the engine takes what it gives", () => {
      const { alarms, skipped } = model().engineAlarms();
      assert.deepEqual(skipped, []);
      assert.deepEqual(alarms.map(normalizeAlarm), [normalizeAlarm(DEFAULT_RMON_ALARM)]);
      const engine = new RmonEngine({ publish: async () => undefined, alarms });
      assert.equal(engine.alarms()[0].ifIndex, 541);
    });

    it('events that do not log publish nothing (index 0); no subtag is none; startup and sample type map; what the engine cannot sample is skipped', () => {
      const m = model({
        rmon: [
          rmonConfig({ ifIndex: 541 }).text,
          'set snmp rmon event 541 type trap',
          'set snmp rmon alarm 2 variable ifIn1SecRate.542',
          'set snmp rmon alarm 2 rising-threshold 10',
          'set snmp rmon alarm 2 startup-alarm rising-or-falling-alarm',
          'set snmp rmon alarm 2 sample-type delta-value',
          'set snmp rmon alarm 2 rising-event-index 9',
          'set snmp rmon event 9 type log',
          'set snmp rmon alarm 3 variable jnxOperatingCPU.9.1.0.0',
          'set snmp rmon alarm 3 rising-threshold 90',
          'set snmp rmon alarm 4 variable ifIn1SecRate.541',
          'set snmp rmon alarm 4 rising-threshold 5',
          'deactivate snmp rmon alarm 4',
        ].join('\n'),
      });
      const { alarms, skipped } = m.engineAlarms();
      assert.deepEqual(alarms.map((a) => [a.index, a.risingEventIndex, a.fallingEventIndex]), [[1, 0, 0], [2, 9, 0]]);
      assert.deepEqual(alarms[1], { index: 2, variable: 'ifIn1SecRate.542', intervalS: 60, rising: 10, sampleType: 'delta', startup: 'both', risingEventIndex: 9, fallingEventIndex: 0, subtag: '' });
      assert.deepEqual(skipped, [
        { index: 3, reason: 'the simulator samples only ifIn1SecRate.<ifIndex>, not jnxOperatingCPU.9.1.0.0' },
        { index: 4, reason: 'inactive' },
      ]);
    });
  });

  describe('commands and streaming', function () {
    it('pipes, unknown commands and RPCs are refused, naming what the simulator answers', () => {
      const m = model();
      assert.match((m.opCommand({ cli: 'show interfaces ge-0/0/0.0 | display json' }, 'cli') as { message: string }).message, /^error: pipes \(\|\) are not simulated/);
      assert.match((m.opCommand({ cli: 'show route' }, 'cli') as { message: string }).message, /^error: the simulator does not answer "show route"; it answers show interfaces/);
      assert.match((m.opCommand({ cli: 'show interfaces a b' }, 'cli') as { message: string }).message, /^error: the simulator does not answer/);
      assert.match((m.opCommand({ xml: '<get-route-information/>' }, 'xml') as { message: string }).message, /^error: the simulator does not answer the RPC <get-route-information>/);
      assert.match((m.opCommand({ xml: '' }, 'xml') as { message: string }).message, /^error: no RPC/);
      assert.ok(m.opCommand({ xml: `<rpc>${RMON_CONFIGURATION_RPC}</rpc>` }, 'json').ok);
    });

    it('chunks: several pieces at any character, never inside a surrogate pair, joined back exactly', () => {
      assert.deepEqual(chunks(''), ['']);
      assert.deepEqual(chunks('a'), ['a']);
      assert.deepEqual(chunks('ab'), ['a', 'b']);
      assert.deepEqual(chunks('abcdefg', 3), ['abc', 'def', 'g']);
      const text = `x${'\u{1F600}'.repeat(20)}y`;
      for (const size of [1, 2, 3, 7]) {
        const pieces = chunks(text, size);
        assert.equal(pieces.join(''), text);
        assert.ok(pieces.every((p) => !/[\uD800-\uDBFF]$/.test(p) && !/^[\uDC00-\uDFFF]/.test(p)), String(size));
      }
    });

    it('a start configuration the loader or the commit check refuses is an error', () => {
      assert.throws(() => model({ rmon: 'set snmp rmon alarm 1 colour red' }), /start configuration: error: line 1: syntax error: colour/);
      assert.throws(() => model({ rmon: 'set snmp rmon alarm 1 interval 1' }), /Missing mandatory statement: 'variable'/);
    });
  });
});
