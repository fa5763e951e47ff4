/**
 * Thrift framing: messages found whole in a stream split and glued anyhow, foreign and oversized
 * bytes refused; and linear in the bytes received: a message arriving in many chunks is walked
 * once, resuming where the previous chunk left off, not again from its start for every chunk.
 * The work is measured with MessageReader.bytesExamined (bytes walked, re-walks counted again),
 * not with a clock.
 */
import { strict as assert } from 'assert';
import * as thrift from 'thrift';
import { encodeMessage, MessageType, openMessage } from '../../../lib/thrift/codec';
import { binaryMessageEnd, MessageReader, MessageWalker, ThriftFramingError } from '../../../lib/thrift/framing';
import { FamilyType, GatewayAddress, NexthopInfo, RouteConfig, RouteGetReply, RouteService } from '../../../lib/gen/jet';
import { RouteAddArgs } from '../../../lib/gen/jet/RouteService';
import { toRouteConfig } from '../../../lib/thrift/convert';
import { buildRouteSpecs } from '../../../lib/core/route-spec';

const T = thrift.Thrift.Type;
const MiB = 1024 * 1024;
const CHUNK = 16 * 1024;

/** Feeds `stream` in chunks of `size`; returns the messages and the reader. */
function feed(stream: Buffer, size: number, reader = new MessageReader()): { messages: Buffer[]; reader: MessageReader; chunks: number } {
  const messages: Buffer[] = [];
  let chunks = 0;
  for (let i = 0; i < stream.length; i += size) {
    // Copies, as a socket hands out fresh buffers.
    messages.push(...reader.push(Buffer.from(stream.subarray(i, i + size))));
    chunks++;
  }
  return { messages, reader, chunks };
}

/** A RouteGet reply (REPLY message) with `count` routes. */
function routeGetReply(count: number): Buffer {
  const routes: RouteConfig[] = [];
  for (let i = 0; i < count; i++) {
    routes.push(
      new RouteConfig({
        app_id: '111:222',
        family_type: FamilyType.af_inet,
        // Same length for every route (up to a million), so the message size is linear in `count`.
        prefix: `10.${100 + (Math.floor(i / 10000) % 100)}.${100 + (Math.floor(i / 100) % 100)}.${100 + (i % 100)}/32`,
        nexthops: [
          new NexthopInfo({ nexthop_address: new GatewayAddress({ nexthop_ip: '192.168.100.1' }) }),
          new NexthopInfo({ nexthop_address: new GatewayAddress({ nexthop_ip: '192.168.100.2' }) }),
        ],
        table_name: 'inet.0',
        preference: [5, 15],
        metric: [i, 5],
      }),
    );
  }
  const result = new RouteService.RouteGetResult({ success: new RouteGetReply({ err_code: 0, routes }) });
  return encodeMessage('RouteGet', MessageType.REPLY, 9, (out) => result.write(out));
}

/** A message exercising every wire type and container, nested, written with literal types. */
function everyType(seqId: number): Buffer {
  return encodeMessage('Svc:Every', MessageType.CALL, seqId, (out) => {
    out.writeStructBegin('');
    out.writeFieldBegin('', T.BOOL, 1);
    out.writeBool(true);
    out.writeFieldBegin('', T.BYTE, 2);
    out.writeByte(-3);
    out.writeFieldBegin('', T.I16, 3);
    out.writeI16(300);
    out.writeFieldBegin('', T.I32, 4);
    out.writeI32(70000);
    out.writeFieldBegin('', T.I64, 5);
    out.writeI64(1234567890123);
    out.writeFieldBegin('', T.DOUBLE, 6);
    out.writeDouble(2.5);
    out.writeFieldBegin('', T.STRING, 7);
    out.writeString('héllo');
    out.writeFieldBegin('', T.LIST, 8); // list<i32>: the fixed-size run
    out.writeListBegin(T.I32, 40);
    for (let i = 0; i < 40; i++) out.writeI32(i);
    out.writeFieldBegin('', T.MAP, 9); // map<string, list<i16>>
    out.writeMapBegin(T.STRING, T.LIST, 3);
    for (const k of ['a', 'bb', '']) {
      out.writeString(k);
      out.writeListBegin(T.I16, k.length);
      for (let i = 0; i < k.length; i++) out.writeI16(i);
    }
    out.writeFieldBegin('', T.SET, 10); // set<struct>
    out.writeSetBegin(T.STRUCT, 2);
    for (let i = 0; i < 2; i++) {
      out.writeFieldBegin('', T.MAP, 1); // map<i64, double>
      out.writeMapBegin(T.I64, T.DOUBLE, 2);
      out.writeI64(i);
      out.writeDouble(i);
      out.writeI64(-i);
      out.writeDouble(-i);
      out.writeFieldStop();
    }
    out.writeFieldBegin('', T.LIST, 11); // empty list of an unknown type: nothing to walk
    out.writeListBegin(99 as thrift.Thrift.Type, 0);
    out.writeFieldBegin('', T.STRUCT, 12); // empty struct
    out.writeFieldStop();
    out.writeFieldStop();
  });
}

