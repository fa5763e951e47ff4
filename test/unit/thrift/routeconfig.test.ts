/**
 * RouteConfig field ids on the wire (docs/protocol.md §2): app_id 1, family_type 2, prefix 3,
 * nexthop_type 4, nexthops 5, table_name 6, (7 unknown), preference 8, metric 9, an unknown i32
 * 10, (11 unknown). These tests read and write the bytes with literal ids, not through the
 * generated code, so renumbering idl/jet.thrift (which would silently make a router take the
 * metric for the preference) fails here.
 */
import { strict as assert } from 'assert';
import { EventEmitter, once } from 'events';
import * as net from 'net';
import * as thrift from 'thrift';
import { encodeMessage, MessageType, openMessage } from '../../../lib/thrift/codec';
import { MessageReader } from '../../../lib/thrift/framing';
import { RouteConfig } from '../../../lib/gen/jet/RouteConfig';
import { RouteAddArgs } from '../../../lib/gen/jet/RouteService';
import { toRouteConfig } from '../../../lib/thrift/convert';
import { buildRouteSpecs } from '../../../lib/core/route-spec';
import { Rib, ThriftServer } from '../../../sim';

const T = thrift.Thrift.Type;

/** The ids pinned by docs/protocol.md §2, with the wire type of each declared field. */
const IDS = { app_id: 1, family_type: 2, prefix: 3, nexthop_type: 4, nexthops: 5, table_name: 6, preference: 8, metric: 9, unknown_10: 10 };

interface Fields {
  /** [field id, wire type] in wire order. */
  headers: Array<[number, number]>;
  /** Values of list<i32> and i32 fields, of string fields, by id. */
  ints: Record<number, number[]>;
  strings: Record<number, string>;
}

/** Reads one struct's field headers from the wire, without the generated code. */
function readFields(input: thrift.TProtocol): Fields {
  const out: Fields = { headers: [], ints: {}, strings: {} };
  input.readStructBegin();
  for (;;) {
    const { ftype, fid } = input.readFieldBegin();
    if (ftype === T.STOP) break;
    out.headers.push([fid, ftype]);
    if (ftype === T.LIST) {
      const { etype, size } = input.readListBegin();
      if (etype === T.I32) out.ints[fid] = Array.from({ length: size }, () => input.readI32());
      else for (let i = 0; i < size; i++) input.skip(etype);
      input.readListEnd();
    } else if (ftype === T.I32) out.ints[fid] = [input.readI32()];
    else if (ftype === T.STRING) out.strings[fid] = input.readString();
    else input.skip(ftype);
    input.readFieldEnd();
  }
  input.readStructEnd();
  return out;
}

/** Opens `message`, steps into field `id` (a struct) of its body and reads that struct's fields. */
function innerStruct(message: Buffer, id: number): Fields {
  const { input } = openMessage(message);
  input.readStructBegin();
  const { ftype, fid } = input.readFieldBegin();
  assert.deepEqual([fid, ftype], [id, T.STRUCT]);
  return readFields(input);
}

