/**
 * Reader of the LoginCheck reply that accepts `result` as a bool or as an integer.
 *
 * The original app accepts a login when `result == 1`, which holds for a bool `true` and an i32
 * `1` alike, and a router's IDL may declare `result` as i32 (docs/protocol.md section 2). The generated
 * LoginCheckResult reader skips a field whose wire type differs from idl/jet.thrift (bool), so an
 * i32 `1` would read as "no result". This reader takes the LoginCheck result struct (field 0
 * `success` = AuthenticationLoginReply) and reads `result` from any of BOOL (true), BYTE, I16,
 * I32 or I64 (== 1); `message` is an optional string; every other field is skipped.
 *
 * Use it where the generated `AuthenticationService.LoginCheckResult` would go:
 *   channel.call('AuthenticationService', 'LoginCheck', args, LoginReplyReader)
 * resolves with `{ result: boolean; message?: string }`.
 */
import * as thrift from 'thrift';
import type { ResultReader } from './channel';

export interface LoginReply {
  /** True when the router accepted the login (bool true, or the integer 1). */
  result: boolean;
  message?: string;
}

const Type = thrift.Thrift.Type;

/** Reads `result` of whichever wire type it came as; undefined for types that cannot hold it. */
function readResult(input: thrift.TProtocol, ftype: thrift.Thrift.Type): boolean | undefined {
  switch (ftype) {
    case Type.BOOL:
      return input.readBool();
    case Type.BYTE:
      return input.readByte() === 1;
    case Type.I16:
      return input.readI16() === 1;
    case Type.I32:
      return input.readI32() === 1;
    case Type.I64: {
      // npm thrift answers a node-int64 Int64: 1 is the 8 bytes 00..01.
      const v = input.readI64() as unknown as { buffer?: Buffer; offset?: number; toNumber?: () => number };
      if (v && Buffer.isBuffer(v.buffer)) {
        const o = v.offset ?? 0;
        return v.buffer.readBigInt64BE(o) === 1n;
      }
      return Number(v) === 1;
    }
    default:
      input.skip(ftype);
      return undefined;
  }
}

/** Reads an AuthenticationLoginReply struct (field 1 result, field 2 message). */
export function readLoginReply(input: thrift.TProtocol): LoginReply {
  let result: boolean | undefined;
  let message: string | undefined;
  input.readStructBegin();
  for (;;) {
    const { ftype, fid } = input.readFieldBegin();
    if (ftype === Type.STOP) break;
    if (fid === 1) {
      const r = readResult(input, ftype);
      if (r !== undefined) result = r;
    } else if (fid === 2 && ftype === Type.STRING) {
      message = input.readString();
    } else {
      input.skip(ftype);
    }
    input.readFieldEnd();
  }
  input.readStructEnd();
  const reply: LoginReply = { result: result === true };
  if (message !== undefined) reply.message = message;
  return reply;
}

/**
 * Reads the LoginCheck result struct: `success` (field 0) is the reply; any other field (a declared
 * exception, an unknown field) is skipped, so a reply without field 0 reads as no result.
 */
export const LoginReplyReader: ResultReader<LoginReply> = {
  read(input: thrift.TProtocol): { success?: LoginReply } {
    const out: { success?: LoginReply } = {};
    input.readStructBegin();
    for (;;) {
      const { ftype, fid } = input.readFieldBegin();
      if (ftype === Type.STOP) break;
      if (fid === 0 && ftype === Type.STRUCT) out.success = readLoginReply(input);
      else input.skip(ftype);
      input.readFieldEnd();
    }
    input.readStructEnd();
    return out;
  },
};
