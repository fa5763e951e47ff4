/**
 * Junos output as one tree (lib/junos/tree.ts): Junos's JSON (operational and configuration
 * dialects), lenient XML, telling the formats apart, and the router's errors in its own words.
 */
import { strict as assert } from 'assert';
import { childText, decodeEntities, escapeXml, findElements, fromJunosJson, fromXml, isInactive, JunosElement, readJunosOutput, routerErrors } from '../../../lib/junos/tree';

/** A tree as nested [name, text-trimmed, attributes, children] for compact comparisons. */
function shape(el: JunosElement): unknown {
  const attrs = Object.keys(el.attributes).length ? el.attributes : undefined;
  const kids = el.children.map(shape);
  return [el.name, el.text.trim(), ...(attrs ? [attrs] : []), ...(kids.length ? [kids] : [])];
}

describe('Junos output tree (lib/junos/tree)', function () {
  it('operational JSON: arrays of objects, {"data"} leaves, [null] flags, attributes', () => {
    const root = fromJunosJson({
      'interface-information': [
        {
          attributes: { 'junos:style': 'normal' },
          'logical-interface': [
            { name: [{ data: 'ge-0/0/0.0' }], 'snmp-index': [{ data: '541' }], flags: [{ 'iff-up': [{ data: [null] }] }] },
            { name: [{ data: 'ge-0/0/0.1', attributes: { 'junos:format': 'x' } }] },
          ],
        },
      ],
    });
    assert.deepEqual(shape(root), ['', '', [
      ['interface-information', '', { 'junos:style': 'normal' }, [
        ['logical-interface', '', [['name', 'ge-0/0/0.0'], ['snmp-index', '541'], ['flags', '', [['iff-up', '']]]]],
        ['logical-interface', '', [['name', 'ge-0/0/0.1', { 'junos:format': 'x' }]]],
      ]],
    ]]);
  });

  it('configuration JSON: objects, lists, plain values (strings or numbers), "@" and "@leaf" attributes', () => {
    const root = fromJunosJson({
      configuration: {
        '@': { 'junos:commit-user': 'lab' },
        snmp: { rmon: { alarm: [{ '@': { inactive: true }, name: 1, interval: '5', '@interval': { inactive: true }, flag: [null] }], event: [{ name: '541', community: ['a', 'b'] }] } },
      },
    });
    const [alarm] = findElements(root, ['alarm']);
    assert.deepEqual(shape(alarm), ['alarm', '', { inactive: 'inactive' }, [['name', '1'], ['interval', '5', { inactive: 'inactive' }], ['flag', '']]]);
    assert.ok(isInactive(alarm));
    assert.ok(isInactive(alarm.children[1]));
    assert.ok(!isInactive(alarm.children[0]));
    const [event] = findElements(root, ['event']);
    assert.deepEqual(shape(event), ['event', '', [['name', '541'], ['community', 'a'], ['community', 'b']]]);
    assert.equal(findElements(root, ['configuration'])[0].attributes['junos:commit-user'], 'lab');
  });

  it('XML: prefixes dropped from names, attributes kept, entities, CDATA, comments, declarations, self-closing', () => {
    const root = fromXml(
      '<?xml version="1.0"?><!DOCTYPE x><junos:a xmlns:junos="u" junos:style=\'s\'><!-- c <b> --><b>1 &lt; 2 &amp;&#65;&#x42;&unknown;</b><c/><d><![CDATA[<raw>]]></d></junos:a>',
    );
    assert.deepEqual(shape(root), ['', '', [['a', '', { 'xmlns:junos': 'u', 'junos:style': 's' }, [['b', '1 < 2 &AB&unknown;'], ['c', ''], ['d', '<raw>']]]]]);
    assert.equal(childText(root.children[0], 'b'), '1 < 2 &AB&unknown;');
    assert.equal(childText(root.children[0], 'none'), null);
  });

  it('XML that is not well formed still reads: stray and mismatched end tags, unclosed elements, a cut tag', () => {
    assert.deepEqual(shape(fromXml('<a><b>x</c></b></x><d>y')), ['', '', [['a', '', [['b', 'x'], ['d', 'y']]]]]);
    assert.deepEqual(shape(fromXml('<a><b>x</a><e/>')), ['', '', [['a', '', [['b', 'x']]], ['e', '']]]);
    assert.deepEqual(shape(fromXml('<a>t<b')), ['', '', [['a', 't']]]);
    assert.deepEqual(shape(fromXml('')), ['', '']);
    assert.deepEqual(shape(fromXml('<a><![CDATA[open')), ['', '', [['a', 'open']]]);
    // A '>' inside a quoted attribute value does not end the tag.
    assert.deepEqual(shape(fromXml('<a t="x>y" u=\'>\'>v</a>')), ['', '', [['a', 'v', { t: 'x>y', u: '>' }]]]);
  });

  it('escapeXml and decodeEntities are inverse for text', () => {
    for (const s of ['a<b>&"c"', '&amp;', 'plain']) assert.equal(decodeEntities(escapeXml(s)), s);
  });

  it('telling formats apart: JSON, XML, text; a prompt suffix and a leading error line do not confuse it', () => {
    assert.equal(readJunosOutput('{"a": 1}').format, 'json');
    assert.equal(readJunosOutput('\n  <a/>').format, 'xml');
    assert.equal(readJunosOutput('Physical interface: ge-0/0/0').format, 'text');
    assert.equal(readJunosOutput('').format, 'text');
    const prompt = readJunosOutput('{master:0}\n{"a": [{"data": "1"}]}\n{master:0}\n');
    assert.equal(prompt.format, 'json');
    const warned = readJunosOutput('warning: something\n<a>1</a>');
    assert.ok(warned.format === 'xml' && warned.preamble === 'warning: something\n');
    // JSON that never closes, or does not parse over several lines, is text, never a fragment.
    assert.equal(readJunosOutput('{\n "a": [\n {"b": 1}\n').format, 'text');
    assert.equal(readJunosOutput('{\n "a": x,\n {"b": 1}\n}').format, 'text');
    // Strings with braces inside do not end the value early.
    const tricky = readJunosOutput('{"a": "}{\\"", "b": ["]"]}');
    assert.ok(tricky.format === 'json' && childText(tricky.root, 'b') === ']');
  });

  it("routerErrors: error lines (text, preamble), rpc-error and xnm:error elements, in the CLI's words; warnings are not errors", () => {
    assert.deepEqual(routerErrors(readJunosOutput('error: device ge-9/9/9 not found\r\n')), ['error: device ge-9/9/9 not found']);
    assert.deepEqual(routerErrors(readJunosOutput('  error:   two   words  \nmore')), ['error: two words']);
    assert.deepEqual(routerErrors(readJunosOutput('  Input errors:\n    Errors: 0, Drops: 0\n  Error: none')), []);
    assert.deepEqual(routerErrors(readJunosOutput('error: first\n{"x": 1}')), ['error: first']);
    const rpc = '<rpc-reply><rpc-error><error-severity>error</error-severity><error-message>\n  bad thing\n</error-message></rpc-error>' +
      '<rpc-error><error-severity>warning</error-severity><error-message>just a warning</error-message></rpc-error></rpc-reply>';
    assert.deepEqual(routerErrors(readJunosOutput(rpc)), ['error: bad thing']);
    assert.deepEqual(routerErrors(readJunosOutput('<xnm:error xmlns:xnm="x"><message>syntax error</message></xnm:error>')), ['error: syntax error']);
    assert.deepEqual(routerErrors(readJunosOutput('{"rpc-error": [{"error-message": [{"data": "from json"}]}]}')), ['error: from json']);
    assert.deepEqual(routerErrors(readJunosOutput('Logical interface ge-0/0/0.0 (Index 70)\n  Flags: error: none')), []);
  });
});
