/**
 * LoginReplyReader: the LoginCheck reply's `result` read as a bool (true) or as an integer (== 1),
 * since a router's IDL may declare it i32 (docs/protocol.md §2), where the generated reader would skip it.
 */
import { strict as assert } from 'assert';
import { once } from 'events';
import * as net from 'net';
import * as thrift from 'thrift';
import { ThriftChannel } from '../../../lib/thrift/channel';
import { encodeMessage, MessageType, openMessage } from '../../../lib/thrift/codec';
import { MessageReader } from '../../../lib/thrift/framing';
import { LoginReply, LoginReplyReader } from '../../../lib/thrift/login';
import { AuthenticationLoginRequest, AuthenticationService } from '../../../lib/gen/jet';

const T = thrift.Thrift.Type;

type ResultValue = { type: number; value: number | boolean };

/** The body of a LoginCheck reply: result struct { 0: AuthenticationLoginReply { 1: result, 2: message } }. */
function writeReply(out: thrift.TProtocol, result: ResultValue | null, message?: string, extra = false): void {
  out.writeStructBegin('LoginCheck_result');
  if (extra) {
    // An unknown field of the result struct before success (e.g. an exception the router declares).
    out.writeFieldBegin('ex', T.STRUCT, 1);
    out.writeStructBegin('X');
    out.writeFieldBegin('why', T.STRING, 1);
    out.writeString('none');
    out.writeFieldEnd();
    out.writeFieldStop();
    out.writeStructEnd();
    out.writeFieldEnd();
  }
  out.writeFieldBegin('success', T.STRUCT, 0);
  out.writeStructBegin('AuthenticationLoginReply');
  if (extra) {
    out.writeFieldBegin('later', T.LIST, 9);
    out.writeListBegin(T.STRING, 2);
    out.writeString('a');
    out.writeString('b');
    out.writeListEnd();
    out.writeFieldEnd();
  }
  if (result) {
    out.writeFieldBegin('result', result.type, 1);
    switch (result.type) {
      case T.BOOL:
        out.writeBool(result.value as boolean);
        break;
      case T.BYTE:
        out.writeByte(result.value as number);
        break;
      case T.I16:
        out.writeI16(result.value as number);
        break;
      case T.I32:
        out.writeI32(result.value as number);
        break;
      case T.I64:
        out.writeI64(result.value as number);
        break;
      case T.STRING:
        out.writeString(String(result.value));
        break;
    }
    out.writeFieldEnd();
  }
  if (message !== undefined) {
    out.writeFieldBegin('message', T.STRING, 2);
    out.writeString(message);
    out.writeFieldEnd();
  }
  out.writeFieldStop();
  out.writeStructEnd();
  out.writeFieldEnd();
  out.writeFieldStop();
  out.writeStructEnd();
}

/** The reply bytes from our writer (encodeMessage). */
function ourBytes(result: ResultValue | null, message?: string, extra = false): Buffer {
  return encodeMessage('LoginCheck', MessageType.REPLY, 1, (out) => writeReply(out, result, message, extra));
}

/** The same reply from npm thrift's own TBinaryProtocol over a TBufferedTransport. */
function apacheBytes(result: ResultValue | null, message?: string, extra = false): Buffer {
  const parts: Buffer[] = [];
  const transport = new thrift.TBufferedTransport(undefined, (buf?: Buffer) => {
    if (buf) parts.push(buf);
  });
  const out = new thrift.TBinaryProtocol(transport);
  out.writeMessageBegin('LoginCheck', MessageType.REPLY, 1);
  writeReply(out, result, message, extra);
  out.writeMessageEnd();
  transport.flush();
  return Buffer.concat(parts);
}

function read(bytes: Buffer): { success?: LoginReply } {
  const { input } = openMessage(bytes);
  return LoginReplyReader.read(input);
}

describe('thrift LoginReplyReader (result as bool or integer)', () => {
  for (const [writer, bytes] of [
    ['our writer', ourBytes],
    ['TBinaryProtocol', apacheBytes],
  ] as const) {
    it(`accepts a bool true and an integer 1 of any width (${writer})`, () => {
      assert.deepEqual(read(bytes({ type: T.BOOL, value: true }, 'ok')).success, { result: true, message: 'ok' });
      for (const type of [T.BYTE, T.I16, T.I32, T.I64]) {
        assert.deepEqual(read(bytes({ type, value: 1 }, 'welcome')).success, { result: true, message: 'welcome' }, `type ${type}`);
      }
    });

    it(`refuses a bool false and any integer but 1 (${writer})`, () => {
      assert.deepEqual(read(bytes({ type: T.BOOL, value: false }, 'bad password')).success, { result: false, message: 'bad password' });
      for (const type of [T.BYTE, T.I16, T.I32, T.I64]) {
        for (const value of [0, 2, -1]) {
          assert.deepEqual(read(bytes({ type, value })).success, { result: false }, `type ${type} value ${value}`);
        }
      }
    });

    it(`skips unknown fields and reads a missing or unusable result as refused (${writer})`, () => {
      assert.deepEqual(read(bytes({ type: T.I32, value: 1 }, 'm', true)).success, { result: true, message: 'm' });
      assert.deepEqual(read(bytes(null, 'no result')).success, { result: false, message: 'no result' });
      assert.deepEqual(read(bytes({ type: T.STRING, value: 1 })).success, { result: false });
    });
  }

  it('reads the same bytes as the generated reader for a bool result, and more than it for an i32', () => {
    const generated = (b: Buffer): unknown => AuthenticationService.LoginCheckResult.read(openMessage(b).input).success?.result;
    assert.equal(generated(ourBytes({ type: T.BOOL, value: true })), true);
    assert.equal(generated(ourBytes({ type: T.I32, value: 1 })), undefined); // skipped: the reason for LoginReplyReader
    assert.equal(read(ourBytes({ type: T.I32, value: 1 })).success?.result, true);
  });

  it('a result struct without field 0 has no success', () => {
    const bytes = encodeMessage('LoginCheck', MessageType.REPLY, 1, (out) => {
      out.writeStructBegin('LoginCheck_result');
      out.writeFieldStop();
      out.writeStructEnd();
    });
    assert.equal(read(bytes).success, undefined);
  });

  it('resolves a ThriftChannel LoginCheck call with an i32 result of 1', async () => {
    // A router whose IDL declares result as i32: it answers every LoginCheck with result = 1.
    const server = net.createServer((socket) => {
      const reader = new MessageReader();
      socket.on('data', (chunk: Buffer) => {
        for (const m of reader.push(chunk)) {
          const { header } = openMessage(m);
          socket.write(
            encodeMessage(header.name.replace(/^AuthenticationService:/, ''), MessageType.REPLY, header.seqId, (out) =>
              writeReply(out, { type: T.I32, value: 1 }, 'i32 router'),
            ),
          );
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const channel = new ThriftChannel(socket);
    try {
      const args = new AuthenticationService.LoginCheckArgs({
        login_request: new AuthenticationLoginRequest({ user_name: 'lab', password: 'lab123', client_id: 'c' }),
      });
      const reply = await channel.call('AuthenticationService', 'LoginCheck', args, LoginReplyReader);
      assert.deepEqual(reply, { result: true, message: 'i32 router' });
    } finally {
      channel.close('test done');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
