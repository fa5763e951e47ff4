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

function readLength(buf: Buffer, pos: number, maxLength: number): number {
  const len = buf.readInt32BE(pos);
  if (len < 0 || len > maxLength) {
    throw new ThriftFramingError(`invalid length ${len} at offset ${pos}`);
  }
  return len;
}

/** An open struct or container of the message being walked. */
interface Frame {
  /** STRUCT, LIST (also for SET) or MAP. */
  kind: TType;
  /** Element type (LIST/SET), key type (MAP). */
  etype: number;
  /** Value type (MAP). */
  vtype: number;
  /** Values still to walk (LIST/SET: elements; MAP: keys and values, 2 per entry). */
  remaining: number;
}

/**
 * A resumable walk over one binary-protocol message: it remembers where it stopped (offset and
 * the stack of open structs and containers), so the bytes of a message arriving in many chunks
 * are walked once in all, not again from the start for every chunk. Offsets are relative to the
 * message's first byte. Only the one incomplete token at the end of the bytes received is looked
 * at again when more arrive (at most 9 bytes: a field header and a list or map header).
 */
export class MessageWalker {
  /** Offset of the first byte not yet walked (relative to the message start). */
  private pos = 0;
  /** Null until the message header (version, name, sequence id) has been read. */
  private stack: Frame[] | null = null;
  private done = false;
  /**
   * Bytes walked over, counting each byte again every time it is looked at again: a measure of
   * the work done, for tests (bytes of strings and of fixed-size values are stepped over, not read,
   * but they are counted here too).
   */
  examined = 0;

  constructor(private readonly maxLength: number) {}

  /**
   * Continues the walk over `buf[start, end)`, which holds the message from its first byte (the
   * same bytes as before plus any that arrived since). Returns the message's length once it is
   * complete, or -1. Throws ThriftFramingError on bytes that cannot be a strict binary-protocol message.
   */
  advance(buf: Buffer, start: number, end: number): number {
    if (this.done) return this.pos;
    const avail = end - start;
    if (this.stack === null) {
      if (avail < 4) return INCOMPLETE;
      const word = buf.readInt32BE(start);
      if (word >= 0 || (word & VERSION_MASK) !== VERSION_1) {
        throw new ThriftFramingError('not a strict binary-protocol message (bad version word)');
      }
      if (avail < 8) return INCOMPLETE;
      const nameLen = readLength(buf, start + 4, this.maxLength);
      const bodyStart = 8 + nameLen + 4; // name, then the sequence id
      this.examined += 8;
      if (avail < bodyStart) return INCOMPLETE;
      this.examined += bodyStart - 8;
      this.pos = bodyStart;
      this.stack = [{ kind: TType.STRUCT, etype: 0, vtype: 0, remaining: 0 }];
    }
    const stack = this.stack;
    const maxLength = this.maxLength;
    let pos = this.pos;
    let examined = 0;
    try {
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        let type: number;
        let at: number; // offset of the value (after its field header, if any)
        if (top.kind === TType.STRUCT) {
          if (pos + 1 > avail) return INCOMPLETE;
          type = buf[start + pos];
          if (type === TType.STOP) {
            pos += 1;
            examined += 1;
            stack.pop();
            continue;
          }
          if (pos + 3 > avail) return INCOMPLETE;
          at = pos + 3;
        } else if (top.remaining === 0) {
          stack.pop();
          continue;
        } else if (top.kind === TType.MAP) {
          type = top.remaining % 2 === 0 ? top.etype : top.vtype;
          at = pos;
        } else {
          type = top.etype;
          at = pos;
          const size = fixedSize(type);
          if (size > 0) {
            // A run of fixed-size elements: take as many as have arrived.
            const n = Math.min(top.remaining, Math.floor((avail - pos) / size));
            pos += n * size;
            examined += n * size;
            top.remaining -= n;
            if (top.remaining > 0) return INCOMPLETE;
            continue;
          }
        }
        // The value of `type` at `at`: it is taken whole (fixed-size, string) or opened (struct,
        // container), and only then is the walk's position moved past it.
        let next: number;
        let open: Frame | null = null;
        const fixed = fixedSize(type);
        if (fixed > 0) {
          next = at + fixed;
          if (next > avail) return INCOMPLETE;
        } else if (fixed === -2) {
          throw new ThriftFramingError(`unknown type ${type} at offset ${at}`);
        } else if (type === TType.STRING) {
          if (at + 4 > avail) return INCOMPLETE;
          next = at + 4 + readLength(buf, start + at, maxLength);
          if (next > avail) return INCOMPLETE;
        } else if (type === TType.STRUCT) {
          next = at;
          open = { kind: TType.STRUCT, etype: 0, vtype: 0, remaining: 0 };
        } else if (type === TType.MAP) {
          if (at + 6 > avail) return INCOMPLETE;
          const count = readLength(buf, start + at + 2, maxLength);
          next = at + 6;
          open = { kind: TType.MAP, etype: buf[start + at], vtype: buf[start + at + 1], remaining: 2 * count };
        } else {
          // SET and LIST
          if (at + 5 > avail) return INCOMPLETE;
          const count = readLength(buf, start + at + 1, maxLength);
          next = at + 5;
          open = { kind: TType.LIST, etype: buf[start + at], vtype: 0, remaining: count };
        }
        if (top.kind !== TType.STRUCT) top.remaining--;
        examined += next - pos;
        pos = next;
        if (open) {
          if (stack.length > MAX_DEPTH) throw new ThriftFramingError('nesting too deep');
          stack.push(open);
        }
      }
      this.done = true;
      return pos;
    } finally {
      // On INCOMPLETE, the unfinished token at `pos` is looked at again next time: count it now.
      this.examined += examined + (this.done ? 0 : Math.min(avail - pos, 9));
      this.pos = pos;
    }
  }
}

