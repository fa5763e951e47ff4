/**
 * Message framing for Thrift's binary protocol over a buffered (unframed) transport.
 *
 * A buffered transport does not prefix messages with their length, so a reader has to walk a
 * message to know where it ends. npm thrift does that by decoding until it runs out of bytes and
 * catching the resulting exception, for every chunk that arrives. This module walks the
 * encoding without decoding and without throwing, so that complete messages can be handed to the
 * generated `read()` functions exactly once. Shared by the client channel and the simulator.
 */

/** Thrift wire types (TType). */
export const enum TType {
  STOP = 0,
  VOID = 1,
  BOOL = 2,
  BYTE = 3,
  DOUBLE = 4,
  I16 = 6,
  I32 = 8,
  I64 = 10,
  STRING = 11,
  STRUCT = 12,
  MAP = 13,
  SET = 14,
  LIST = 15,
  UUID = 16,
}

const VERSION_MASK = 0xffff0000 | 0;
const VERSION_1 = 0x80010000 | 0;
/** Deepest struct/container nesting accepted: a guard against hostile input. */
const MAX_DEPTH = 64;

export class ThriftFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThriftFramingError';
  }
}

const INCOMPLETE = -1;

/** Size in bytes of fixed-width types, 0 for variable-width ones, -2 for unknown types. */
function fixedSize(type: number): number {
  switch (type) {
    case TType.BOOL:
    case TType.BYTE:
      return 1;
    case TType.I16:
      return 2;
    case TType.I32:
      return 4;
    case TType.DOUBLE:
    case TType.I64:
      return 8;
    case TType.UUID:
      return 16;
    case TType.STRING:
    case TType.STRUCT:
    case TType.MAP:
    case TType.SET:
    case TType.LIST:
      return 0;
    default:
      return -2;
  }
}

function readLength(buf: Buffer, pos: number, end: number, maxLength: number): number {
  if (pos + 4 > end) return INCOMPLETE;
  const len = buf.readInt32BE(pos);
  if (len < 0 || len > maxLength) {
    throw new ThriftFramingError(`invalid length ${len} at offset ${pos}`);
  }
  return len;
}

/** Returns the offset just after the value of `type` starting at `pos`, or INCOMPLETE. */
function skipValue(buf: Buffer, pos: number, end: number, type: number, depth: number, maxLength: number): number {
  if (depth > MAX_DEPTH) throw new ThriftFramingError('nesting too deep');
  const fixed = fixedSize(type);
  if (fixed > 0) return pos + fixed <= end ? pos + fixed : INCOMPLETE;
  if (fixed === -2) throw new ThriftFramingError(`unknown type ${type} at offset ${pos}`);
  switch (type) {
    case TType.STRING: {
      const len = readLength(buf, pos, end, maxLength);
      if (len === INCOMPLETE) return INCOMPLETE;
      const next = pos + 4 + len;
      return next <= end ? next : INCOMPLETE;
    }
    case TType.STRUCT: {
      let p = pos;
      for (;;) {
        if (p + 1 > end) return INCOMPLETE;
        const ftype = buf[p];
        if (ftype === TType.STOP) return p + 1;
        if (p + 3 > end) return INCOMPLETE;
        p = skipValue(buf, p + 3, end, ftype, depth + 1, maxLength);
        if (p === INCOMPLETE) return INCOMPLETE;
      }
    }
    case TType.MAP: {
      if (pos + 6 > end) return INCOMPLETE;
      const ktype = buf[pos];
      const vtype = buf[pos + 1];
      const count = readLength(buf, pos + 2, end, maxLength);
      let p = pos + 6;
      for (let i = 0; i < count; i++) {
        p = skipValue(buf, p, end, ktype, depth + 1, maxLength);
        if (p === INCOMPLETE) return INCOMPLETE;
        p = skipValue(buf, p, end, vtype, depth + 1, maxLength);
        if (p === INCOMPLETE) return INCOMPLETE;
      }
      return p;
    }
    default: {
      // SET and LIST
      if (pos + 5 > end) return INCOMPLETE;
      const etype = buf[pos];
      const count = readLength(buf, pos + 1, end, maxLength);
      const size = fixedSize(etype);
      if (size > 0) {
        const next = pos + 5 + count * size;
        return next <= end ? next : INCOMPLETE;
      }
      let p = pos + 5;
      for (let i = 0; i < count; i++) {
        p = skipValue(buf, p, end, etype, depth + 1, maxLength);
        if (p === INCOMPLETE) return INCOMPLETE;
      }
      return p;
    }
  }
}

/**
 * Offset just after the complete binary-protocol message that starts at `start`, or -1 when the
 * bytes up to `end` do not yet hold all of it. Throws ThriftFramingError on bytes that cannot be
 * a strict binary-protocol message (the connection should then be dropped).
 */
export function binaryMessageEnd(buf: Buffer, start: number, end: number, maxLength: number): number {
  if (start + 4 > end) return INCOMPLETE;
  const word = buf.readInt32BE(start);
  if (word >= 0 || (word & VERSION_MASK) !== VERSION_1) {
    throw new ThriftFramingError('not a strict binary-protocol message (bad version word)');
  }
  const nameLen = readLength(buf, start + 4, end, maxLength);
  if (nameLen === INCOMPLETE) return INCOMPLETE;
  const bodyStart = start + 8 + nameLen + 4; // name, then the sequence id
  if (bodyStart > end) return INCOMPLETE;
  return skipValue(buf, bodyStart, end, TType.STRUCT, 0, maxLength);
}

/**
 * Accumulates chunks from a stream and returns the complete messages in them, in order.
 * Memory is bounded by `maxMessageSize`: a message announced or grown beyond it is an error.
 */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private len = 0;

  constructor(private readonly maxMessageSize = 16 * 1024 * 1024) {}

  /** Feeds a chunk; returns every message now complete (each its own Buffer slice copy). */
  push(chunk: Buffer): Buffer[] {
    this.append(chunk);
    const out: Buffer[] = [];
    let start = 0;
    for (;;) {
      const next = binaryMessageEnd(this.buf, start, this.len, this.maxMessageSize);
      if (next === INCOMPLETE) break;
      out.push(this.buf.subarray(start, next));
      start = next;
    }
    if (start > 0) {
      // Messages handed out keep referencing the old buffer; start a fresh one for the rest.
      const rest = this.len - start;
      const fresh = Buffer.allocUnsafe(Math.max(rest, 1024));
      this.buf.copy(fresh, 0, start, this.len);
      this.buf = fresh;
      this.len = rest;
    }
    if (this.len > this.maxMessageSize) {
      throw new ThriftFramingError(`message larger than ${this.maxMessageSize} bytes`);
    }
    return out;
  }

  /** Bytes held that do not yet form a complete message. */
  get pending(): number {
    return this.len;
  }

  private append(chunk: Buffer): void {
    if (this.len === 0 && this.buf.length === 0) {
      this.buf = Buffer.allocUnsafe(Math.max(chunk.length, 1024));
    }
    if (this.len + chunk.length > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + chunk.length) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.len);
    this.len += chunk.length;
  }
}
