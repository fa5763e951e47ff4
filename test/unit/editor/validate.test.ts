/**
 * The editor side of the nodes, run in a sandbox with a minimal RED: the shared checks of
 * window.JetEditor (resources/jet-editor.js, bundled from editor/) against the runtime's own
 * validation (the same verdicts, the same suggested network for host bits), the validators Node-RED
 * calls, the labels, and the defaults of a node dropped on a fresh canvas.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { parsePrefix, parseNexthop } from '../../../lib/core/route-spec';
import { isValidHost } from '../../../lib/router/probe';
import { validateTopicFilter } from '../../../lib/mqtt/topic';
import { thresholdConfig } from '../../../lib/threshold/config';
import { ROOT } from '../../support/paths';
import { EDITOR_BUNDLE, loadBundle } from '../../support/editor-bundle';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
const TYPES = Object.keys(pkg['node-red'].nodes);

type Catalog = Record<string, unknown>;
type Validate = (this: Record<string, unknown>, v: unknown, opt: unknown) => unknown;
interface PropDef {
  value?: unknown;
  required?: boolean;
  type?: string;
  validate?: Validate;
}
interface NodeDef {
  category: string;
  defaults: Record<string, PropDef>;
  label: (this: Record<string, unknown>) => string;
  paletteLabel?: string | ((this: NodeDef) => string);
  outputLabels?: (this: Record<string, unknown>, i: number) => string;
  _: (key: string, opts?: Record<string, unknown>) => string;
}
interface Check {
  (value: unknown, ...others: unknown[]): string | null;
}
interface EditorChecks {
  check: Record<string, Check & ((...args: unknown[]) => unknown)>;
  parsePrefix(s: string): { error?: string; family?: string; prefix?: string };
  parseAddress(s: string): { family: string; text: string } | null;
  isHost(s: string): boolean;
}

function lookup(catalog: Catalog | undefined, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Catalog)[k] : undefined), catalog);
}

/** The editor bundle, then the editor scripts of every node, in package order, in a sandbox with the real catalogs. */
function loadEditor(version = '4.1.15'): { defs: Record<string, NodeDef>; V: EditorChecks } {
  const catalogs: Record<string, Catalog> = {};
  for (const type of TYPES) {
    const base = path.basename(pkg['node-red'].nodes[type], '.js');
    catalogs[`${pkg.name}/${base}`] = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', `${base}.json`), 'utf8'));
  }
  // i18next as Node-RED sets it up: "namespace:key", __name__ interpolation, the key itself when missing.
  const translate = (ns: string | null, key: string, opts: Record<string, unknown> = {}): string => {
    const i = key.indexOf(':');
    const [n, k] = i >= 0 ? [key.slice(0, i), key.slice(i + 1)] : [ns ?? '', key];
    const text = lookup(catalogs[n], k);
    if (typeof text !== 'string') return key;
    return text.replace(/__(\w+)__/g, (_m, name: string) => String(opts[name]));
  };
  const defs: Record<string, NodeDef> = {};
  const sandbox: Record<string, unknown> = {
    RED: {
      _: (key: string, opts?: Record<string, unknown>) => translate(null, key, opts),
      settings: { version },
      nodes: {
        registerType(type: string, def: NodeDef) {
          def._ = (key, opts) => translate(`${pkg.name}/${type}`, key, opts);
          defs[type] = def;
        },
      },
    },
    // No dialog open: the validators read the node's own properties.
    $: () => ({ length: 0 }),
  };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  loadBundle(sandbox);
  for (const type of TYPES) {
    const base = path.basename(pkg['node-red'].nodes[type], '.js');
    const html = fs.readFileSync(path.join(ROOT, 'nodes', `${base}.html`), 'utf8');
    const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    assert.equal(scripts.length, 1, `${base}.html: one editor script`);
    assert.deepEqual([...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]), [EDITOR_BUNDLE], `${base}.html: loads the bundle`);
    vm.runInContext(scripts[0], sandbox, { filename: `${base}.html` });
  }
  return { defs, V: sandbox.JetEditor as EditorChecks };
}

function fresh(def: NodeDef, props: Record<string, unknown> = {}): Record<string, unknown> {
  const node: Record<string, unknown> = { _: def._ };
  for (const [k, p] of Object.entries(def.defaults)) node[k] = p.value;
  return Object.assign(node, props);
}

/** What Node-RED's validateNodeProperty does: required, then validate. true or the problem. */
function validateProp(def: NodeDef, node: Record<string, unknown>, prop: string): unknown {
  const p = def.defaults[prop];
  const value = node[prop];
  if (p.required && (value === '' || value === undefined)) return 'required';
  if (p.validate) return p.validate.call(node, value, {});
  return true;
}

