/**
 * The simulator serves jnx.jet Management on its gRPC port (sim/grpc/management.ts), driven by a raw
 * @grpc/grpc-js client made from the project's .proto files: login required as for the RIB,
 * OpCommandGet streamed in several messages (a refused command is one FAILURE message in the
 * router's words), ConfigSet of set/delete lines with commits that the RMON engine runs at once,
 * Junos's refusals changing nothing; the committed configuration at start is what the engine runs;
 * GET /commits and the status page show the commits.
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import * as grpc from '@grpc/grpc-js';
import { jetGrpc } from '../../lib/grpc/proto';
import { rmonConfig, rmonReplaceConfig } from '../../lib/junos/config-commands';
import { interfaceInformationRpc } from '../../lib/junos/interfaces';
import { compareRmon } from '../../lib/junos/rmon-config';
import type { AuthenticationClient } from '../../lib/gen-grpc/jnx/jet/authentication/Authentication';
import type { LoginResponse__Output } from '../../lib/gen-grpc/jnx/jet/authentication/LoginResponse';
import type { ManagementClient } from '../../lib/gen-grpc/jnx/jet/management/Management';
import type { OpCommandGetRequest } from '../../lib/gen-grpc/jnx/jet/management/OpCommandGetRequest';
import type { OpCommandGetResponse__Output } from '../../lib/gen-grpc/jnx/jet/management/OpCommandGetResponse';
import type { ConfigSetRequest } from '../../lib/gen-grpc/jnx/jet/management/ConfigSetRequest';
import type { ConfigSetResponse__Output } from '../../lib/gen-grpc/jnx/jet/management/ConfigSetResponse';
import { JetSimulator, normalizeAlarm, renderRmonSet, RmonAlarmSpec } from '../../sim';

const jet = jetGrpc().jnx.jet;

/** A management client on its own connection, with `client-id` metadata. */
class MgmtClient {
  readonly auth: AuthenticationClient;
  readonly mgmt: ManagementClient;
  readonly metadata = new grpc.Metadata();

