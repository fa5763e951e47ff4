/**
 * The JET management client (lib/grpc/management.ts) against a small real grpc-js server built here
 * from the same proto (idl/jnx_management.proto through lib/grpc/proto.ts): streamed output
 * concatenated (one message per character, and every two-piece split), a failure status mid-stream
 * (the stream is cancelled), gRPC errors and deadlines passed through, the output cap, and ConfigSet's
 * request and replies.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as grpc from '@grpc/grpc-js';
import { jetGrpc, SERVICES } from '../../../lib/grpc/proto';
import { configSet, loadTypeOf, ManagementClient, ManagementError, opCommand, outputFormatOf } from '../../../lib/grpc/management';
import { ManagementRefusedError } from '../../../lib/core/management-errors';
import { lookupFailure, parseInterfaceIndex } from '../../../lib/junos/interfaces';
import type { ManagementHandlers } from '../../../lib/gen-grpc/jnx/jet/management/Management';
import type { OpCommandGetRequest__Output } from '../../../lib/gen-grpc/jnx/jet/management/OpCommandGetRequest';
import type { OpCommandGetResponse } from '../../../lib/gen-grpc/jnx/jet/management/OpCommandGetResponse';
import type { ConfigSetRequest__Output } from '../../../lib/gen-grpc/jnx/jet/management/ConfigSetRequest';
import type { ConfigSetResponse } from '../../../lib/gen-grpc/jnx/jet/management/ConfigSetResponse';
import * as S from '../../support/junos-samples';
import { waitFor } from '../../support/wait';

type OpCall = grpc.ServerWritableStream<OpCommandGetRequest__Output, OpCommandGetResponse>;
type SetCall = grpc.ServerUnaryCall<ConfigSetRequest__Output, ConfigSetResponse>;

const ok = { code: 'SUCCESS' as const, message: '' };

describe('JET management client (lib/grpc/management)', function () {
  let server: grpc.Server;
  let client: ManagementClient;
  /** What the server does with the next calls; each test sets it. */
  let onOp: (call: OpCall) => void = (call) => call.end();
  let onSet: (call: SetCall, cb: grpc.sendUnaryData<ConfigSetResponse>) => void = (_c, cb) => cb(null, { status: ok });
  const seen = new EventEmitter();
  const calls: Array<{ request: unknown; clientId: string; deadline: grpc.Deadline }> = [];

  const metadata = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    md.set('client-id', 'node-red-mgmt');
    return md;
  };
  const soon = (): number => Date.now() + 15000;

  before(async function () {
    server = new grpc.Server();
    const handlers: ManagementHandlers = {
      OpCommandGet: (call) => {
        calls.push({ request: call.request, clientId: String(call.metadata.get('client-id')[0]), deadline: call.getDeadline() });
        call.on('cancelled', () => seen.emit('cancelled'));
        onOp(call);
      },
      ConfigSet: (call, cb) => {
        calls.push({ request: call.request, clientId: String(call.metadata.get('client-id')[0]), deadline: call.getDeadline() });
        onSet(call, cb);
      },
    };
    server.addService(jetGrpc().jnx.jet.management.Management.service, handlers);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    client = new (jetGrpc().jnx.jet.management.Management)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(function () {
    client?.close();
    server?.forceShutdown();
  });

  beforeEach(function () {
    calls.length = 0;
  });

  /** Serves `pieces` as one message each, then ends. */
  const serve = (pieces: string[]): ((call: OpCall) => void) => (call) => {
    for (const data of pieces) call.write({ status: ok, data });
    call.end();
  };

  it('OpCommandGet: the CLI command, format and metadata go out; every message\'s data comes back concatenated', async () => {
    assert.equal(SERVICES.management, 'jnx.jet.management.Management');
    for (const [format, sample, name] of [['cli', S.IFD_CLI, 'ge-0/0/0'], ['json', S.IFD_JSON, 'ge-0/0/0'], ['xml', S.IFD_XML, 'ge-0/0/0']] as const) {
      onOp = serve([...sample]);
      const deadline = soon();
      const out = await opCommand(client, { cli: `show interfaces ${name}` }, format, metadata(), deadline);
      assert.equal(out, sample, format);
      assert.deepEqual(parseInterfaceIndex(out, name), { found: true, name, kind: 'physical', ifIndex: 513 });
      const last = calls[calls.length - 1];
      assert.deepEqual(last.request, { cli_command: `show interfaces ${name}`, out_format: `OP_COMMAND_OUTPUT_${format.toUpperCase()}`, command: 'cli_command' });
      assert.equal(last.clientId, 'node-red-mgmt');
      // grpc-js's server reports the deadline it read from the call (Infinity for none), in ms.
      assert.ok(Number.isFinite(last.deadline) && (last.deadline as number) <= deadline + 1000, `the deadline reaches the server: ${String(last.deadline)}`);
    }
  });

  it('every two-piece split of an answer, each piece its own message, reads back the same', async () => {
    const sample = S.IFL_CLI;
    for (let i = 0; i <= sample.length; i++) {
      onOp = serve([sample.slice(0, i), sample.slice(i)]);
      const out = await opCommand(client, { cli: 'show interfaces ge-0/0/0.0' }, 'cli', metadata(), soon());
      assert.equal(out, sample, `split at ${i}`);
    }
    // Messages without status or data count as empty pieces.
    onOp = (call) => {
      call.write({});
      call.write({ data: 'a' });
      call.write({ status: null, data: 'b' });
      call.end();
    };
    assert.equal(await opCommand(client, { cli: 'x' }, 'cli', metadata(), soon()), 'ab');
  });

  it('an XML RPC goes as xml_command', async () => {
    onOp = serve(['<a/>']);
    const rpc = '<get-interface-information><interface-name>ge-0/0/0.0</interface-name></get-interface-information>';
    assert.equal(await opCommand(client, { xml: rpc }, 'xml', metadata(), soon()), '<a/>');
    assert.deepEqual(calls[0].request, { xml_command: rpc, out_format: 'OP_COMMAND_OUTPUT_XML', command: 'xml_command' });
  });

  it("a failure status mid-stream: rejected with the router's message, the stream cancelled", async () => {
    onOp = (call) => {
      call.write({ status: ok, data: 'partial ' });
      call.write({ status: { code: 'FAILURE', message: 'error: device ge-9/9/9 not found' }, data: '' });
      // A router that goes on sending: nothing more is read.
      call.write({ status: ok, data: 'more' });
    };
    const cancelled = waitFor(seen, 'cancelled');
    const err = await opCommand(client, { cli: 'show interfaces ge-9/9/9' }, 'json', metadata(), soon()).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ManagementError);
    assert.deepEqual([err.rpc, err.code, err.message], ['OpCommandGet', 'FAILURE', 'error: device ge-9/9/9 not found']);
    assert.equal(lookupFailure(err.message).reason, 'not-found');
    await cancelled;
  });

  it('a failure status without a message: the data is the message, else the code; a code the proto does not name fails too', async () => {
    const failWith = async (response: OpCommandGetResponse): Promise<ManagementError> => {
      onOp = (call) => {
        call.write(response);
        call.end();
      };
      return opCommand(client, { cli: 'show x' }, 'cli', metadata(), soon()).then(
        () => assert.fail('resolved'),
        (e: ManagementError) => e,
      );
    };
    assert.equal((await failWith({ status: { code: 'FAILURE' }, data: ' error: syntax error\n' })).message, 'error: syntax error');
    assert.equal((await failWith({ status: { code: 'FAILURE' } })).message, 'OpCommandGet failed (status FAILURE)');
    const unknown = await failWith({ status: { code: 7 as unknown as 'FAILURE', message: 'odd' } });
    assert.deepEqual([unknown.code, unknown.message], [7, 'odd']);
  });

  it('gRPC errors pass through as grpc-js ServiceErrors (code and details), a deadline included', async () => {
    onOp = (call) => call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'Authorization failed' });
    const err = (await opCommand(client, { cli: 'show x' }, 'cli', metadata(), soon()).catch((e: unknown) => e)) as grpc.ServiceError;
    assert.deepEqual([err.code, err.details], [grpc.status.UNAUTHENTICATED, 'Authorization failed']);
    assert.ok(!(err instanceof ManagementError));

    onOp = (call) => call.write({ status: ok, data: 'never ends' });
    const late = (await opCommand(client, { cli: 'show x' }, 'cli', metadata(), Date.now() + 300).catch((e: unknown) => e)) as grpc.ServiceError;
    assert.equal(late.code, grpc.status.DEADLINE_EXCEEDED);
  });

  it('output beyond maxChars: TOO_LARGE, the stream cancelled', async () => {
    onOp = (call) => {
      for (let i = 0; i < 3; i++) call.write({ status: ok, data: 'x'.repeat(1000) });
    };
    const cancelled = waitFor(seen, 'cancelled');
    const err = (await opCommand(client, { cli: 'show x' }, 'cli', metadata(), soon(), { maxChars: 1500 }).catch((e: unknown) => e)) as ManagementError;
    assert.deepEqual([err.code, err.message], ['TOO_LARGE', 'the output passed 1500 characters; the rest was not read']);
    await cancelled;
    onOp = serve(['x'.repeat(1500)]);
    assert.equal((await opCommand(client, { cli: 'show x' }, 'cli', metadata(), soon(), { maxChars: 1500 })).length, 1500);
  });

  it('an empty command or an unknown format is refused before any call', async () => {
    for (const command of [{ cli: '' }, { cli: '  ' }, { xml: '' }]) {
      await assert.rejects(opCommand(client, command, 'cli', metadata(), soon()), RangeError);
    }
    await assert.rejects(opCommand(client, { cli: 'show x' }, 'yaml' as 'cli', metadata(), soon()), RangeError);
    assert.equal(calls.length, 0);
  });

  it('ConfigSet: text_config, load type SET and a commit with its comment; the status message comes back', async () => {
    onSet = (_call, cb) => cb(null, { status: { code: 'SUCCESS', message: ' commit complete\n' } });
    const lines = 'delete snmp rmon alarm 1\nset snmp rmon alarm 1 interval 1\n';
    const deadline = soon();
    assert.equal(await configSet(client, lines, { loadType: 'set', commitComment: '@jetflows/node-red-junos-jet: node 1a2b' }, metadata(), deadline), 'commit complete');
    assert.deepEqual(calls[0].request, {
      text_config: lines,
      load_type: 'CONFIG_LOAD_SET',
      commit: { type: 'CONFIG_COMMIT', comment: '@jetflows/node-red-junos-jet: node 1a2b' },
      config: 'text_config',
    });
    assert.equal(calls[0].clientId, 'node-red-mgmt');
    assert.ok(Number.isFinite(calls[0].deadline) && (calls[0].deadline as number) <= deadline + 1000);
    // Defaults: SET, committed with an empty comment; commit: false leaves it in the candidate; merge for curly text.
    await configSet(client, lines, {}, metadata(), soon());
    assert.deepEqual((calls[1].request as ConfigSetRequest__Output).commit, { type: 'CONFIG_COMMIT', comment: '' });
    await configSet(client, lines, { commit: false }, metadata(), soon());
    assert.equal((calls[2].request as ConfigSetRequest__Output).commit, null);
    await configSet(client, 'snmp { rmon; }', { loadType: 'merge' }, metadata(), soon());
    assert.equal((calls[3].request as ConfigSetRequest__Output).load_type, 'CONFIG_LOAD_MERGE');
  });

  it("ConfigSet failures: the router's message, a reply without status, gRPC errors as they are, nothing to load", async () => {
    onSet = (_call, cb) => cb(null, { status: { code: 'FAILURE', message: 'error: syntax error: colour' } });
    const refused = (await configSet(client, 'set snmp rmon alarm 1 colour red', {}, metadata(), soon()).catch((e: unknown) => e)) as ManagementError;
    assert.ok(refused instanceof ManagementError);
    assert.deepEqual([refused.rpc, refused.code, refused.message], ['ConfigSet', 'FAILURE', 'error: syntax error: colour']);
    onSet = (_call, cb) => cb(null, {});
    const silent = (await configSet(client, 'set a', {}, metadata(), soon()).catch((e: unknown) => e)) as ManagementError;
    assert.deepEqual([silent.code, silent.message], ['NO_STATUS', 'the router answered ConfigSet without a status']);
    onSet = (_call, cb) => cb({ code: grpc.status.PERMISSION_DENIED, details: 'not allowed' });
    const denied = (await configSet(client, 'set a', {}, metadata(), soon()).catch((e: unknown) => e)) as grpc.ServiceError;
    assert.deepEqual([denied.code, denied.details], [grpc.status.PERMISSION_DENIED, 'not allowed']);
    const before = calls.length;
    await assert.rejects(configSet(client, ' \n', {}, metadata(), soon()), RangeError);
    await assert.rejects(configSet(client, 'set a', { loadType: 'patch' as 'set' }, metadata(), soon()), RangeError);
    await assert.rejects(configSet(client, 'set a', { loadType: 'toString' as 'set' }, metadata(), soon()), RangeError);
    await assert.rejects(opCommand(client, { cli: 'show x' }, 'constructor' as 'cli', metadata(), soon()), RangeError);
    assert.equal(calls.length, before);
  });

  it("a ManagementError is the core's ManagementRefusedError (the router's words, transport-neutral)", () => {
    const err = new ManagementError('ConfigSet', 'FAILURE', 'error: syntax error');
    assert.ok(err instanceof ManagementRefusedError);
    assert.deepEqual([err.name, err.call, err.rpc, err.message], ['ManagementError', 'ConfigSet', 'ConfigSet', 'error: syntax error']);
  });

  it("a request's out_format and load_type in this package's words (what the simulator reads requests with)", () => {
    assert.deepEqual(['OP_COMMAND_OUTPUT_JSON', 'OP_COMMAND_OUTPUT_XML', 'OP_COMMAND_OUTPUT_CLI', 'OTHER', 7, undefined].map(outputFormatOf), ['json', 'xml', 'cli', undefined, undefined, undefined]);
    assert.deepEqual(
      ['CONFIG_LOAD_MERGE', 'CONFIG_LOAD_REPLACE', 'CONFIG_LOAD_OVERRIDE', 'CONFIG_LOAD_UPDATE', 'CONFIG_LOAD_SET', 9, 'set'].map(loadTypeOf),
      ['merge', 'replace', 'override', 'update', 'set', undefined, undefined],
    );
  });
});
