import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import { KEY_HEAD_LENGTH, MAX_KEY_LENGTH, thresholdKey } from '../../../lib/threshold/key';

describe('jet-threshold keys: bounded length', () => {
  it('keeps a key of up to 512 characters as it is (any host/ifIndex key jet-rmon-event sends)', () => {
    assert.equal(MAX_KEY_LENGTH, 512);
    for (const k of ['', 'r0nec/541', `${'h'.repeat(253)}/4294967295`, 'x'.repeat(512)]) assert.equal(thresholdKey(k), k);
  });

  it('shortens a longer key to its head, "…sha256:" and 128 bits of the SHA-256 of the whole key', () => {
    const long = `${'r'.repeat(256 * 1024)}/541`;
    const short = thresholdKey(long);
    const digest = createHash('sha256').update(Buffer.from(long, 'utf16le')).digest('hex').slice(0, 32);
    assert.equal(short, `${'r'.repeat(KEY_HEAD_LENGTH)}…sha256:${digest}`);
    assert.ok(short.length <= 240, `${short.length} characters`);
    assert.equal(thresholdKey(long), short, 'the same key gives the same short one every time');
    assert.equal(thresholdKey(short), short, 'a shortened key is kept as it is');
    assert.equal(thresholdKey('x'.repeat(513)).length, KEY_HEAD_LENGTH + 1 + 7 + 32);
  });

  it('gives long keys that differ anywhere, even by one character at the end, different short keys', () => {
    const base = 'k'.repeat(100000);
    const shorts = new Set<string>();
    for (let i = 0; i < 1000; i++) shorts.add(thresholdKey(`${base}/${i}`));
    assert.equal(shorts.size, 1000);
    // Keys that differ only in lone surrogates (which UTF-8 would turn into the same U+FFFD) too.
    assert.notEqual(thresholdKey(`${'a'.repeat(600)}\ud800`), thresholdKey(`${'a'.repeat(600)}\ud801`));
  });

  it('never cuts a surrogate pair in two', () => {
    const emoji = '\u{1F600}';
    const k = `${'a'.repeat(KEY_HEAD_LENGTH - 1)}${emoji}${'b'.repeat(600)}`;
    const short = thresholdKey(k);
    assert.ok(short.startsWith(`${'a'.repeat(KEY_HEAD_LENGTH - 1)}…sha256:`), short.slice(0, KEY_HEAD_LENGTH + 10));
    assert.equal(Buffer.from(short, 'utf8').toString('utf8'), short, 'well-formed text');
  });
});