  constructor(port: number, readonly clientId = 'mgmt-test') {
    const target = `127.0.0.1:${port}`;
    this.auth = new jet.authentication.Authentication(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    this.mgmt = new jet.management.Management(target, grpc.credentials.createInsecure(), { channelOverride: this.auth.getChannel() });
    this.metadata.set('client-id', clientId);
  }

  private deadline(): grpc.CallOptions {
    return { deadline: Date.now() + 10000 };
  }

  login(password = 'lab123'): Promise<LoginResponse__Output> {
    return new Promise((resolve, reject) =>
      this.auth.Login({ username: 'lab', password, client_id: this.clientId }, this.metadata, this.deadline(), (e, r) => (e ? reject(e) : resolve(r!))),
    );
  }

  op(request: OpCommandGetRequest): Promise<OpCommandGetResponse__Output[]> {
    return new Promise((resolve, reject) => {
      const out: OpCommandGetResponse__Output[] = [];
      const call = this.mgmt.OpCommandGet(request, this.metadata, this.deadline());
      call.on('data', (m: OpCommandGetResponse__Output) => out.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  }

  set(request: ConfigSetRequest): Promise<ConfigSetResponse__Output> {
    return new Promise((resolve, reject) => this.mgmt.ConfigSet(request, this.metadata, this.deadline(), (e, r) => (e ? reject(e) : resolve(r!))));
  }

  close(): void {
    this.mgmt.close();
    this.auth.close();
  }
}

function get(port: number, path: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

const ok = { code: 'SUCCESS', message: '' };

describe('simulator: the jnx.jet Management service on the gRPC port', function () {
  this.timeout(20000);
  let sim: JetSimulator;
  let client: MgmtClient;
  const log: string[] = [];

  beforeEach(async function () {
    log.length = 0;
    sim = await JetSimulator.start({ sampling: false, thriftPort: false, log: (l) => log.push(l) });
    client = new MgmtClient(sim.grpcPort);
  });

  afterEach(async function () {
    client.close();
    await sim.stop();
  });

  it('needs a login, as the RIB API does: UNAUTHENTICATED "Authorization failed" before it', async () => {
    const refused = (err: grpc.ServiceError): boolean => err.code === grpc.status.UNAUTHENTICATED && err.details === 'Authorization failed';
    await assert.rejects(client.op({ cli_command: 'show interfaces ge-0/0/0.0' }), refused);
    await assert.rejects(client.set({ text_config: 'set snmp rmon alarm 1 rising-threshold 5', load_type: 'CONFIG_LOAD_SET', commit: { comment: 'x' } }), refused);
    assert.equal((await client.login('wrong')).status?.code, 'FAILURE');
    await assert.rejects(client.op({ cli_command: 'show interfaces ge-0/0/0.0' }), refused);
    assert.deepEqual([sim.grpc.counters.unauthenticated, sim.management.commitCount], [3, 0]);
    assert.equal((await client.login()).status?.code, 'SUCCESS');
    assert.ok((await client.op({ cli_command: 'show interfaces ge-0/0/0.0' })).length > 1);
  });

  it("OpCommandGet: the output in several SUCCESS messages, in every format and as an XML RPC; a refused command is one FAILURE message in the router's words", async () => {
    await client.login();
    for (const [format, name] of [['OP_COMMAND_OUTPUT_JSON', 'json'], ['OP_COMMAND_OUTPUT_XML', 'xml'], ['OP_COMMAND_OUTPUT_CLI', 'cli']] as const) {
      for (const request of [{ cli_command: 'show interfaces ge-0/0/0', out_format: format }, { xml_command: interfaceInformationRpc('ge-0/0/0'), out_format: format }]) {
        const messages = await client.op(request);
        assert.ok(messages.length > 1, `${name}: ${messages.length} message(s)`);
        assert.ok(messages.every((m) => m.status?.code === 'SUCCESS'));
        const expected = sim.management.opCommand({ cli: 'show interfaces ge-0/0/0' }, name);
        assert.equal(messages.map((m) => m.data).join(''), expected.ok ? expected.chunks.join('') : '?');
      }
    }
    const unknown = await client.op({ cli_command: 'show interfaces ge-9/9/9' });
    assert.deepEqual(unknown.map((m) => [m.status?.code, m.status?.message, m.data]), [['FAILURE', 'error: device ge-9/9/9 not found', '']]);
    const none = await client.op({ out_format: 'OP_COMMAND_OUTPUT_JSON' });
    assert.deepEqual(none.map((m) => m.status?.code), ['FAILURE']);
    assert.match(none[0].status?.message ?? '', /no command/);
    const piped = await client.op({ cli_command: 'show interfaces ge-0/0/0.0 | display json' });
    assert.deepEqual(piped.map((m) => m.status?.code), ['FAILURE']);
  });

  it('ConfigSet: set lines loaded and committed under the user, run by the RMON engine at once, shown by GET /commits and the page', async () => {
    await client.login();
    const comment = 'node-red: <b>uplink</b> & co';
    const reply = await client.set({ text_config: rmonReplaceConfig({ ifIndex: 541, rising: 2048, falling: 2000 }).text, load_type: 'CONFIG_LOAD_SET', commit: { comment } });
    assert.deepEqual(reply.status, ok);
    assert.equal(sim.management.commitCount, 1);
    assert.deepEqual(sim.rmon.alarms().map((a) => [a.index, a.rising, a.falling]), [[1, 2048, 2000]]);
    assert.ok(log.includes(`mgmt: commit 1 by lab: ${comment}`), log.join('\n'));

    const commits = await get(sim.httpPort, '/commits');
    assert.equal(commits.status, 200);
    const body = JSON.parse(commits.text);
    assert.equal(body.count, 1);
    assert.deepEqual(body.commits.map((c: { sequence: number; user: string; comment: string }) => [c.sequence, c.user, c.comment]), [[1, 'lab', comment]]);
    assert.ok(!Number.isNaN(Date.parse(body.commits[0].time)));
    assert.equal(body.configuration, rmonConfig({ ifIndex: 541, rising: 2048, falling: 2000 }).text);

    const page = await get(sim.httpPort, '/');
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.ok(page.text.includes('Commits (1)'));
    assert.ok(page.text.includes('node-red: &lt;b&gt;uplink&lt;/b&gt; &amp; co'), 'the comment, escaped');
    assert.ok(!page.text.includes('<b>uplink'));
    assert.ok(page.text.includes('set snmp rmon alarm 1 rising-threshold 2048'));
  });

  it("ConfigSet: what Junos refuses is a FAILURE in its words and changes nothing; without commit the candidate only", async () => {
    await client.login();
    const refusals: Array<[ConfigSetRequest, RegExp]> = [
      [{ text_config: 'set snmp rmon alarm 1 rising-threshold 5\n', load_type: 'CONFIG_LOAD_MERGE', commit: {} }, /syntax error: set/],
      [{ text_config: 'set snmp rmon alarm 1 rising-treshold 5\n', load_type: 'CONFIG_LOAD_SET', commit: {} }, /^error: line 1: syntax error: rising-treshold/],
      [{ text_config: 'set snmp rmon alarm 1 falling-threshold 5000\n', load_type: 'CONFIG_LOAD_SET', commit: {} }, /falling-threshold must be less than rising-threshold/],
      [{ xml_config: '<configuration/>', load_type: 'CONFIG_LOAD_MERGE', commit: {} }, /text_config only/],
      [{ load_type: 'CONFIG_LOAD_SET', commit: {} }, /no configuration/],
    ];
    for (const [request, words] of refusals) {
      const reply = await client.set(request);
      assert.equal(reply.status?.code, 'FAILURE', JSON.stringify(request));
      assert.match(reply.status?.message ?? '', words);
    }
    assert.equal(sim.management.commitCount, 0);
    assert.equal(sim.rmon.alarms()[0].rising, 1024);
    // Loaded without commit: the candidate changes, the committed configuration and the engine do not.
    assert.deepEqual((await client.set({ text_config: 'set snmp rmon alarm 1 rising-threshold 3000\n', load_type: 'CONFIG_LOAD_SET' })).status, ok);
    assert.deepEqual([sim.management.commitCount, sim.rmon.alarms()[0].rising], [0, 1024]);
    assert.equal(sim.management.candidateRmon().alarms[0].statements['rising-threshold'], '3000');
    // A delete of what is not there: Junos's warning, and the commit goes through.
    const warned = await client.set({ text_config: 'delete snmp rmon alarm 9\n', load_type: 'CONFIG_LOAD_SET', commit: { comment: 'w' } });
    assert.deepEqual([warned.status?.code, warned.status?.message], ['SUCCESS', 'warning: line 1: statement not found']);
    assert.deepEqual([sim.management.commitCount, sim.rmon.alarms()[0].rising], [1, 3000]);
  });
});

describe('simulator: the committed RMON configuration at start is what the engine runs', function () {
  this.timeout(20000);

  async function started(alarms?: RmonAlarmSpec[]): Promise<{ sim: JetSimulator; log: string[] }> {
    const log: string[] = [];
    const sim = await JetSimulator.start({ sampling: false, thriftPort: false, grpcPort: false, alarms, log: (l) => log.push(l) });
    return { sim, log };
  }

  const withoutState = (sim: JetSimulator): unknown[] => sim.rmon.alarms().map(({ state: _state, ...a }) => a);

  it("the lab's alarm: the plugin's own lines for ifIndex 541", async () => {
    const { sim } = await started();
    try {
      assert.equal(renderRmonSet(sim.management.committedRmon()), rmonConfig({ ifIndex: 541 }).text);
      assert.deepEqual(sim.management.engineAlarms().alarms.map(normalizeAlarm), withoutState(sim));
      const cmp = compareRmon(sim.management.committedRmon(), { ifIndex: 541 });
      assert.ok(cmp.ok && cmp.equal);
    } finally {
      await sim.stop();
    }
  });

  it('alarms given at start (every option Junos can say) read back as exactly those; one it cannot say is logged and left out', async () => {
    const alarms: RmonAlarmSpec[] = [
      { index: 1, variable: 'ifIn1SecRate.541', rising: 1024, falling: 1023 },
      { index: 2, variable: 'ifIn1SecRate.600', rising: 5000, intervalS: 5, sampleType: 'delta', startup: 'both', risingEventIndex: 9, fallingEventIndex: 0, subtag: '' },
      { index: 3, variable: 'ifIn1SecRate.601', rising: 10, falling: 5, startup: 'falling', risingEventIndex: 541, fallingEventIndex: 541, subtag: 'LAB-3' },
      { index: 4, variable: 'ifIn1SecRate.602', rising: 10, intervalS: 0.5 },
    ];
    const { sim, log } = await started(alarms);
    try {
      assert.deepEqual(sim.management.engineAlarms().alarms.map(normalizeAlarm), withoutState(sim).slice(0, 3));
      assert.equal(sim.rmon.alarms().length, 4, 'the engine runs what it was given');
      assert.ok(log.some((l) => /^mgmt: alarm 4 is not in the committed configuration \(error: line 1: Value 0.5 is not within range/.test(l)), log.join('\n'));
    } finally {
      await sim.stop();
    }
  });
});