/** Writes a RouteConfig with literal ids, including the unknown fields 7, 10 and 11. */
function writeRouteConfigByHand(out: thrift.TProtocol, preference: number, metric: number): void {
  out.writeStructBegin('RouteConfig');
  out.writeFieldBegin('', T.STRING, 1);
  out.writeString('111:222');
  out.writeFieldBegin('', T.I32, 2);
  out.writeI32(1);
  out.writeFieldBegin('', T.STRING, 3);
  out.writeString('1.1.1.1/32');
  out.writeFieldBegin('', T.LIST, 5);
  out.writeListBegin(T.STRUCT, 1);
  out.writeFieldBegin('', T.STRUCT, 1); // NexthopInfo.nexthop_address
  out.writeFieldBegin('', T.STRING, 1); // GatewayAddress.nexthop_ip
  out.writeString('10.1.1.2');
  out.writeFieldStop();
  out.writeFieldStop();
  out.writeFieldBegin('', T.STRING, 6);
  out.writeString('inet.0');
  out.writeFieldBegin('', T.STRING, 7); // unknown optional (type unknown): must be skipped
  out.writeString('seven');
  out.writeFieldBegin('', T.LIST, 8);
  out.writeListBegin(T.I32, 2);
  out.writeI32(preference);
  out.writeI32(preference + 10);
  out.writeFieldBegin('', T.LIST, 9);
  out.writeListBegin(T.I32, 2);
  out.writeI32(metric);
  out.writeI32(metric + 2);
  out.writeFieldBegin('', T.I32, 10);
  out.writeI32(0);
  out.writeFieldBegin('', T.MAP, 11); // unknown optional: must be skipped
  out.writeMapBegin(T.STRING, T.I32, 1);
  out.writeString('eleven');
  out.writeI32(11);
  out.writeFieldStop();
}

