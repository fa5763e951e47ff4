/**
 * The management API of a gRPC router session (`GrpcBackend.management`, lib/grpc/session-management.ts)
 * against the simulator's gRPC server (sim/grpc/management.ts on sim/management) and, for answers
 * the simulator never gives, a stub (./support.ts): the calls go on the session with its client id,
 * the streamed output comes back joined, the router's refusals in its words; a call is written
 * once, so a ConfigSet whose answer is lost is an OutcomeUnknownError and is not committed twice;
 * one refused as not logged in goes again after the re-login. A Thrift session has no management.
 */
import { strict as assert } from 'assert';
import * as grpc from '@grpc/grpc-js';
import type { GrpcBackend } from '../../../lib/grpc/backend';
import { ManagementError } from '../../../lib/grpc/management';
import { ThriftBackend } from '../../../lib/thrift/backend';
import { createBackend } from '../../../lib/router/backends';
import { RouteBackend, SessionError } from '../../../lib/core/backend';
import type { ManagementApi } from '../../../lib/core/management';
import { ManagementRefusedError, OutcomeUnknownError } from '../../../lib/core/management-errors';
import { rmonReplaceConfig } from '../../../lib/junos/config-commands';
import { interfaceInformationRpc, parseInterfaceIndex } from '../../../lib/junos/interfaces';
import { compareRmon, parseRmonConfiguration, SHOW_RMON_CONFIGURATION } from '../../../lib/junos/rmon-config';
import { backendFor, connected, freePort, HOST, startStub, started, useSimulator } from './support';

const LOAD = rmonReplaceConfig({ ifIndex: 541, rising: 2048 }).text;

function mgmt(b: GrpcBackend): ManagementApi {
  assert.ok(b.management, 'a gRPC session has a management API');
  return b.management;
}