function problems(def: NodeDef, node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const prop of Object.keys(def.defaults)) {
    const r = validateProp(def, node, prop);
    if (r !== true) out[prop] = r;
  }
  return out;
}

function runtimePrefix(text: string): { ok: true; prefix: string } | { ok: false; message: string } {
  try {
    return { ok: true, prefix: parsePrefix(text).prefix };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** A small deterministic generator (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('editor: validation and labels (the bundle and nodes/*.html in a sandbox)', function () {
  const { defs, V } = loadEditor();

  it('registers every node type of package.json, in the junos category (config for jet-router)', () => {
    assert.deepEqual(Object.keys(defs).sort(), [...TYPES].sort());
    for (const type of TYPES) assert.equal(defs[type].category, type === 'jet-router' ? 'config' : 'junos', type);
  });

  it('prefixes: the same verdict and the same normalized prefix as the runtime, host bits named with the network meant', () => {
    const fixed = [
      '1.1.1.1/32', '1.1.1.1/24', '1.1.1.0/24', '0.0.0.0/0', '1.0.0.0/0', '255.255.255.255/32', '10.0.0.1/8', '10.0.0.0/8',
      '1.1.1.1/33', '01.1.1.1/32', '1.1.1/24', '1.1.1.1/', '1.1.1.1', '/24', '256.1.1.1/32', '1.1.1.0/024', '1.1.1.0/ 24', 'bogus',
      '2001:db8::/32', '2001:db8::1/64', '2001:DB8::/32', '2001:db8::/129', '::/0', '::1/128', '::/128', '::1/127', 'fe80::/10',
      'fe80::1%eth0/64', '::ffff:1.2.3.0/120', '::ffff:1.2.3.4/120', '1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8/127',
      '1:2:3:4:5:6:7::/112', '::2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8:9/64', '2001:db8::1::/64', ':::/0', '2001:db8:::/48',
      '1::2:3:4:5:6:7:8/128', 'g::/16', '2001:0db8:0000:0000:0000:0000:0000:0000/32', '2001:db8:0:0:1:0:0:1/128',
      '1.2.3.4::/64', '::1.2.3.4/128', '::1.2.3/128', '12345::/16', '2001:db8::/064',
    ];
    const rnd = prng(2819);
    const generated: string[] = [];
    for (let i = 0; i < 300; i++) {
      const v4 = [0, 1, 2, 3].map(() => Math.floor(rnd() * 256)).join('.');
      generated.push(`${v4}/${Math.floor(rnd() * 34)}`);
      const words = Array.from({ length: 8 }, () => (rnd() < 0.4 ? 0 : Math.floor(rnd() * 65536)));
      const full = words.map((w) => w.toString(16)).join(':');
      const len = Math.floor(rnd() * 130);
      generated.push(`${full}/${len}`);
      // Compressed forms, valid or not, as people type them.
      const cut = Math.floor(rnd() * 8);
      const keep = Math.floor(rnd() * (8 - cut));
      generated.push(`${words.slice(0, cut).map((w) => w.toString(16)).join(':')}::${words.slice(cut + keep).map((w) => w.toString(16)).join(':')}/${len}`);
    }
    for (const text of [...fixed, ...generated]) {
      const editor = V.parsePrefix(text);
      const runtime = runtimePrefix(text);
      assert.equal(editor.error === undefined, runtime.ok, `${text}: editor ${editor.error ?? editor.prefix}, runtime ${runtime.ok ? runtime.prefix : runtime.message}`);
      if (runtime.ok) {
        // ipaddr.js reads ::1.2.3.4 (IPv4-compatible) as ::ffff:1.2.3.4: compare verdicts only there.
        if (!/^::\d/.test(text)) assert.equal(editor.prefix, runtime.prefix, text);
      } else {
        const meant = /did you mean (\S+)\?/.exec(runtime.message);
        if (meant) assert.ok(editor.error!.includes(`did you mean ${meant[1]}?`), `${text}: ${editor.error} / ${runtime.message}`);
      }
    }
  });

  it('prefixes field: host bits, duplicates, lists', () => {
    const c = V.check.prefixesOrEmpty;
    assert.equal(c(''), null);
    assert.equal(c('1.1.1.1/32, 2.2.2.0/24 2001:db8::/64'), null);
    assert.equal(c('1.1.1.1/24'), '1.1.1.1/24 has host bits set: did you mean 1.1.1.0/24?');
    assert.equal(c('2001:db8::1/64'), '2001:db8::1/64 has host bits set: did you mean 2001:db8::/64?');
    assert.equal(c('10.0.0.0/8 10.0.0.0/8'), '10.0.0.0/8 is given twice');
    assert.equal(c('2001:db8::/32, 2001:DB8:0::/32'), '2001:DB8:0::/32 is given twice');
    assert.equal(c('1.1.1.1/33'), '1.1.1.1/33: the prefix length is 0..32');
    assert.equal(c('1.1.1.1'), '1.1.1.1 is not a CIDR prefix (e.g. 1.1.1.1/32 or 2001:db8::/64)');
  });

  it('next hops: addresses of the prefixes\' family, the same verdict as the runtime', () => {
    const c = V.check.nexthopsOrEmpty;
    assert.equal(c('10.1.1.2, 10.1.1.3', '1.1.1.1/32'), null);
    assert.equal(c('2001:db8::2', '2001:db8:1::/48'), null);
    assert.equal(c('2001:db8::2', '1.1.1.1/32'), 'Next hop 2001:db8::2 is IPv6 but prefix 1.1.1.1/32 is IPv4');
    assert.equal(c('10.1.1.2', '1.1.1.1/32 2001:db8::/64'), 'Next hop 10.1.1.2 is IPv4 but prefix 2001:db8::/64 is IPv6');
    assert.equal(c('10.1.1.2 10.1.1.2', ''), '10.1.1.2 is given twice');
    assert.equal(c('10.1.1', ''), '10.1.1 is not an IP address');
    for (const text of ['10.1.1.2', '10.01.1.2', '2001:db8::2', 'fe80::1%eth0', 'x', '1.2.3.4/32', '::ffff:10.1.1.2']) {
      const family = text.includes(':') ? 'inet6' : 'inet';
      let runtimeOk = true;
      try {
        parseNexthop(text, family, family === 'inet' ? '1.1.1.1/32' : '2001:db8::/64');
      } catch {
        runtimeOk = false;
      }
      assert.equal(c(text, '') === null, runtimeOk, text);
    }
  });

  it('table: a table name that holds the prefixes\' family; app id', () => {
    assert.equal(V.check.tableOrEmpty('', '1.1.1.1/32'), null);
    assert.equal(V.check.tableOrEmpty('VRF-A.inet.0', '1.1.1.1/32'), null);
    assert.equal(V.check.tableOrEmpty('inet6.0', '1.1.1.1/32'), 'Table inet6.0 does not hold IPv4 prefix 1.1.1.1/32');
    assert.equal(V.check.tableOrEmpty('inet.0', '2001:db8::/64'), 'Table inet.0 does not hold IPv6 prefix 2001:db8::/64');
    assert.match(String(V.check.tableOrEmpty('bad table', '')), /not a routing table name/);
    assert.equal(V.check.appIdOrEmpty('111:222'), null);
    assert.notEqual(V.check.appIdOrEmpty('x'.repeat(129)), null);
  });

  it('host: the same verdict as the Test connection endpoint', () => {
    const cases = [
      '127.0.0.1', '10.0.0.1', '::1', '2001:db8::1', 'fe80::1%eth0', '::ffff:1.2.3.4', 'router', 'r0.lab.example', 'r0.lab.example.',
      'r_1', 'mx960-re0', '-bad', 'bad-', 'a..b', '.a', '1.2.3.999', '1.2.3', '10.1', '1.2.3.04', '1.2.3.4.5', '127.0.0.1:9090',
      '[::1]', 'bad host', 'x'.repeat(63), 'x'.repeat(64), `${'a'.repeat(60)}.`.repeat(4) + 'b', 'ünïcode', 'a/b',
    ];
    for (const h of cases) assert.equal(V.isHost(h), isValidHost(h), h);
    assert.equal(V.check.host(''), 'Required');
    assert.equal(V.check.host('127.0.0.1:9090'), 'Not a host name or IP address (no port, no brackets: put the port in Port)');
  });

  it('topic filter: the same verdict as the runtime', () => {
    for (const topic of ['/junos/events/syslog/SNMPD_RMON_EVENTLOG', '/junos/#', '#', '+', '/junos/+/SNMPD_RMON_EVENTLOG', '/junos/a#', '/junos/#/x', '/junos/a+', '+a/b', '//', '/']) {
      assert.equal(V.check.topicFilter(topic) === null, validateTopicFilter(topic) === null, topic);
    }
    assert.equal(V.check.topicFilter(''), 'Required');
    assert.match(String(V.check.topicFilter('/junos/a#')), /"#" must be a whole level and the last one/);
    assert.match(String(V.check.topicFilter('/junos/a+')), /"\+" must be a whole level/);
  });

  it('threshold: falling below rising in sample mode, the same verdict as the runtime', () => {
    const def = defs['jet-threshold'];
    const cases: Array<Record<string, unknown>> = [
      { mode: 'sample', rising: '100', falling: '200' },
      { mode: 'sample', rising: '100', falling: '100' },
      { mode: 'sample', rising: '100', falling: '99.5' },
      { mode: 'sample', rising: '100', falling: '' },
      { mode: 'sample', rising: '', falling: '2000' },
      { mode: 'sample', rising: '', falling: '1000' },
      { mode: 'sample', rising: '-5', falling: '-10' },
      { mode: 'sample', rising: '1e3', falling: '999' },
      { mode: 'event', rising: '100', falling: '200' },
      { mode: 'sample', rising: '100', falling: 'low' },
      { mode: 'sample', rising: '100', falling: '50', holdDown: '-1' },
      { mode: 'sample', rising: '100', falling: '50', holdDown: '2.5' },
    ];
    for (const props of cases) {
      const editorOk = Object.keys(problems(def, fresh(def, props))).length === 0;
      let runtimeOk = true;
      try {
        thresholdConfig(props);
      } catch {
        runtimeOk = false;
      }
      assert.equal(editorOk, runtimeOk, JSON.stringify(props));
    }
    assert.equal(validateProp(def, fresh(def, { mode: 'sample', rising: '100', falling: '200' }), 'falling'), 'Falling (200) must be below rising (100)');
  });

  it('router: host, ports 1..65535, timeout ≥ 1 s, queue', () => {
    const def = defs['jet-router'];
    assert.deepEqual(problems(def, fresh(def, { host: '10.0.0.1' })), {});
    assert.deepEqual(problems(def, fresh(def, { host: '10.0.0.1', port: '', requestTimeout: '', queueLimit: '', notificationPort: '' })), {});
    const bad = problems(def, fresh(def, { host: 'r0:9090', port: '0', requestTimeout: '0', queueLimit: '-1', notificationHost: 'a b', notificationPort: '65536' }));
    assert.deepEqual(Object.keys(bad).sort(), ['host', 'notificationHost', 'notificationPort', 'port', 'queueLimit', 'requestTimeout']);
    assert.equal(bad.port, 'A whole number 1..65535');
    assert.equal(bad.requestTimeout, 'A whole number 1..3600');
    assert.equal(validateProp(def, fresh(def, { host: 'r0', requestTimeout: '1.5' }), 'requestTimeout'), 'A whole number 1..3600');
  });

  it('router: api grpc / thrift / none (a flow saved before gRPC); purge time 1..1000 s (RoutePurgeTimerAdd\'s range) for gRPC only', () => {
    const def = defs['jet-router'];
    // '' is the legacy value (Thrift at run time), so that filling in defaults never makes an old node gRPC.
    assert.equal(def.defaults.api.value, '');
    assert.equal(def.defaults.port.value, '', 'empty port: the API\'s default');
    for (const api of ['grpc', 'thrift', '', undefined]) assert.deepEqual(problems(def, fresh(def, { host: 'r0', api })), {}, String(api));
    assert.deepEqual(problems(def, fresh(def, { host: 'r0', api: 'GRPC' })), { api: 'gRPC or Thrift' });
    for (const purgeTime of ['', '1', '60', '120', '1000']) assert.deepEqual(problems(def, fresh(def, { host: 'r0', api: 'grpc', purgeTime })), {}, purgeTime);
    for (const purgeTime of ['-1', '0', '1001', '86400', '2.5', 'x']) {
      assert.deepEqual(
        problems(def, fresh(def, { host: 'r0', api: 'grpc', purgeTime })),
        { purgeTime: 'A whole number of seconds 1..1000; empty: the router\'s default (120 s)' },
        purgeTime,
      );
      // Thrift has no purge time: the row is hidden and the runtime ignores it, so it is not marked.
      assert.deepEqual(problems(def, fresh(def, { host: 'r0', api: 'thrift', purgeTime })), {}, purgeTime);
      assert.deepEqual(problems(def, fresh(def, { host: 'r0', purgeTime })), {}, purgeTime);
    }
  });

  it('route nodes and rmon event: preference / metric / indexes non-negative whole numbers; cross-field checks read the node', () => {
    const add = defs['jet-route-add'];
    const bad = problems(add, fresh(add, { router: 'r1', preference: '-1', metric: '2.5', prefixes: '1.1.1.1/32', nexthops: '2001:db8::1', table: 'inet6.0' }));
    assert.deepEqual(Object.keys(bad).sort(), ['metric', 'nexthops', 'preference', 'table']);
    assert.equal(bad.nexthops, 'Next hop 2001:db8::1 is IPv6 but prefix 1.1.1.1/32 is IPv4');
    const rmon = defs['jet-rmon-event'];
    const r = problems(rmon, fresh(rmon, { router: 'r1', ifIndex: '-1', alarmIndex: 'x', eventIndex: '541', topic: '/junos/#/x' }));
    assert.deepEqual(Object.keys(r).sort(), ['alarmIndex', 'ifIndex', 'topic']);
  });

  it('a node dropped on a fresh canvas needs only its router (the router only its host)', () => {
    for (const type of TYPES) {
      const def = defs[type];
      const missing = Object.keys(problems(def, fresh(def)));
      assert.deepEqual(missing, type === 'jet-router' ? ['host'] : type === 'jet-threshold' ? [] : ['router'], type);
    }
  });

  it('validators take (value, opt), so Node-RED 3.1+ shows their message; 3.0 gets false', () => {
    for (const type of TYPES) {
      for (const [prop, p] of Object.entries(defs[type].defaults)) {
        if (p.validate) assert.equal(p.validate.length, 2, `${type}.${prop}`);
      }
    }
    const old = loadEditor('3.0.2');
    const add = old.defs['jet-route-add'];
    assert.equal(validateProp(add, fresh(add, { prefixes: '1.1.1.1/24' }), 'prefixes'), false);
    assert.equal(validateProp(add, fresh(add, { prefixes: '1.1.1.0/24' }), 'prefixes'), true);
  });

  it('labels: add … via …, delete …, rmon ifIndex … rising, threshold …; palette labels from the catalogs', () => {
    const label = (type: string, props: Record<string, unknown> = {}): string => defs[type].label.call(fresh(defs[type], props));
    assert.equal(label('jet-route-add', { prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }), 'add 1.1.1.1/32 via 10.1.1.2');
    assert.equal(label('jet-route-add', { prefixes: '1.1.1.1/32' }), 'add 1.1.1.1/32');
    assert.equal(label('jet-route-add'), 'route add');
    assert.equal(label('jet-route-add', { name: 'to backup', prefixes: '1.1.1.1/32' }), 'to backup');
    assert.equal(label('jet-route-delete', { prefixes: '1.1.1.1/32' }), 'delete 1.1.1.1/32');
    assert.equal(label('jet-route-delete'), 'route delete');
    assert.equal(label('jet-rmon-event', { ifIndex: '541', direction: 'rising' }), 'rmon ifIndex 541 rising');
    assert.equal(label('jet-rmon-event', { ifIndex: 541, subtag: 'IFINDEX541' }), 'rmon ifIndex 541 IFINDEX541');
    assert.equal(label('jet-rmon-event'), 'rmon event');
    assert.equal(label('jet-threshold', { mode: 'sample', rising: '1024', falling: '1023' }), 'threshold 1024 / 1023');
    assert.equal(label('jet-threshold', { mode: 'sample' }), 'threshold 1024');
    assert.equal(label('jet-threshold'), 'threshold state');
    assert.equal(label('jet-router', { host: '10.0.0.1', port: '9090' }), '10.0.0.1:9090');
    assert.equal(label('jet-router'), 'router:9090');
    assert.equal(label('jet-router', { api: 'grpc' }), 'router:32767');
    assert.equal(label('jet-router', { host: '10.0.0.1', api: 'grpc', port: '40051' }), '10.0.0.1:40051');
    assert.equal(label('jet-router', { host: '10.0.0.1', api: 'thrift', port: '' }), '10.0.0.1:9090');
    const palette = (type: string): string => {
      const p = defs[type].paletteLabel;
      return typeof p === 'function' ? p.call(defs[type]) : String(p);
    };
    assert.deepEqual(TYPES.map(palette), TYPES.map((t) => ({ 'jet-router': 'jet router', 'jet-rmon-event': 'rmon event', 'jet-threshold': 'threshold', 'jet-route-add': 'route add', 'jet-route-delete': 'route delete', 'jet-command': 'command' })[t]));
    const th = defs['jet-threshold'];
    assert.deepEqual([0, 1, 2].map((i) => th.outputLabels!.call(fresh(th), i)), ['rising (to high)', 'falling (to low)', 'no change']);
  });
});
