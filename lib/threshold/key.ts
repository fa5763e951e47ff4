/**
 * jet-threshold's keys, bounded in length. A key comes from a message property (msg.topic by
 * default, `<hostname>/<ifIndex>` from jet-rmon-event), so its length is whatever a sender makes
 * it; it is kept in the node's state and saved in its context with every message. A key longer
 * than {@link MAX_KEY_LENGTH} is replaced by its head and a hash of all of it: the same long key
 * always gives the same short one, and two long keys give the same short one only if their
 * SHA-256 digests share their first 128 bits (never, in practice).
 */
import { createHash } from 'crypto';

/**
 * Longest key kept as it is, in characters (UTF-16 code units, as String length counts): room for
 * any key jet-rmon-event sends (a host name is at most 253 characters, then `/` and the ifIndex or
 * the variable's name).
 */
export const MAX_KEY_LENGTH = 512;
/** Characters of a longer key kept in front of its hash, so that people still recognise it. */
export const KEY_HEAD_LENGTH = 200;
/** Hex digits of the SHA-256 digest in a shortened key: 128 bits. */
const DIGEST_HEX = 32;

/**
 * The key as it is kept: `key` itself when at most {@link MAX_KEY_LENGTH} characters long, else
 * its first {@link KEY_HEAD_LENGTH} characters, `…sha256:` and 32 hex digits of the SHA-256 of
 * the whole key (240 characters at most). Idempotent: a shortened key is kept as it is.
 */
export function thresholdKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  let head = key.slice(0, KEY_HEAD_LENGTH);
  // Never the first half of a surrogate pair alone at the end of the head.
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  // The UTF-16 code units as they are: UTF-8 would turn every lone surrogate into the same U+FFFD.
  const digest = createHash('sha256').update(key, 'utf16le').digest('hex').slice(0, DIGEST_HEX);
  return `${head}…sha256:${digest}`;
}
