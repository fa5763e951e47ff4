/**
 * Encoding and decoding of single Thrift messages with npm thrift's binary protocol, on buffers
 * (no connection object). The generated structs (lib/gen) read and write through these.
 *
 * Writing goes through BinaryWriter, not npm thrift's TBinaryProtocol + TBufferedTransport: those
 * allocate a Buffer (with the deprecated, zero-filling `new Buffer()`) for every byte, i16 and i32
 * written plus a 1 KiB read buffer per transport, then copy them all into the message. For a
 * RouteAdd that was about 40 allocations per call, and with 10,000 routes in a message, allocation
 * and garbage collection took over a third of the plugin's CPU (bench/, BENCHMARKS.md). The bytes
 * are the same as TBinaryProtocol's (strict): compared byte for byte when this was written, and the
 * Python-server test checks the wire format against Apache's own implementation.
 */
import * as thrift from 'thrift';
import { binaryMessageEnd } from './framing';

// Not in @types/thrift's surface: the buffered transport keeps its input in these fields.
interface BufferedInput {
  inBuf: Buffer;
  readCursor: number;
  writeCursor: number;
}

export type MessageType = thrift.Thrift.MessageType;
export const MessageType = thrift.Thrift.MessageType;

export interface MessageHeader {
  name: string;
  type: MessageType;
  seqId: number;
}

/** A protocol positioned just after the header of `message` (a complete message). */
export function openMessage(message: Buffer): { header: MessageHeader; input: thrift.TProtocol } {
  // The transport's read methods only use these three fields: skip its constructor, which
  // allocates (and zero-fills) a 1 KiB buffer that would be replaced at once.
  const transport = Object.create(thrift.TBufferedTransport.prototype) as thrift.TBufferedTransport;
  const raw = transport as unknown as BufferedInput;
  raw.inBuf = message;
  raw.readCursor = 0;
  raw.writeCursor = message.length;
  const input = new thrift.TBinaryProtocol(transport);
  const begin = input.readMessageBegin();
  return { header: { name: begin.fname, type: begin.mtype, seqId: begin.rseqid }, input };
}

const VERSION_1 = 0x80010000 | 0;

/**
 * The write half of TBinaryProtocol (strict, as npm thrift writes it), into one growable buffer.
 * Integers wrap to their width as npm thrift's writers do; strings are UTF-8, binary strings latin1.
 */
class BinaryWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  /** A copy of the bytes written since the last reset. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  writeMessageBegin(name: string, type: number, seqid: number): void {
    this.writeI32(VERSION_1 | type);
    this.writeString(name);
    this.writeI32(seqid);
  }
  writeMessageEnd(): void {}
  writeStructBegin(_name?: string): void {}
  writeStructEnd(): void {}
  writeFieldBegin(_name: string, type: number, id: number): void {
    this.writeByte(type);
    this.writeI16(id);
  }
  writeFieldEnd(): void {}
  writeFieldStop(): void {
    this.writeByte(0);
  }
  writeMapBegin(ktype: number, vtype: number, size: number): void {
    this.writeByte(ktype);
    this.writeByte(vtype);
    this.writeI32(size);
  }
  writeMapEnd(): void {}
  writeListBegin(etype: number, size: number): void {
    this.writeByte(etype);
    this.writeI32(size);
  }
  writeListEnd(): void {}
  writeSetBegin(etype: number, size: number): void {
    this.writeByte(etype);
    this.writeI32(size);
  }
  writeSetEnd(): void {}
  writeBool(value: boolean): void {
    this.writeByte(value ? 1 : 0);
  }
  writeByte(value: number): void {
    this.room(1);
    this.buf[this.pos++] = value & 0xff;
  }
  writeI16(value: number): void {
    this.room(2);
    this.buf[this.pos++] = (value >> 8) & 0xff;
    this.buf[this.pos++] = value & 0xff;
  }
  writeI32(value: number): void {
    this.room(4);
    this.buf.writeInt32BE(value | 0, this.pos);
    this.pos += 4;
  }
  writeI64(value: number | bigint | { buffer: Buffer }): void {
    this.room(8);
    if (typeof value === 'object' && value !== null && Buffer.isBuffer(value.buffer)) {
      value.buffer.copy(this.buf, this.pos, 0, 8); // node-int64's Int64, as npm thrift takes it
    } else {
      const big = typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
      this.buf.writeBigInt64BE(BigInt.asIntN(64, big), this.pos);
    }
    this.pos += 8;
  }
  writeDouble(value: number): void {
    this.room(8);
    this.buf.writeDoubleBE(value, this.pos);
    this.pos += 8;
  }
  writeString(value: string | Uint8Array): void {
    this.writeBytes('writeString', 'utf8', value);
  }
  writeBinary(value: string | Uint8Array): void {
    this.writeBytes('writeBinary', 'latin1', value);
  }
  writeUuid(value: string): void {
    const hex = String(value).replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`writeUuid called with an invalid UUID: ${value}`);
    this.room(16);
    this.buf.write(hex, this.pos, 'hex');
    this.pos += 16;
  }
  flush(): void {}

  private writeBytes(name: string, encoding: BufferEncoding, value: string | Uint8Array): void {
    if (typeof value === 'string') {
      const len = Buffer.byteLength(value, encoding);
      this.writeI32(len);
      this.room(len);
      this.buf.write(value, this.pos, len, encoding);
      this.pos += len;
    } else if (value instanceof Uint8Array) {
      this.writeI32(value.length);
      this.room(value.length);
      this.buf.set(value, this.pos);
      this.pos += value.length;
    } else {
      throw new Error(`${name} called without a string/Buffer argument: ${value}`);
    }
  }
}

/** Reused by every encodeMessage call (encoding is synchronous and never nests). */
const writer = new BinaryWriter(4096);

/** Encodes one message; `writeBody` writes the argument or result struct. */
export function encodeMessage(
  name: string,
  type: MessageType,
  seqId: number,
  writeBody: (output: thrift.TProtocol) => void,
): Buffer {
  writer.reset();
  const output = writer as unknown as thrift.TProtocol;
  output.writeMessageBegin(name, type, seqId);
  writeBody(output);
  output.writeMessageEnd();
  return writer.take();
}

export { binaryMessageEnd };
