/**
 * The Junos command builder (lib/junos/config-commands.ts) that the jet-router and jet-rmon-event
 * dialogs show: the router's JET service (gRPC clear text, gRPC TLS with and without mutual
 * authentication, Thrift), max-connections, routing instance, allow-clients, the RMON alarm and
 * event exactly as the README's example for the defaults, and the validation. The dialogs run this
 * very module (bundled into the editor script by the build: checked at the end).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import * as builder from '../../../lib/junos/config-commands';
import { clientPrefix, rmonConfig, rmonReplaceConfig, routerConfig } from '../../../lib/junos/config-commands';
import { DEFAULT_NOTIFICATION_PORT, DEFAULT_PORTS } from '../../../lib/core/defaults';
import { apiOf } from '../../../lib/core/backend';
import { ROOT } from '../../support/paths';

const S = 'set system services extension-service';

/** A fenced block of README.md's "Pointing it at a real router" that starts with `first`. */
function readmeBlock(first: string): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]).find((b) => b.startsWith(first));
  assert.ok(block, `README block starting ${first}`);
  return block.trim().split('\n');
}

const codes = (r: { errors: Array<{ field: string; code: string }> }): string[] => r.errors.map((e) => `${e.field}:${e.code}`);
const noteCodes = (r: { notes: Array<{ code: string }> }): string[] => r.notes.map((n) => n.code);

