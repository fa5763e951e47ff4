/**
 * The SNMP ifIndex of an interface from `show interfaces <name>` (lib/junos/interfaces.ts), in the
 * three formats Junos answers in (samples in test/support/junos-samples.ts), IFL and IFD, errors in
 * the router's words, and output streamed in pieces.
 */
import { strict as assert } from 'assert';
import {
  interfaceInformationRpc,
  interfaceKind,
  isInterfaceName,
  lookupFailure,
  parseInterfaceIndex,
  showInterfacesCommand,
} from '../../../lib/junos/interfaces';
import * as S from '../../support/junos-samples';

const found = (ifIndex: number, kind: 'logical' | 'physical', name: string): unknown => ({ found: true, name, kind, ifIndex });

describe('interface lookup (lib/junos/interfaces)', function () {
  it('an IFL: its own snmp-index, in JSON, XML and CLI text', () => {
    for (const [format, output] of [['json', S.IFL_JSON], ['xml', S.IFL_XML], ['cli', S.IFL_CLI]]) {
      assert.deepEqual(parseInterfaceIndex(output, 'ge-0/0/0.0'), found(541, 'logical', 'ge-0/0/0.0'), format);
    }
  });

  it("an IFD: the physical interface's own snmp-index, not its unit's; the unit from the same answer", () => {
    for (const [format, output] of [['json', S.IFD_JSON], ['xml', S.IFD_XML], ['cli', S.IFD_CLI], ['cli detail', S.IFD_CLI_DETAIL]]) {
      assert.deepEqual(parseInterfaceIndex(output, 'ge-0/0/0'), found(513, 'physical', 'ge-0/0/0'), format);
      assert.deepEqual(parseInterfaceIndex(output, 'ge-0/0/0.0'), found(541, 'logical', 'ge-0/0/0.0'), format);
    }
  });

  it('the name is compared trimmed and without case; the answer gives the name as the router writes it', () => {
    assert.deepEqual(parseInterfaceIndex(S.IFL_JSON, ' GE-0/0/0.0 '), found(541, 'logical', 'ge-0/0/0.0'));
    assert.deepEqual(parseInterfaceIndex(S.IFL_CLI, 'GE-0/0/0.0'), found(541, 'logical', 'ge-0/0/0.0'));
  });

  it("an unknown interface: not-found in the router's words, from CLI text, XML rpc-error, an error line before JSON", () => {
    const expected = { found: false, reason: 'not-found', message: 'error: device ge-9/9/9 not found' };
    assert.deepEqual(parseInterfaceIndex(S.NOT_FOUND_CLI, 'ge-9/9/9'), expected);
    assert.deepEqual(parseInterfaceIndex(S.NOT_FOUND_XML, 'ge-9/9/9'), expected);
    assert.deepEqual(parseInterfaceIndex(`${S.NOT_FOUND_CLI}{}`, 'ge-9/9/9'), expected);
    // The old xnm:error form.
    const xnm = '<xnm:error xmlns="http://xml.juniper.net/xnm/1.1/xnm" xmlns:xnm="http://xml.juniper.net/xnm/1.1/xnm"><token>ge-9/9/9</token><message>device ge-9/9/9 not found</message></xnm:error>';
    assert.deepEqual(parseInterfaceIndex(xnm, 'ge-9/9/9'), expected);
    // Another error is a router-error, still in its words; a warning is no error.
    assert.deepEqual(parseInterfaceIndex('error: permission denied\n', 'ge-0/0/0.0'), { found: false, reason: 'router-error', message: 'error: permission denied' });
    const warned = S.IFL_XML.replace('<cli>', '<rpc-error><error-severity>warning</error-severity><error-message>slow</error-message></rpc-error><cli>');
    assert.equal(parseInterfaceIndex(warned, 'ge-0/0/0.0').found, true);
  });

  it("a failed call's status message: lookupFailure types it", () => {
    assert.deepEqual(lookupFailure('error: device ge-9/9/9 not found'), { found: false, reason: 'not-found', message: 'error: device ge-9/9/9 not found' });
    assert.deepEqual(lookupFailure(' device xe-1/1/1 does not exist\n'), { found: false, reason: 'not-found', message: 'device xe-1/1/1 does not exist' });
    assert.equal(lookupFailure('Authorization failed').reason, 'router-error');
  });

  it('an answer without an SNMP ifIndex (cRPD) is no-index; an answer about other interfaces is unreadable', () => {
    assert.deepEqual(parseInterfaceIndex(S.CRPD_CLI, 'ge-0/0/1.0'), { found: false, reason: 'no-index', message: "the router's answer for ge-0/0/1.0 has no SNMP ifIndex" });
    assert.equal(parseInterfaceIndex(S.CRPD_CLI, 'ge-0/0/1').found, false);
    assert.equal(parseInterfaceIndex(S.IFL_JSON.replace('"541"', '"0"'), 'ge-0/0/0.0').found, false);
    assert.equal(parseInterfaceIndex(S.IFL_JSON.replace('"541"', '"x"'), 'ge-0/0/0.0').found, false);
    const other = parseInterfaceIndex(S.IFD_JSON, 'ge-0/0/1');
    assert.deepEqual(other, { found: false, reason: 'unreadable', message: "the router's answer lists ge-0/0/0, ge-0/0/0.0, not ge-0/0/1" });
    assert.equal(parseInterfaceIndex(S.IFD_CLI, 'ge-0/0/1').found, false);
  });

  it('never throws on whatever arrives: garbage, empty, cut, other JSON, binary', () => {
    const inputs = ['', ' ', '{', '<', '<a', '{"interface-information": 5}', '[]', 'null', '{"a":[{"data":[null]}]}', S.IFL_JSON.slice(0, 300), S.IFL_XML.slice(0, 300), '\u0000\uffff', '<<<>>>', '}{'];
    for (const input of inputs) {
      const r = parseInterfaceIndex(input, 'ge-0/0/0.0');
      assert.equal(r.found, false, JSON.stringify(input));
    }
    // Cut JSON is never read piecemeal: the inner unit of a cut IFD answer does not stand for it.
    assert.equal(parseInterfaceIndex(S.IFD_JSON.slice(0, S.IFD_JSON.indexOf('{master:0}') - 10), 'ge-0/0/0.0').found, false);
  });

  it('output streamed in pieces: every split of the answers, concatenated, gives the same result', () => {
    for (const [output, name, ifIndex] of [[S.IFL_CLI, 'ge-0/0/0.0', 541], [S.IFL_XML, 'ge-0/0/0.0', 541], [S.IFD_JSON, 'ge-0/0/0', 513]] as const) {
      let n = 0;
      for (const pieces of S.splits(output, 41)) {
        const r = parseInterfaceIndex(pieces.join(''), name);
        assert.ok(r.found && r.ifIndex === ifIndex, `${name} split at ${pieces.map((p) => p.length).join('+')}`);
        n++;
      }
      assert.ok(n > output.length);
    }
  });

  it('commands: the CLI command and the XML RPC for a name; names a CLI would read as more are refused', () => {
    assert.equal(showInterfacesCommand('ge-0/0/0.0'), 'show interfaces ge-0/0/0.0');
    assert.equal(interfaceInformationRpc('xe-1/0/0:2.100'), '<get-interface-information><interface-name>xe-1/0/0:2.100</interface-name></get-interface-information>');
    for (const ok of ['ge-0/0/0.0', 'ae0', 'irb.10', 'lo0', 'xe-1/0/0:2.100', 'et-0/0/0', 'reth0.0']) assert.ok(isInterfaceName(ok), ok);
    for (const bad of ['', ' ge-0/0/0', 'ge-0/0/0 | display xml', 'ge-0/0/0;reboot', 'ge-*', '"x"', 'a b', 'x'.repeat(65), 5, null, '0ge']) {
      assert.ok(!isInterfaceName(bad), String(bad));
    }
    assert.throws(() => showInterfacesCommand('ge-0/0/0 | no-more'), RangeError);
    assert.throws(() => interfaceInformationRpc('<x>'), RangeError);
    assert.equal(interfaceKind('ge-0/0/0.0'), 'logical');
    assert.equal(interfaceKind('ge-0/0/0'), 'physical');
    assert.equal(interfaceKind('ae0'), 'physical');
  });
});