/**
 * Offset just after the complete binary-protocol message that starts at `start`, or -1 when the
 * bytes up to `end` do not yet hold all of it. Throws ThriftFramingError on bytes that cannot be
 * a strict binary-protocol message (the connection should then be dropped).
 */
export function binaryMessageEnd(buf: Buffer, start: number, end: number, maxLength: number): number {
  const length = new MessageWalker(maxLength).advance(buf, start, end);
  return length === INCOMPLETE ? INCOMPLETE : start + length;
}

/**
 * Accumulates chunks from a stream and returns the complete messages in them, in order.
 * Memory is bounded by `maxMessageSize`: a message announced or grown beyond it is an error.
 * The walk of an incomplete message resumes where it stopped when the next chunk comes, so the
 * work is linear in the bytes received, however finely a large message is chunked.
 */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private len = 0;
  private walker: MessageWalker;
  /** Bytes walked by finished walkers (see bytesExamined). */
  private examinedBefore = 0;

  constructor(private readonly maxMessageSize = 16 * 1024 * 1024) {
    this.walker = new MessageWalker(maxMessageSize);
  }

  /** Feeds a chunk; returns every message now complete (each its own Buffer slice copy). */
  push(chunk: Buffer): Buffer[] {
    this.append(chunk);
    const out: Buffer[] = [];
    let start = 0;
    for (;;) {
      const length = this.walker.advance(this.buf, start, this.len);
      if (length === INCOMPLETE) break;
      out.push(this.buf.subarray(start, start + length));
      start += length;
      this.examinedBefore += this.walker.examined;
      this.walker = new MessageWalker(this.maxMessageSize);
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

  /**
   * Work done by the framing so far, in bytes walked (re-walked bytes counted again): about the
   * number of bytes received when nothing is walked twice. For tests.
   */
  get bytesExamined(): number {
    return this.examinedBefore + this.walker.examined;
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