describe('thrift framing', () => {
  const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2 10.1.1.3' }, true);
  const message = encodeMessage('RouteService:RouteAdd', MessageType.CALL, 7, (out) => new RouteAddArgs({ route_config: toRouteConfig(spec) }).write(out));

  it('finds the end of a complete message and reports incomplete ones', () => {
    assert.equal(binaryMessageEnd(message, 0, message.length, 1 << 20), message.length);
    for (let cut = 0; cut < message.length; cut++) assert.equal(binaryMessageEnd(message, 0, cut, 1 << 20), -1);
  });
  it('reassembles messages split at every byte and glued together', () => {
    const stream = Buffer.concat([message, message, message]);
    for (const size of [1, 2, 3, 7, 50, stream.length]) {
      const reader = new MessageReader();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...reader.push(stream.subarray(i, i + size)));
      assert.equal(got.length, 3, `chunk size ${size}`);
      for (const m of got) {
        const { header, input } = openMessage(m);
        assert.equal(header.name, 'RouteService:RouteAdd');
        assert.equal(header.seqId, 7);
        assert.equal(RouteAddArgs.read(input).route_config.nexthops?.[1].nexthop_address?.nexthop_ip, '10.1.1.3');
      }
      assert.equal(reader.pending, 0);
    }
  });
  it('rejects bytes that are not a binary-protocol message, and oversized ones', () => {
    assert.throws(() => new MessageReader().push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), ThriftFramingError);
    const huge = Buffer.from(message);
    huge.writeInt32BE(0x7ffffff0, 4);
    assert.throws(() => new MessageReader(1024).push(huge), ThriftFramingError);
  });
});