describe('gRPC session management API against the simulator', function () {
  this.timeout(30000);
  const fx = useSimulator();
  const start = fx.start;

  it('command(): on the logged-in session with its client id; the streamed output joined; in every format and as an XML RPC', async function () {
    const api = mgmt(await start());
    for (const format of ['json', 'xml', 'cli'] as const) {
      for (const command of [{ cli: 'show interfaces ge-0/0/0.0' }, { xml: interfaceInformationRpc('ge-0/0/0.0') }]) {
        const expected = fx.server.management.opCommand(command, format);
        assert.ok(expected.ok && expected.chunks.length > 1, 'the simulator streams it in several messages');
        const out = await api.command(command, format);
        assert.equal(out, expected.ok ? expected.chunks.join('') : '', `${format} ${JSON.stringify(command)}`);
        assert.deepEqual(parseInterfaceIndex(out, 'ge-0/0/0.0'), { found: true, name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 });
      }
    }
    const ops = fx.calls.filter((c) => c.method === 'OpCommandGet');
    assert.equal(ops.length, 6);
    for (const c of ops) assert.deepEqual([c.clientId, typeof c.sessionId], ['node-red-1', 'number']);
    assert.equal(fx.server.counters.unauthenticated, 0);
  });

  it("command(): the router's refusal is a ManagementRefusedError in its words; the session carries on", async function () {
    const api = mgmt(await start());
    await assert.rejects(
      api.command({ cli: 'show interfaces ge-9/9/9' }, 'json'),
      (err: Error) => err instanceof ManagementRefusedError && err instanceof ManagementError && err.message === 'error: device ge-9/9/9 not found',
    );
    const read = parseRmonConfiguration(await api.command({ cli: SHOW_RMON_CONFIGURATION }, 'json'));
    assert.ok(read.ok);
    // The simulator's committed configuration at start: the lab's alarm 1 and event 541.
    assert.ok(compareRmon(read.config, { ifIndex: 541 }).ok && (compareRmon(read.config, { ifIndex: 541 }) as { equal: boolean }).equal);
    await assert.rejects(api.command({ cli: '  ' }, 'json'), RangeError);
    await assert.rejects(api.command({ cli: 'show version' }, 'yaml' as 'json'), RangeError);
    assert.equal(fx.calls.filter((c) => c.method === 'OpCommandGet').length, 2, 'a bad request is not sent');
  });

  it("configure(): set lines loaded and committed with the comment under the login's user; a refusal in the router's words commits nothing", async function () {
    const api = mgmt(await start());
    await api.configure(LOAD, 'node-red: test');
    assert.equal(fx.server.management.commitCount, 1);
    assert.deepEqual(
      fx.server.management.commitHistory().map((c) => [c.sequence, c.user, c.comment]),
      [[1, 'lab', 'node-red: test']],
    );
    const cmp = compareRmon(fx.server.management.committedRmon(), { ifIndex: 541, rising: 2048 });
    assert.ok(cmp.ok && cmp.equal);
    await assert.rejects(
      api.configure('set snmp rmon alarm 1 rising-threshold lots\n', 'bad'),
      (err: Error) => err instanceof ManagementRefusedError && /line 1: Value lots is not within range/.test(err.message),
    );
    fx.server.management.lock('admin');
    await assert.rejects(api.configure(LOAD, 'locked'), (err: Error) => err instanceof ManagementRefusedError && /locked by: admin/.test(err.message));
    fx.server.management.unlock();
    assert.equal(fx.server.management.commitCount, 1);
    await assert.rejects(api.configure(' \n', 'empty'), RangeError);
    assert.equal(fx.calls.filter((c) => c.method === 'ConfigSet').length, 3);
  });

  it('a ConfigSet whose connection drops before the answer: OutcomeUnknownError, and it is not sent again on the next session', async function () {
    const b = await start();
    const api = mgmt(b);
    // The router takes the load and commits it; the answer is lost with the connection.
    let drop = true;
    fx.server.on('call', (c) => {
      if (c.method === 'ConfigSet' && drop) {
        drop = false;
        fx.server.closeAllConnections();
      }
    });
    const again = connected(b);
    await assert.rejects(
      api.configure(LOAD, 'lost answer'),
      (err: Error) =>
        err instanceof OutcomeUnknownError &&
        err instanceof SessionError &&
        err.code === 'disconnected' &&
        /^ConfigSet: the connection was lost before the router answered .*whether the router loaded and committed the configuration is unknown/.test(err.message),
    );
    await again;
    // Something after the re-login, so that anything re-queued would have gone before it.
    await api.command({ cli: 'show interfaces ge-0/0/0' }, 'json');
    assert.equal(fx.calls.filter((c) => c.method === 'ConfigSet').length, 1, 'sent once');
    assert.equal(fx.server.management.commitCount, 1, 'committed once, by the router, before the drop');
  });

  it('a command whose connection drops: an unanswered SessionError (not an unknown outcome), not sent again', async function () {
    const b = await start();
    let drop = true;
    fx.server.on('call', (c) => {
      if (c.method === 'OpCommandGet' && drop) {
        drop = false;
        fx.server.closeAllConnections();
      }
    });
    const again = connected(b);
    await assert.rejects(
      mgmt(b).command({ cli: 'show interfaces ge-0/0/0.0' }, 'json'),
      (err: Error) => err instanceof SessionError && !(err instanceof OutcomeUnknownError) && err.code === 'disconnected',
    );
    await again;
    // Asked again by the caller, it goes on the new session; the first was not re-sent before it.
    assert.equal(parseInterfaceIndex(await mgmt(b).command({ cli: 'show interfaces ge-0/0/0.0' }, 'json'), 'ge-0/0/0.0').found, true);
    assert.equal(fx.calls.filter((c) => c.method === 'OpCommandGet').length, 2);
  });

  it('a ConfigSet that never reached a session fails as unanswered with a known outcome (nothing was sent)', async function () {
    const closed = await freePort();
    fx.backend = backendFor(closed, { requestTimeoutMs: 500 });
    fx.backend.start();
    await assert.rejects(
      mgmt(fx.backend).configure(LOAD, 'never sent'),
      (err: Error) => err instanceof SessionError && !(err instanceof OutcomeUnknownError) && /no session with the router/.test(err.message),
    );
  });
});

