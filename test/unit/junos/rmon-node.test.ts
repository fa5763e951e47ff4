/**
 * What a jet-rmon-event node reads and shares for its RMON set-up: its properties (numbers as 5 or
 * "5", missing ones as the defaults, bad ones named), the per-router registry of alarm claims, and
 * jet-command's message reading.
 */
import { strict as assert } from 'assert';
import { readRmonNodeSettings } from '../../../lib/junos/rmon-binding';
import { claimsFor, RmonClaims } from '../../../lib/junos/rmon-claims';
import { commandOf, configurationOf, outputFormatOf } from '../../../lib/junos/command-input';

describe('jet-rmon-event settings (lib/junos/rmon-binding readRmonNodeSettings)', () => {
  it('missing properties are the defaults; numbers as 5 or "5"', () => {
    const a = readRmonNodeSettings({ interface: 'ge-0/0/0.0' });
    assert.deepEqual(a.rmon, { variable: 'ifIn1SecRate', alarmIndex: 1, eventIndex: '', subtag: '', interval: 1, sampleType: 'absolute-value', rising: 1024, falling: 1023 });
    assert.deepEqual([a.interface, a.ifIndex, a.configure, a.alarm], ['ge-0/0/0.0', null, false, 1]);
    const b = readRmonNodeSettings({ interface: ' ge-0/0/0.0 ', interval: '5', rising: 2048, falling: '2000', alarmIndex: 3, configureRmon: 'true' });
    assert.deepEqual([b.rmon.interval, b.rmon.rising, b.rmon.falling, b.alarm, b.configure], [5, 2048, 2000, 3, true]);
    // The same settings written either way agree.
    assert.equal(readRmonNodeSettings({ interface: 'ge-0/0/0.0', rising: '1024' }).key, a.key);
    assert.notEqual(b.key, a.key);
  });

  it('bad values are named; RMON settings are checked only with configureRmon', () => {
    assert.throws(() => readRmonNodeSettings({ interface: 'ge-0/0/0.0 | match SNMP' }), /^RouteValidationError: interface: /);
    assert.throws(() => readRmonNodeSettings({ ifIndex: 'x' }), /ifIndex: expected a whole number/);
    assert.throws(() => readRmonNodeSettings({ interval: '1.5' }), /interval: expected a whole number/);
    assert.throws(() => readRmonNodeSettings({ alarmIndex: '70000' }), /alarmIndex: 70000 is out of range 1\.\.65535/);
    // Falling not below rising: only a problem when the node is to commit it.
    assert.doesNotThrow(() => readRmonNodeSettings({ ifIndex: '541', rising: '10', falling: '20' }));
    assert.throws(() => readRmonNodeSettings({ ifIndex: '541', rising: '10', falling: '20', configureRmon: true }), /falling/);
    assert.throws(() => readRmonNodeSettings({ configureRmon: true }), /configureRmon needs an interface or an ifIndex/);
  });
});

describe('RMON alarm claims per router (lib/junos/rmon-claims)', () => {
  it('two claims of one alarm with different settings conflict both ways; the same settings agree; a release ends it', () => {
    const c = new RmonClaims();
    let changes = 0;
    c.on('change', () => changes++);
    c.claim('a', 1, 'k1', 'node a');
    c.claim('b', 1, 'k1', 'node b');
    assert.deepEqual([c.conflicts('a'), c.conflicts('b')], [[], []]);
    c.claim('c', 1, 'k2', 'node c');
    assert.deepEqual([c.conflicts('a'), c.conflicts('c')], [['node c'], ['node a', 'node b']]);
    c.claim('d', 2, 'k3', 'node d');
    assert.deepEqual(c.conflicts('d'), []);
    c.release('c');
    assert.deepEqual(c.conflicts('a'), []);
    assert.equal(changes, 5);
    assert.deepEqual(c.conflicts('nobody'), []);
  });

  it('one registry per router object; set-ups run one at a time', async () => {
    const r1 = {};
    assert.equal(claimsFor(r1), claimsFor(r1));
    assert.notEqual(claimsFor(r1), claimsFor({}));
    const c = new RmonClaims();
    const order: string[] = [];
    let release!: () => void;
    const first = c.serialize(() => new Promise<void>((resolve) => (release = resolve)).then(() => void order.push('first')));
    const second = c.serialize(async () => void order.push('second'));
    await Promise.resolve();
    assert.deepEqual(order, []);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second']);
    // A failed set-up does not stop the next.
    await assert.rejects(c.serialize(() => Promise.reject(new Error('x'))));
    assert.equal(await c.serialize(async () => 7), 7);
  });
});

describe('jet-command input (lib/junos/command-input)', () => {
  it('a CLI command, or an XML RPC in msg.xml; anything else refused in words', () => {
    assert.deepEqual(commandOf({ payload: ' show version ' }), { cli: 'show version' });
    assert.deepEqual(commandOf({ payload: 'ignored', xml: '<get-software-information/>' }), { xml: '<get-software-information/>' });
    assert.throws(() => commandOf({ payload: 5 }), /^Error: msg\.payload: expected a Junos operational command/);
    assert.throws(() => commandOf({ payload: 'show version\nshow route' }), /one Junos operational command on one line/);
    assert.throws(() => commandOf({ xml: 'show version' }), /msg\.xml: expected the text of an XML RPC/);
    assert.deepEqual([outputFormatOf('xml'), outputFormatOf('cli'), outputFormatOf(''), outputFormatOf('yaml')], ['xml', 'cli', 'json', 'json']);
  });

  it('configuration lines as text or a list, blank lines and # comments left out', () => {
    assert.deepEqual(configurationOf('set a b\r\n\n# note\n delete c \n'), ['set a b', 'delete c']);
    assert.deepEqual(configurationOf(['set a', '']), ['set a']);
    assert.throws(() => configurationOf(['', '# x']), /no configuration lines/);
    assert.throws(() => configurationOf({ lines: [] }), /expected configuration lines/);
    assert.throws(() => configurationOf(['set a', 3]), /expected configuration lines/);
  });
});