describe('thrift framing: linear in the bytes received', function () {
  this.timeout(120000);

  it('decodes a 16 MiB RouteGet reply fed in 16 KiB chunks, walking each byte about once', () => {
    // Fill the plugin's default 16 MiB message limit closely without going over it.
    const one = routeGetReply(1).length;
    const perRoute = routeGetReply(2).length - one;
    const count = 1 + Math.floor((16 * MiB - one) / perRoute);
    const message = routeGetReply(count);
    assert.ok(message.length <= 16 * MiB && message.length > 15.9 * MiB, `message of ${message.length} bytes`);

    const { messages, reader, chunks } = feed(message, CHUNK);
    assert.equal(messages.length, 1);
    assert.ok(messages[0].equals(message));
    assert.equal(reader.pending, 0);
    // Each chunk may re-read at most the one token cut by its end (≤ 9 bytes). The old walk from
    // the message start for every chunk examined ~n²/(2·16 KiB), about 8 GiB here.
    assert.ok(reader.bytesExamined >= message.length, `${reader.bytesExamined} bytes examined`);
    assert.ok(reader.bytesExamined <= message.length + 9 * chunks, `${reader.bytesExamined} bytes examined for ${message.length}`);

    const { header, input } = openMessage(messages[0]);
    assert.equal(header.seqId, 9);
    const reply = RouteService.RouteGetResult.read(input).success;
    assert.equal(reply?.routes?.length, count);
    const last = reply?.routes?.[count - 1];
    assert.equal(last?.metric?.[0], count - 1);
    assert.equal(last?.nexthops?.[1].nexthop_address?.nexthop_ip, '192.168.100.2');
  });

  it('walks a message that is one 16 MiB string, and a 4 M-element list<i32>, once', () => {
    const bodies: Array<[thrift.Thrift.Type, (out: thrift.TProtocol) => void]> = [
      [T.STRING, (out) => out.writeString('x'.repeat(16 * MiB - 64))],
      [
        T.LIST,
        (out) => {
          out.writeListBegin(T.I32, 4 * MiB - 64);
          for (let i = 0; i < 4 * MiB - 64; i++) out.writeI32(i);
        },
      ],
    ];
    for (const [type, write] of bodies) {
      const message = encodeMessage('Big', MessageType.REPLY, 1, (out) => {
        out.writeStructBegin('');
        out.writeFieldBegin('', type, 0);
        write(out);
        out.writeFieldStop();
      });
      const { messages, reader, chunks } = feed(message, CHUNK);
      assert.equal(messages.length, 1);
      assert.ok(messages[0].equals(message));
      assert.ok(reader.bytesExamined <= message.length + 9 * chunks, `${reader.bytesExamined} bytes examined for ${message.length}`);
    }
  });

  it('resumes correctly at every cut point, through every wire type and container', () => {
    const stream = Buffer.concat([everyType(1), everyType(2), everyType(3)]);
    const one = everyType(1).length;
    assert.equal(binaryMessageEnd(stream, 0, stream.length, MiB), one);
    assert.equal(binaryMessageEnd(stream, one, stream.length, MiB), 2 * one);
    // Two pieces, cut at every byte.
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new MessageReader();
      const got = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      assert.equal(got.length, 3, `cut at ${cut}`);
      assert.deepEqual(got.map((m) => openMessage(m).header.seqId), [1, 2, 3]);
      assert.equal(reader.pending, 0);
    }
    // Many chunk sizes, one walker per message: the walk stops and resumes anywhere.
    for (const size of [1, 2, 3, 5, 8, 13, 64]) {
      const { messages, reader, chunks } = feed(stream, size);
      assert.equal(messages.length, 3, `chunk size ${size}`);
      for (const m of messages) assert.ok(m.equals(everyType(openMessage(m).header.seqId)));
      assert.ok(reader.bytesExamined <= stream.length + 9 * chunks + 3 * 8, `chunk size ${size}`);
    }
    // A walker fed one byte more each time ends exactly where the message ends.
    const walker = new MessageWalker(MiB);
    for (let end = 0; end < one; end++) assert.equal(walker.advance(stream, 0, end), -1, `end ${end}`);
    assert.equal(walker.advance(stream, 0, one), one);
  });

  it('still rejects bad bytes met after a resume: unknown types, bad lengths, deep nesting, oversize', () => {
    const good = everyType(1);
    // An unknown type in a field header, in the second chunk.
    const badType = Buffer.from(good);
    const fieldAt = badType.indexOf(Buffer.from([T.I32, 0, 4]));
    badType[fieldAt] = 42;
    const reader1 = new MessageReader();
    assert.deepEqual(reader1.push(badType.subarray(0, fieldAt)), []);
    assert.throws(() => reader1.push(badType.subarray(fieldAt)), ThriftFramingError);
    // A negative string length.
    const badLength = Buffer.from(good);
    const strAt = badLength.indexOf(Buffer.from([T.STRING, 0, 7])) + 3;
    badLength.writeInt32BE(-5, strAt);
    const reader2 = new MessageReader();
    reader2.push(badLength.subarray(0, strAt));
    assert.throws(() => reader2.push(badLength.subarray(strAt)), ThriftFramingError);
    // Structs nested 100 deep, one byte at a time.
    const deep = encodeMessage('Deep', MessageType.CALL, 1, (out) => {
      out.writeStructBegin('');
      for (let i = 0; i < 100; i++) out.writeFieldBegin('', T.STRUCT, 1);
      for (let i = 0; i <= 100; i++) out.writeFieldStop();
    });
    assert.throws(() => feed(deep, 1), /nesting too deep/);
    // A message growing past the limit while incomplete.
    const big = encodeMessage('Big', MessageType.REPLY, 1, (out) => {
      out.writeStructBegin('');
      out.writeFieldBegin('', T.LIST, 0);
      out.writeListBegin(T.I32, 1000);
      for (let i = 0; i < 1000; i++) out.writeI32(i);
      out.writeFieldStop();
    });
    assert.throws(() => feed(big, 100, new MessageReader(2000)), /larger than 2000 bytes/);
  });
});
