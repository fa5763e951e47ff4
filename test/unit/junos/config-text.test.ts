/**
 * Junos configuration text (lib/junos/config-text.ts): words of a line, `set`-style lines and the
 * curly-brace rendering, read into the same statements.
 */
import { strict as assert } from 'assert';
import { parseConfigText, parseCurlyText, parseSetLines, quoteWord, tokenize } from '../../../lib/junos/config-text';
import { RMON_SET, RMON_TEXT } from '../../support/junos-samples';

const words = (r: ReturnType<typeof parseSetLines>): string[] => (r.ok ? r.statements.map((s) => `${s.verb}${s.inactive ? '!' : ''} ${s.words.join(' ')}`) : [`error ${r.line}: ${r.message}`]);

describe('Junos configuration text (lib/junos/config-text)', function () {
  it('tokenize: blanks, quoted strings with escapes, punctuation words, ## comments', () => {
    assert.deepEqual(tokenize('set a "two words" b;'), { ok: true, words: ['set', 'a', 'two words', 'b', ';'] });
    assert.deepEqual(tokenize('x "say \\"hi\\" \\\\" {'), { ok: true, words: ['x', 'say "hi" \\', '{'] });
    assert.deepEqual(tokenize('community [ a b ]; ## SECRET-DATA'), { ok: true, words: ['community', '[', 'a', 'b', ']', ';'] });
    assert.deepEqual(tokenize('d "a ## not a comment";'), { ok: true, words: ['d', 'a ## not a comment', ';'] });
    assert.deepEqual(tokenize('\t \r'), { ok: true, words: [] });
    assert.deepEqual(tokenize('set a "open'), { ok: false, column: 7, message: 'unterminated quoted string' });
  });

  it('quoteWord quotes what tokenize would split, and tokenize reads it back', () => {
    for (const w of ['plain', 'two words', 'say "x"', 'a;b', 'back\\slash', '', '{', '## x']) {
      const t = tokenize(`set ${quoteWord(w)}`);
      assert.deepEqual(t, { ok: true, words: ['set', w] }, w);
    }
    assert.equal(quoteWord('ifIn1SecRate.541'), 'ifIn1SecRate.541');
  });

  it('set lines: verbs set, delete, deactivate, activate; blank lines skipped; another verb is a syntax error with its line', () => {
    assert.deepEqual(words(parseSetLines('set snmp rmon alarm 1 interval 1\n\ndelete snmp rmon event 5\ndeactivate snmp rmon\nactivate snmp rmon\n')), [
      'set snmp rmon alarm 1 interval 1',
      'delete snmp rmon event 5',
      'deactivate snmp rmon',
      'activate snmp rmon',
    ]);
    assert.deepEqual(words(parseSetLines('set a\nshow b\n')), ['error 2: syntax error: show']);
    assert.deepEqual(words(parseSetLines('set a "b\n')), ['error 1: unterminated quoted string']);
  });

  it('curly-brace text: full paths, containers as statements, inactive: inherited, comments and annotations skipped', () => {
    const text = [
      '## Last changed: 2024-05-02',
      'snmp {',
      '    /* watched by',
      '       the flow */',
      '    rmon {',
      '        inactive: alarm 2 {',
      '            interval 5;',
      '            description "two words";',
      '        }',
      '        event 7 { type log; inactive: community [ a b ]; }',
      '    }',
      '}',
    ].join('\n');
    assert.deepEqual(words(parseCurlyText(text)), [
      'set snmp',
      'set snmp rmon',
      'set! snmp rmon alarm 2',
      'set! snmp rmon alarm 2 interval 5',
      'set! snmp rmon alarm 2 description two words',
      'set snmp rmon event 7',
      'set snmp rmon event 7 type log',
      'set! snmp rmon event 7 community a b',
    ]);
    const r = parseCurlyText(text);
    assert.ok(r.ok && r.statements[3].line === 7);
  });

  it('curly-brace errors: unbalanced braces, a statement without its ;', () => {
    assert.deepEqual(words(parseCurlyText('a {\n b 1;\n')), ['error 3: syntax error: missing }']);
    assert.deepEqual(words(parseCurlyText('a 1;\n}\n')), ['error 2: syntax error: } without {']);
    assert.deepEqual(words(parseCurlyText('a {\n b 1\n}\n')), ['error 3: syntax error: missing ; after b 1']);
    assert.deepEqual(words(parseCurlyText('b 1')), ['error 1: syntax error: missing ; after b 1']);
    assert.deepEqual(words(parseCurlyText('{ a; }')), ['error 1: syntax error: { without a statement']);
  });

  it('parseConfigText tells the renderings apart, and both give the same statements for the same configuration', () => {
    const fromSet = parseConfigText(RMON_SET);
    const fromCurly = parseConfigText(RMON_TEXT);
    // The curly text is relative to [edit snmp rmon] and has its containers as statements too.
    const leaves = (r: ReturnType<typeof parseConfigText>): string[] => words(r).filter((l) => !/^set (snmp rmon )?(alarm|event) \d+$/.test(l)).map((l) => l.replace(/^set (snmp rmon )?/, ''));
    assert.deepEqual(leaves(fromCurly), leaves(fromSet));
    assert.equal(leaves(fromSet).length, 10);
    assert.deepEqual(words(parseConfigText('')), []);
  });
});
