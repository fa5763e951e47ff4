/**
 * Encoding and decoding of single Thrift messages with npm thrift's binary protocol, on buffers
 * (no connection object). The generated structs (lib/gen) read and write through these.
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
  const transport = new thrift.TBufferedTransport();
  const raw = transport as unknown as BufferedInput;
  raw.inBuf = message;
  raw.readCursor = 0;
  raw.writeCursor = message.length;
  const input = new thrift.TBinaryProtocol(transport);
  const begin = input.readMessageBegin();
  return { header: { name: begin.fname, type: begin.mtype, seqId: begin.rseqid }, input };
}

/** Encodes one message; `writeBody` writes the argument or result struct. */
export function encodeMessage(
  name: string,
  type: MessageType,
  seqId: number,
  writeBody: (output: thrift.TProtocol) => void,
): Buffer {
  let encoded: Buffer | undefined;
  const transport = new thrift.TBufferedTransport(undefined, (buf?: Buffer) => {
    encoded = buf;
  });
  const output = new thrift.TBinaryProtocol(transport);
  output.writeMessageBegin(name, type, seqId);
  writeBody(output);
  output.writeMessageEnd();
  output.flush();
  if (!encoded) throw new Error(`thrift: encoding ${name} produced no bytes`);
  return encoded;
}

export { binaryMessageEnd };