describe('Junos configuration commands (lib/junos/config-commands)', function () {
  describe('jet-router', function () {
    it('gRPC clear text, defaults: the README lines, allow-clients for this Node-RED /32', () => {
      const r = routerConfig({ api: 'grpc', host: '192.0.2.1', port: '', clientAddress: '192.0.2.10' });
      const readme = readmeBlock(`${S} request-response grpc clear-text`);
      assert.deepEqual(r.lines, readme.map((l) => l.replace('<node-red-ip>', '192.0.2.10')));
      assert.deepEqual(r.lines, [
        `${S} request-response grpc clear-text port 32767`,
        `${S} request-response grpc max-connections 8`,
        `${S} notification allow-clients address 192.0.2.10/32`,
      ]);
      assert.equal(r.text, `${r.lines.join('\n')}\n`);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.notes, []);
      assert.equal(builder.DEFAULT_PORTS.grpc, DEFAULT_PORTS.grpc, 'the runtime\'s default ports');
      assert.equal(builder.DEFAULT_PORTS.thrift, DEFAULT_PORTS.thrift);
      // Not a copy: lib/core/defaults.ts's own values (and lib/core/backend.ts's apiOf).
      assert.equal(builder.DEFAULT_PORTS, DEFAULT_PORTS);
      assert.equal(builder.DEFAULT_NOTIFICATION_PORT, DEFAULT_NOTIFICATION_PORT);
      assert.equal(builder.apiOf, apiOf);
    });

    it('custom port, max-connections, management routing instance', () => {
      const r = routerConfig({ api: 'grpc', port: ' 40051 ', maxConnections: '12', routingInstance: 'mgmt_junos', clientAddress: '198.51.100.7' });
      assert.deepEqual(r.lines, [
        `${S} request-response grpc clear-text port 40051`,
        `${S} request-response grpc max-connections 12`,
        `${S} request-response grpc routing-instance mgmt_junos`,
        `${S} notification allow-clients address 198.51.100.7/32`,
      ]);
      // Numbers as the flow may store them.
      assert.deepEqual(routerConfig({ api: 'grpc', port: 32768, maxConnections: 30, clientAddress: '198.51.100.7' }).lines.slice(0, 2), [
        `${S} request-response grpc clear-text port 32768`,
        `${S} request-response grpc max-connections 30`,
      ]);
    });

    it('gRPC over TLS: ssl port and local certificate, the README lines; the mutual-authentication line only when asked', () => {
      const readme = readmeBlock(`${S} request-response grpc ssl port`);
      const tls = routerConfig({ api: 'grpc', useTls: true, certificate: 'jet-cert', clientAddress: '192.0.2.10' });
      assert.deepEqual(tls.lines, [readme[0], readme[1].replace('<name>', 'jet-cert'), `${S} request-response grpc max-connections 8`, `${S} notification allow-clients address 192.0.2.10/32`]);
      assert.deepEqual(tls.notes, []);
      const mutual = routerConfig({ api: 'grpc', useTls: true, certificate: 'jet-cert', mutualAuth: true, caProfile: 'jet-ca', clientAddress: '192.0.2.10' });
      assert.deepEqual(mutual.lines.slice(0, 3), [readme[0], readme[1].replace('<name>', 'jet-cert'), readme[2].replace('<ca-profile>', 'jet-ca')]);
      assert.equal(mutual.lines[2], `${S} request-response grpc ssl mutual-authentication certificate-authority jet-ca client-certificate-request require-certificate-and-verify`);
      // Names not typed yet: placeholders, each with a note saying what to put there.
      const bare = routerConfig({ api: 'grpc', useTls: true, mutualAuth: true, port: '50051', clientAddress: '192.0.2.10' });
      assert.deepEqual(bare.lines.slice(0, 3), [
        `${S} request-response grpc ssl port 50051`,
        `${S} request-response grpc ssl local-certificate <certificate-name>`,
        `${S} request-response grpc ssl mutual-authentication certificate-authority <ca-profile> client-certificate-request require-certificate-and-verify`,
      ]);
      assert.deepEqual(noteCodes(bare), ['certificate', 'caProfile']);
      assert.deepEqual(bare.errors, []);
      // Mutual authentication without TLS means nothing: clear text.
      assert.equal(routerConfig({ api: 'grpc', mutualAuth: true, clientAddress: '192.0.2.10' }).lines[0], `${S} request-response grpc clear-text port 32767`);
    });

    it('Thrift (Junos up to 16.1), also for a router saved before gRPC (api empty): the README lines on the management address', () => {
      const readme = readmeBlock(`${S} thrift request-response clear-text`);
      for (const api of ['thrift', '', undefined, null]) {
        const r = routerConfig({ api, host: '192.0.2.1', port: '', clientAddress: '192.0.2.10' });
        assert.deepEqual(r.lines, readme.map((l) => l.replace(/<mgmt-ip>/g, '192.0.2.1')), String(api));
        assert.deepEqual(r.errors, []);
        assert.deepEqual(noteCodes(r), ['thriftSpelling']);
      }
      // A port other than 9090, TLS, an IPv6 host, a host name (placeholder, noted).
      assert.deepEqual(routerConfig({ api: 'thrift', host: '192.0.2.1', port: '9091' }).lines.slice(0, 3), [
        `${S} thrift request-response clear-text address 192.0.2.1`,
        `${S} thrift request-response clear-text port 9091`,
        `${S} thrift request-response max-connection 8`,
      ]);
      assert.deepEqual(routerConfig({ api: 'thrift', host: '2001:DB8::1', useTls: true, certificate: 'c1' }).lines, [
        `${S} thrift request-response ssl address 2001:db8::1`,
        `${S} thrift request-response ssl port 9090`,
        `${S} thrift request-response ssl local-certificate c1`,
        `${S} thrift request-response max-connection 8`,
        `${S} notification-server address 2001:db8::1`,
      ]);
      const named = routerConfig({ api: 'thrift', host: 'r0.lab' });
      assert.equal(named.lines[0], `${S} thrift request-response clear-text address <mgmt-ip>`);
      assert.equal(named.lines[named.lines.length - 1], `${S} notification-server address <mgmt-ip>`);
      assert.deepEqual(named.notes[0], { field: 'host', code: 'hostName', params: { value: 'r0.lab', placeholder: '<mgmt-ip>' } });
      assert.equal(routerConfig({ api: 'thrift', host: '' }).notes[0].code, 'hostMissing');
      // No routing instance and no allow-clients on Thrift.
      assert.ok(routerConfig({ api: 'thrift', host: '192.0.2.1', routingInstance: 'mgmt_junos' }).lines.every((l) => !/routing-instance|allow-clients/.test(l)));
    });

    it('allow-clients: IPv4 /32, IPv6 /128, a prefix as given, URL brackets dropped; a name or nothing is a placeholder with a note', () => {
      const allow = (clientAddress: unknown): string => routerConfig({ api: 'grpc', clientAddress: clientAddress as string }).lines.slice(-1)[0];
      assert.equal(allow('192.0.2.10'), `${S} notification allow-clients address 192.0.2.10/32`);
      assert.equal(allow(' 2001:db8::10 '), `${S} notification allow-clients address 2001:db8::10/128`);
      assert.equal(allow('2001:DB8:0:0:0:0:0:10'), `${S} notification allow-clients address 2001:db8:0:0:0:0:0:10/128`);
      assert.equal(allow('[2001:db8::10]'), `${S} notification allow-clients address 2001:db8::10/128`);
      assert.equal(allow('::ffff:192.0.2.10'), `${S} notification allow-clients address ::ffff:192.0.2.10/128`);
      assert.equal(allow('192.0.2.0/24'), `${S} notification allow-clients address 192.0.2.0/24`);
      assert.equal(allow('2001:db8::/64'), `${S} notification allow-clients address 2001:db8::/64`);
      for (const [value, code] of [['', 'clientMissing'], [undefined, 'clientMissing'], ['localhost', 'clientName'], ['nodered.lab.example', 'clientName']] as const) {
        const r = routerConfig({ api: 'grpc', clientAddress: value });
        assert.equal(r.lines.slice(-1)[0], `${S} notification allow-clients address <node-red-ip>/32`, String(value));
        assert.deepEqual(noteCodes(r), [code]);
        assert.deepEqual(r.errors, []);
      }
      // Loopback (the browser on the Node-RED machine): kept, with a note that the router sees another address.
      for (const lo of ['127.0.0.1', '::1', '0:0:0:0:0:0:0:1']) {
        const r = routerConfig({ api: 'grpc', clientAddress: lo });
        assert.deepEqual(noteCodes(r), ['clientLoopback'], lo);
        assert.deepEqual(clientPrefix(lo), { prefix: `${lo}/${lo.includes(':') ? 128 : 32}`, loopback: true });
      }
      assert.deepEqual(clientPrefix('192.0.2.1'), { prefix: '192.0.2.1/32', loopback: false });
    });

    it('validation errors: no commands, each error names its field', () => {
      const bad = (input: Parameters<typeof routerConfig>[0], expected: string[]): void => {
        const r = routerConfig({ api: 'grpc', clientAddress: '192.0.2.10', ...input });
        assert.deepEqual(codes(r), expected, JSON.stringify(input));
        assert.deepEqual(r.lines, []);
        assert.equal(r.text, '');
      };
      for (const port of ['0', '65536', '1.5', 'x', '-1', '1e3']) bad({ port }, ['port:port']);
      for (const maxConnections of ['0', '31', 'many', '2.5']) bad({ maxConnections }, ['maxConnections:maxConnections']);
      bad({ notificationPort: '70000' }, ['notificationPort:port']);
      bad({ useTls: true, certificate: 'my cert' }, ['certificate:name']);
      bad({ useTls: true, certificate: 'c', mutualAuth: true, caProfile: 'ca;rm' }, ['caProfile:name']);
      bad({ routingInstance: 'mgmt junos' }, ['routingInstance:name']);
      for (const clientAddress of ['192.0.2.300', '2001:db8:::1', '192.0.2.1/33', '2001:db8::/129', '10.0.0.1/x', 'host name']) {
        const r = routerConfig({ api: 'grpc', clientAddress });
        assert.equal(r.errors.length, 1, clientAddress);
        assert.equal(r.errors[0].field, 'clientAddress');
        assert.match(r.errors[0].code, /^client(Address|PrefixLength)$/);
      }
      bad({ port: '0', maxConnections: '99' }, ['port:port', 'maxConnections:maxConnections']);
    });

    it('a notification port other than 1883 is noted; the commands stand', () => {
      const r = routerConfig({ api: 'grpc', clientAddress: '192.0.2.10', notificationPort: '1884' });
      assert.equal(r.lines.length, 3);
      assert.deepEqual(r.notes, [{ field: 'notificationPort', code: 'notificationPort', params: { port: 1884, default: 1883 } }]);
      assert.deepEqual(routerConfig({ api: 'grpc', clientAddress: '192.0.2.10', notificationPort: 1883 }).notes, []);
    });
  });

  describe('jet-rmon-event', function () {
    it('defaults: exactly the README\'s RMON example for ifIndex 541', () => {
      const r = rmonConfig({ ifIndex: '541' });
      assert.deepEqual(r.lines, readmeBlock('set snmp rmon alarm 1 interval 1'));
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.notes, []);
      // Empty strings are the defaults too, and numbers work as the flow may store them.
      assert.deepEqual(rmonConfig({ ifIndex: 541, alarmIndex: '', eventIndex: '', subtag: '', interval: '', sampleType: '', rising: '', falling: '' }).lines, r.lines);
    });

    it('alarm and event index, subtag, interval, delta sampling, thresholds from the inputs', () => {
      const r = rmonConfig({ ifIndex: '17', alarmIndex: '3', eventIndex: '40', subtag: 'GE000', interval: '5', sampleType: 'delta-value', rising: '2000000', falling: '-5' });
      assert.deepEqual(r.lines, [
        'set snmp rmon alarm 3 interval 5',
        'set snmp rmon alarm 3 variable ifIn1SecRate.17',
        'set snmp rmon alarm 3 sample-type delta-value',
        'set snmp rmon alarm 3 request-type get-request',
        'set snmp rmon alarm 3 rising-threshold 2000000',
        'set snmp rmon alarm 3 falling-threshold -5',
        'set snmp rmon alarm 3 rising-event-index 40',
        'set snmp rmon alarm 3 falling-event-index 40',
        'set snmp rmon alarm 3 syslog-subtag GE000',
        'set snmp rmon event 40 type log-and-trap',
      ]);
      assert.deepEqual(noteCodes(r), ['delta']);
      assert.equal(rmonConfig({ ifIndex: '17', sampleType: 'absolute' }).lines[2], 'set snmp rmon alarm 1 sample-type absolute-value');
      assert.equal(rmonConfig({ ifIndex: '17' }).lines[8], 'set snmp rmon alarm 1 syslog-subtag IFINDEX17');
    });

    it('the variable: a MIB object name, the ifIndex added as its instance; empty is ifIn1SecRate', () => {
      assert.deepEqual(rmonConfig({ ifIndex: '541', variable: '' }).lines, rmonConfig({ ifIndex: '541' }).lines);
      assert.deepEqual(rmonConfig({ ifIndex: '541', variable: 'ifIn1SecRate' }).lines, rmonConfig({ ifIndex: '541' }).lines);
      assert.equal(rmonConfig({ ifIndex: '541', variable: ' ifOut1SecRate ' }).lines[1], 'set snmp rmon alarm 1 variable ifOut1SecRate.541');
      for (const variable of ['ifIn1SecRate.541', '1.3.6.1', 'if In', 'x'.repeat(65)]) {
        const r = rmonConfig({ ifIndex: '541', variable });
        assert.deepEqual(codes(r), ['variable:variable'], variable);
        assert.deepEqual(r.errors[0].params, { value: variable.trim() });
      }
    });

    it('validation: ifIndex required, falling below rising, indexes 1..65535, subtag upper case', () => {
      const bad = (input: Parameters<typeof rmonConfig>[0], expected: string[]): void => {
        const r = rmonConfig(input);
        assert.deepEqual(codes(r), expected, JSON.stringify(input));
        assert.deepEqual(r.lines, []);
        assert.equal(r.text, '');
      };
      bad({}, ['ifIndex:ifIndexMissing']);
      bad({ ifIndex: ' ' }, ['ifIndex:ifIndexMissing']);
      for (const ifIndex of ['0', '-1', 'ge-0/0/0.0', '1.5', '2147483648']) bad({ ifIndex }, ['ifIndex:ifIndex']);
      bad({ ifIndex: '541', rising: '1024', falling: '1024' }, ['falling:falling']);
      bad({ ifIndex: '541', rising: '100' }, ['falling:falling']);
      bad({ ifIndex: '541', falling: '2000' }, ['falling:falling']);
      assert.deepEqual(rmonConfig({ ifIndex: '541', rising: '1024', falling: '1024' }).errors[0].params, { falling: 1024, rising: 1024 });
      bad({ ifIndex: '541', rising: 'lots' }, ['rising:integer']);
      bad({ ifIndex: '541', falling: '1.5' }, ['falling:integer']);
      bad({ ifIndex: '541', alarmIndex: '0' }, ['alarmIndex:index']);
      bad({ ifIndex: '541', alarmIndex: '65536' }, ['alarmIndex:index']);
      bad({ ifIndex: '541', eventIndex: '70000' }, ['eventIndex:index']);
      // An ifIndex above 65535 is fine, but then the event index must be typed.
      bad({ ifIndex: '70000' }, ['eventIndex:eventIndexDefault']);
      assert.deepEqual(rmonConfig({ ifIndex: '70000', eventIndex: '7' }).errors, []);
      bad({ ifIndex: '541', interval: '0' }, ['interval:integer']);
      bad({ ifIndex: '541', sampleType: 'average' }, ['sampleType:sampleType']);
      bad({ ifIndex: '541', subtag: 'ifindex541' }, ['subtag:subtag']);
      bad({ ifIndex: '541', subtag: 'TWO WORDS' }, ['subtag:subtag']);
      bad({ ifIndex: '541', subtag: 'X'.repeat(81) }, ['subtag:subtag']);
    });

    it('replace: delete exactly the alarm and the event, then the same set lines; a delete left out for what is known absent', () => {
      const settings = { ifIndex: '17', alarmIndex: '3', eventIndex: '40', rising: '2000', falling: '100' };
      const set = rmonConfig(settings);
      const r = rmonReplaceConfig(settings);
      assert.deepEqual(r.lines, ['delete snmp rmon alarm 3', 'delete snmp rmon event 40', ...set.lines]);
      assert.equal(r.text, `${r.lines.join('\n')}\n`);
      assert.deepEqual([r.errors, r.notes], [set.errors, set.notes]);
      assert.ok(r.lines.every((l) => /^(delete|set) snmp rmon (alarm 3|event 40)( |$)/.test(l)), 'nothing but alarm 3 and event 40');
      assert.deepEqual(rmonReplaceConfig(settings, { alarm: true, event: false }).lines.slice(0, 2), ['delete snmp rmon alarm 3', set.lines[0]]);
      assert.deepEqual(rmonReplaceConfig(settings, { alarm: false, event: true }).lines.slice(0, 2), ['delete snmp rmon event 40', set.lines[0]]);
      assert.deepEqual(rmonReplaceConfig(settings, { alarm: false, event: false }).lines, set.lines);
      // Defaults: alarm 1, event = ifIndex; notes carried; errors: no lines at all.
      assert.deepEqual(rmonReplaceConfig({ ifIndex: 541 }).lines.slice(0, 2), ['delete snmp rmon alarm 1', 'delete snmp rmon event 541']);
      assert.deepEqual(noteCodes(rmonReplaceConfig({ ifIndex: 541, sampleType: 'delta' })), ['delta']);
      const refused = rmonReplaceConfig({ ifIndex: '541', rising: '10', falling: '10' });
      assert.deepEqual([refused.lines, refused.text, codes(refused)], [[], '', ['falling:falling']]);
    });
  });

  it('is what the editor runs: the editor bundle (resources/jet-editor.js) is built from this module and carries it, as window.JetEditor.junos', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'editor', 'jet-editor.meta.json'), 'utf8')) as { inputs: Record<string, { bytes: number }> };
    const source = 'lib/junos/config-commands.ts';
    assert.ok(meta.inputs[source], 'bundled');
    assert.equal(meta.inputs[source].bytes, fs.statSync(path.join(ROOT, source)).size, 'from this very source');
    const bundle = fs.readFileSync(path.join(ROOT, 'resources', 'jet-editor.js'), 'utf8');
    assert.ok(bundle.includes(`// ${source}\n`), 'its code in the bundle');
    // Run as the browser does, with nothing but a window: same answers as the module here.
    const sandbox: Record<string, unknown> = {};
    sandbox.window = sandbox;
    vm.createContext(sandbox);
    vm.runInContext(bundle, sandbox);
    const inEditor = (sandbox.JetEditor as { junos: typeof builder }).junos;
    assert.deepEqual(Object.keys(inEditor).sort(), Object.keys(builder).sort());
    const input = { api: 'grpc', useTls: true, certificate: 'c', clientAddress: '2001:db8::5', routingInstance: 'mgmt_junos' };
    assert.deepEqual(JSON.parse(JSON.stringify(inEditor.routerConfig(input))), routerConfig(input));
    assert.deepEqual(JSON.parse(JSON.stringify(inEditor.rmonConfig({ ifIndex: '541' }))), rmonConfig({ ifIndex: '541' }));
    assert.deepEqual(JSON.parse(JSON.stringify(inEditor.rmonReplaceConfig({ ifIndex: '541' }))), rmonReplaceConfig({ ifIndex: '541' }));
  });
});