describe('gRPC session management API: answers the simulator never gives', function () {
  this.timeout(30000);
  let backend: GrpcBackend | null = null;

  afterEach(async function () {
    await backend?.close(2000);
    backend = null;
  });

  it('a ConfigSet refused as not logged in: the session logs in again and sends it once more', async function () {
    let refuse = true;
    const stub = await startStub(
      {},
      {
        ConfigSet: (_call, cb) => {
          if (refuse) {
            refuse = false;
            cb({ code: grpc.status.UNAUTHENTICATED, details: 'Authorization failed' });
          } else cb(null, { status: { code: 'SUCCESS', message: '' } });
        },
      },
    );
    try {
      backend = backendFor(stub.port);
      await started(backend);
      await mgmt(backend).configure(LOAD, 'after re-login');
      assert.deepEqual(stub.calls.map((c) => c.method), ['Login', 'RouteInitialize', 'ConfigSet', 'Login', 'RouteInitialize', 'ConfigSet']);
      const sets = stub.calls.filter((c) => c.method === 'ConfigSet');
      for (const c of sets) {
        assert.equal(c.clientId, 'node-red-1');
        assert.deepEqual(c.request, {
          text_config: LOAD,
          load_type: 'CONFIG_LOAD_SET',
          commit: { type: 'CONFIG_COMMIT', comment: 'after re-login' },
          config: 'text_config',
        });
      }
    } finally {
      await backend?.close(2000);
      await stub.stop();
    }
  });

  it('a ConfigSet the router never answers: OutcomeUnknownError when the deadline passes, sent once', async function () {
    const held: Array<grpc.sendUnaryData<unknown>> = [];
    const stub = await startStub({}, { ConfigSet: (_call, cb) => void held.push(cb) });
    try {
      backend = backendFor(stub.port, { requestTimeoutMs: 800 });
      await started(backend);
      await assert.rejects(
        mgmt(backend).configure(LOAD, 'no answer'),
        (err: Error) => err instanceof OutcomeUnknownError && err.code === 'timeout' && /no reply from the router within 0.8 s.*unknown/.test(err.message),
      );
      assert.equal(stub.calls.filter((c) => c.method === 'ConfigSet').length, 1);
    } finally {
      await backend?.close(2000);
      await stub.stop();
    }
  });

  it('OpCommandGet: many messages joined in order; a failure status mid-stream is the router\'s refusal and the session carries on', async function () {
    const text = 'x'.repeat(50) + 'é€𝄞'.repeat(20);
    const stub = await startStub(
      {},
      {
        OpCommandGet: (call) => {
          const req = call.request as { cli_command: string; out_format: string };
          if (req.cli_command === 'fail') {
            call.write({ status: { code: 'SUCCESS', message: '' }, data: 'partial' });
            call.write({ status: { code: 'FAILURE', message: 'error: syntax error' }, data: '' });
            call.end();
            return;
          }
          for (const piece of [...text]) call.write({ status: { code: 'SUCCESS', message: '' }, data: piece });
          call.end();
        },
      },
    );
    try {
      backend = backendFor(stub.port);
      await started(backend);
      const api = mgmt(backend);
      assert.equal(await api.command({ cli: 'show it' }, 'cli'), text);
      await assert.rejects(api.command({ cli: 'fail' }, 'json'), (err: Error) => err instanceof ManagementRefusedError && err.message === 'error: syntax error');
      assert.equal(await api.command({ cli: 'show it' }, 'xml'), text);
      const ops = stub.calls.filter((c) => c.method === 'OpCommandGet');
      assert.deepEqual(
        ops.map((c) => c.request),
        [
          { cli_command: 'show it', out_format: 'OP_COMMAND_OUTPUT_CLI', command: 'cli_command' },
          { cli_command: 'fail', out_format: 'OP_COMMAND_OUTPUT_JSON', command: 'cli_command' },
          { cli_command: 'show it', out_format: 'OP_COMMAND_OUTPUT_XML', command: 'cli_command' },
        ],
      );
      assert.deepEqual(stub.calls.map((c) => c.method).filter((m) => m === 'Login'), ['Login'], 'one session throughout');
    } finally {
      await backend?.close(2000);
      await stub.stop();
    }
  });

  it('a Thrift session has no management API; a gRPC one has', async function () {
    const opts = { host: HOST, port: 1, username: 'lab', password: 'lab123', clientId: 'c', requestTimeoutMs: 1000, queueLimit: 10 };
    const made: RouteBackend[] = [new ThriftBackend(opts), createBackend('thrift', opts), createBackend('grpc', opts)];
    assert.deepEqual(made.map((b) => b.management !== undefined), [false, false, true]);
    await Promise.all(made.map((b) => b.close(1000)));
  });
});