describe('thrift RouteConfig field ids (docs/protocol.md §2)', () => {
  const [spec] = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', preference: 7, metric: 42 }, true);

  it('the plugin writes app_id 1, family_type 2, prefix 3, nexthops 5, table_name 6, preference 8, metric 9, and 0 in field 10 as the original app', () => {
    const message = encodeMessage('RouteService:RouteAdd', MessageType.CALL, 1, (out) => new RouteAddArgs({ route_config: toRouteConfig(spec) }).write(out));
    const fields = innerStruct(message, 1);
    assert.deepEqual(fields.headers, [
      [IDS.app_id, T.STRING],
      [IDS.family_type, T.I32],
      [IDS.prefix, T.STRING],
      [IDS.nexthops, T.LIST],
      [IDS.table_name, T.STRING],
      [IDS.preference, T.LIST],
      [IDS.metric, T.LIST],
      [10, T.I32],
    ]);
    assert.deepEqual(fields.ints[8], [7]);
    assert.deepEqual(fields.ints[9], [42]);
    assert.equal(fields.strings[6], 'inet.0');
    // The same, as raw bytes: field header (type LIST, id) then list header (I32, count 1) and value.
    const field = (id: number, value: number): Buffer => Buffer.from([T.LIST, 0, id, T.I32, 0, 0, 0, 1, 0, 0, 0, value]);
    assert.ok(message.includes(field(8, 7)), 'preference 7 under field id 8');
    assert.ok(message.includes(field(9, 42)), 'metric 42 under field id 9');
  });

  it('the optional nexthop_type and the unknown i32 are written as 4 and 10 when set', () => {
    const cfg = toRouteConfig(spec);
    cfg.nexthop_type = 3;
    cfg.unknown_10 = 0;
    const message = encodeMessage('RouteService:RouteAdd', MessageType.CALL, 1, (out) => new RouteAddArgs({ route_config: cfg }).write(out));
    const fields = innerStruct(message, 1);
    assert.deepEqual(
      fields.headers.map(([id]) => id),
      [1, 2, 3, 4, 5, 6, 8, 9, 10],
    );
    assert.deepEqual(fields.ints[4], [3]);
    assert.deepEqual(fields.ints[10], [0]);
  });

  it('the generated reader takes preference from id 8 and metric from id 9, and skips 7 and 11', () => {
    const message = encodeMessage('RouteService:RouteAdd', MessageType.CALL, 1, (out) => {
      out.writeStructBegin('RouteAdd_args');
      out.writeFieldBegin('route_config', T.STRUCT, 1);
      writeRouteConfigByHand(out, 5, 3);
      out.writeFieldStop();
    });
    const { input } = openMessage(message);
    const cfg = RouteAddArgs.read(input).route_config;
    assert.equal(cfg.app_id, '111:222');
    assert.equal(cfg.prefix, '1.1.1.1/32');
    assert.equal(cfg.table_name, 'inet.0');
    assert.equal(cfg.nexthops?.[0].nexthop_address?.nexthop_ip, '10.1.1.2');
    assert.deepEqual(cfg.preference, [5, 15]);
    assert.deepEqual(cfg.metric, [3, 5]);
    assert.equal(cfg.unknown_10, 0);
    assert.ok(cfg instanceof RouteConfig);
  });

  describe('the simulator', () => {
    let server: ThriftServer;
    let rib: Rib;
    let socket: net.Socket;
    const reader = new MessageReader();
    const replies: Buffer[] = [];
    const arrived = new EventEmitter();

    before(async () => {
      rib = new Rib();
      server = new ThriftServer({ rib });
      const port = await server.listen(0, '127.0.0.1');
      socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.on('data', (chunk: Buffer) => {
        for (const m of reader.push(chunk)) {
          replies.push(m);
          arrived.emit('reply');
        }
      });
    });

    after(async () => {
      socket.destroy();
      await server.close();
    });

    async function call(name: string, writeArgs: (out: thrift.TProtocol) => void): Promise<Buffer> {
      const before = replies.length;
      socket.write(encodeMessage(name, MessageType.CALL, before + 1, writeArgs));
      while (replies.length === before) await once(arrived, 'reply');
      return replies[before];
    }

    it('installs a hand-encoded RouteAdd with preference from id 8, metric from id 9, and answers RouteGet with the same ids', async () => {
      await call('AuthenticationService:LoginCheck', (out) => {
        out.writeStructBegin('');
        out.writeFieldBegin('', T.STRUCT, 1);
        out.writeFieldBegin('', T.STRING, 1);
        out.writeString('lab');
        out.writeFieldBegin('', T.STRING, 2);
        out.writeString('lab123');
        out.writeFieldBegin('', T.STRING, 3);
        out.writeString('ids-test');
        out.writeFieldStop();
        out.writeFieldStop();
      });
      assert.equal(server.counters.logins, 1);
      const added = innerStruct(
        await call('RouteService:RouteAdd', (out) => {
          out.writeStructBegin('');
          out.writeFieldBegin('', T.STRUCT, 1);
          writeRouteConfigByHand(out, 20, 300);
          out.writeFieldStop();
        }),
        0,
      );
      assert.deepEqual(added.ints[1], [0], 'err_code 0');
      const entry = rib.get('inet.0', '1.1.1.1/32');
      assert.equal(entry?.preference, 20);
      assert.equal(entry?.metric, 300);

      const got = await call('RouteService:RouteGet', (out) => {
        out.writeStructBegin('');
        out.writeFieldBegin('', T.STRING, 1);
        out.writeString('111:222');
        out.writeFieldBegin('', T.STRING, 2);
        out.writeString('inet.0');
        out.writeFieldBegin('', T.STRING, 3);
        out.writeString('1.1.1.1/32');
        out.writeFieldStop();
      });
      // RouteGet_result.success (0) = RouteGetReply { 1: err_code, 2: routes }: read the route by hand.
      const { input } = openMessage(got);
      input.readStructBegin();
      const success = input.readFieldBegin();
      assert.deepEqual([success.fid, success.ftype], [0, T.STRUCT]);
      input.readStructBegin();
      const errCode = input.readFieldBegin();
      assert.deepEqual([errCode.fid, errCode.ftype, input.readI32()], [1, T.I32, 0]);
      const routes = input.readFieldBegin();
      assert.deepEqual([routes.fid, routes.ftype], [2, T.LIST]);
      assert.deepEqual(input.readListBegin(), { etype: T.STRUCT, size: 1 });
      const route = readFields(input);
      assert.deepEqual(
        route.headers.map(([id]) => id),
        [1, 2, 3, 5, 6, 8, 9],
      );
      assert.deepEqual(route.ints[8], [20]);
      assert.deepEqual(route.ints[9], [300]);
      assert.equal(route.strings[6], 'inet.0');
    });
  });
});
