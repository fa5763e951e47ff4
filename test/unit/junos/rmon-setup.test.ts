/**
 * The RMON set-up of a jet-rmon-event node (lib/junos/rmon-setup.ts) over a fake ManagementApi that
 * answers with Junos's own output shapes (test/support/junos-samples.ts) and records every call:
 * the ifIndex lookup (JSON first, the other formats only when JSON cannot be read, the router's
 * "not found" final), the read and compare, a load and commit only on a difference with the one
 * builder's lines and a comment naming the package and the node, and every failure as a value.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { SessionError } from '../../../lib/core/backend';
import { PACKAGE_NAME } from '../../../lib/core/defaults';
import type { ManagementApi, OpCommand, OutputFormat } from '../../../lib/core/management';
import { ManagementRefusedError, OutcomeUnknownError } from '../../../lib/core/management-errors';
import { rmonReplaceConfig } from '../../../lib/junos/config-commands';
import { SHOW_RMON_CONFIGURATION } from '../../../lib/junos/rmon-config';
import { lookUpInterface, rmonCommitComment, setUpRmon } from '../../../lib/junos/rmon-setup';
import { ROOT } from '../../support/paths';
import * as S from '../../support/junos-samples';

type Answer = string | Error;

/** A ManagementApi that answers from tables and records what it was asked. */
class FakeApi implements ManagementApi {
  readonly commands: Array<{ command: string; format: OutputFormat }> = [];
  readonly loads: Array<{ text: string; comment: string }> = [];
  /** Answers by `<command>|<format>` (else by `<command>`), in turn when a list. */
  answers = new Map<string, Answer | Answer[]>();
  /** What configure() does; default: accept and make `rmon` the loaded lines' result. */
  onConfigure: (text: string) => Error | void = () => undefined;

  async command(command: OpCommand, format: OutputFormat): Promise<string> {
    const text = 'cli' in command ? command.cli : command.xml;
    this.commands.push({ command: text, format });
    let answer = this.answers.get(`${text}|${format}`) ?? this.answers.get(text);
    if (Array.isArray(answer)) answer = answer.length > 1 ? answer.shift() : answer[0];
    if (answer === undefined) throw new ManagementRefusedError('OpCommandGet', `error: the fake does not answer ${text}`);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async configure(text: string, comment: string): Promise<void> {
    this.loads.push({ text, comment });
    const err = this.onConfigure(text);
    if (err) throw err;
  }
}

const IFL = 'show interfaces ge-0/0/0.0';
const RMON = SHOW_RMON_CONFIGURATION;
/** The lab's committed alarm 1 / event 541 for ifIndex 541 with rising 2048 instead of 1024. */
const RMON_2048 = S.RMON_SET.replace('rising-threshold 1024', 'rising-threshold 2048');

function lab(): FakeApi {
  const api = new FakeApi();
  api.answers.set(IFL, S.IFL_JSON);
  api.answers.set(RMON, S.RMON_JSON_STRINGS);
  return api;
}

describe('RMON set-up over the management API (lib/junos/rmon-setup)', function () {
  describe('lookUpInterface', function () {
    it('an IFL and an IFD from JSON: one command, JSON only', async () => {
      const api = new FakeApi();
      api.answers.set(IFL, S.IFL_JSON);
      api.answers.set('show interfaces ge-0/0/0', S.IFD_JSON);
      assert.deepEqual(await lookUpInterface(api, 'ge-0/0/0.0'), { found: true, name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 });
      assert.deepEqual(await lookUpInterface(api, 'ge-0/0/0'), { found: true, name: 'ge-0/0/0', kind: 'physical', ifIndex: 513 });
      assert.deepEqual(api.commands, [
        { command: IFL, format: 'json' },
        { command: 'show interfaces ge-0/0/0', format: 'json' },
      ]);
    });

    it('falls back to XML, then CLI text, only while the answer cannot be read', async () => {
      const api = new FakeApi();
      api.answers.set(`${IFL}|json`, '{"interface-information": [{"logical-interface": [{"name": [{"data": "ge-0/0/0.0"}]}]}]}');
      api.answers.set(`${IFL}|xml`, '<rpc-reply>cut sh');
      api.answers.set(`${IFL}|cli`, S.IFL_CLI);
      assert.deepEqual(await lookUpInterface(api, 'ge-0/0/0.0'), { found: true, name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 });
      assert.deepEqual(api.commands.map((c) => c.format), ['json', 'xml', 'cli']);
      // Nothing readable anywhere: the most telling failure (JSON's: no SNMP ifIndex).
      api.answers.set(`${IFL}|cli`, 'garbage');
      const none = await lookUpInterface(api, 'ge-0/0/0.0');
      assert.deepEqual([none.found, !none.found && none.reason], [false, 'no-index']);
    });

    it("the router's \"not found\" is final, in its words, as a refusal or as output", async () => {
      const refusing = new FakeApi();
      refusing.answers.set('show interfaces ge-9/9/9', new ManagementRefusedError('OpCommandGet', 'error: device ge-9/9/9 not found'));
      assert.deepEqual(await lookUpInterface(refusing, 'ge-9/9/9'), { found: false, reason: 'not-found', message: 'error: device ge-9/9/9 not found' });
      assert.equal(refusing.commands.length, 1);
      const printing = new FakeApi();
      printing.answers.set('show interfaces ge-9/9/9', S.NOT_FOUND_XML);
      assert.deepEqual(await lookUpInterface(printing, 'ge-9/9/9'), { found: false, reason: 'not-found', message: 'error: device ge-9/9/9 not found' });
      assert.equal(printing.commands.length, 1);
    });

    it('no answer is unanswered (no other format tried); an answer that is no refusal is a router error', async () => {
      const api = new FakeApi();
      api.answers.set(IFL, new SessionError('OpCommandGet: no reply from the router within 10 s', 'timeout'));
      assert.deepEqual(await lookUpInterface(api, 'ge-0/0/0.0'), { found: false, reason: 'unanswered', message: 'OpCommandGet: no reply from the router within 10 s' });
      assert.equal(api.commands.length, 1);
      // A gRPC status that happens to say "not found" is not the interface's.
      const other = new FakeApi();
      other.answers.set(IFL, new Error('OpCommandGet failed: UNIMPLEMENTED: Method not found'));
      assert.deepEqual(await lookUpInterface(other, 'ge-0/0/0.0'), { found: false, reason: 'router-error', message: 'OpCommandGet failed: UNIMPLEMENTED: Method not found' });
    });

    it('a name that is no interface name is not sent', async () => {
      const api = new FakeApi();
      const r = await lookUpInterface(api, 'ge-0/0/0 | display xml');
      assert.equal(r.found, false);
      assert.equal(api.commands.length, 0);
    });
  });

  describe('setUpRmon', function () {
    const settings = { interface: 'ge-0/0/0.0' };

    it('unchanged: the lookup and the read, no load, no commit', async () => {
      for (const sample of [S.RMON_JSON_STRINGS, S.RMON_JSON_NUMBERS]) {
        const api = lab();
        api.answers.set(RMON, sample);
        const r = await setUpRmon(api, settings, { node: 'n1' });
        assert.deepEqual(r, { status: 'unchanged', ifIndex: 541, interface: { name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 } });
        assert.deepEqual(api.commands, [
          { command: IFL, format: 'json' },
          { command: RMON, format: 'json' },
        ]);
        assert.equal(api.loads.length, 0);
      }
    });

    it('ifIndex alone: no lookup; the read falls back to XML and text only when JSON cannot be read', async () => {
      const api = new FakeApi();
      api.answers.set(`${RMON}|json`, '{"configuration": ');
      api.answers.set(`${RMON}|xml`, S.RMON_XML);
      assert.deepEqual(await setUpRmon(api, { ifIndex: '541' }, { node: 'n1' }), { status: 'unchanged', ifIndex: 541 });
      assert.deepEqual(api.commands.map((c) => `${c.command}|${c.format}`), [`${RMON}|json`, `${RMON}|xml`]);
    });

    it('a difference: the builder\'s delete-then-set lines for that alarm and event, committed with the package and the node; read back', async () => {
      const api = lab();
      api.answers.set(RMON, [S.RMON_SET.replace(/rising-threshold 1024/, 'rising-threshold 2048'), S.RMON_SET]);
      const r = await setUpRmon(api, settings, { node: 'edge uplink' });
      const expected = rmonReplaceConfig({ ifIndex: 541 });
      assert.deepEqual(api.loads, [{ text: expected.text, comment: `${PACKAGE_NAME}: jet-rmon-event edge uplink` }]);
      assert.deepEqual(r, {
        status: 'committed',
        ifIndex: 541,
        interface: { name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 },
        differences: ["alarm 1 rising-threshold is 2048, the node's 1024"],
        lines: expected.lines,
        comment: `${PACKAGE_NAME}: jet-rmon-event edge uplink`,
        readBack: 'equal',
        remaining: [],
      });
      assert.equal(api.commands.filter((c) => c.command === RMON).length, 2, 'read, then read back');
    });

    it('nothing configured: only set lines (no delete of what is absent); the node\'s thresholds and variable', async () => {
      const api = lab();
      api.answers.set(RMON, ['', RMON_2048.replace(/rising-threshold 2048/, 'rising-threshold 5000').replace(/falling-threshold 1023/, 'falling-threshold 100')]);
      const input = { interface: 'ge-0/0/0.0', rising: 5000, falling: 100, variable: 'ifIn1SecRate' };
      const r = await setUpRmon(api, input, { node: 'n1' });
      assert.equal(r.status, 'committed');
      assert.ok(!api.loads[0].text.includes('delete'), api.loads[0].text);
      assert.match(api.loads[0].text, /^set snmp rmon alarm 1 interval 1\n/);
      assert.match(api.loads[0].text, /rising-threshold 5000\n/);
      assert.equal(r.status === 'committed' && r.readBack, 'equal');
    });

    it('a read-back that still differs says so (the next set-up would commit again)', async () => {
      const api = lab();
      api.answers.set(RMON, RMON_2048);
      const r = await setUpRmon(api, settings, { node: 'n1' });
      assert.equal(r.status, 'committed');
      assert.deepEqual(r.status === 'committed' && [r.readBack, r.remaining], ['differs', ["alarm 1 rising-threshold is 2048, the node's 1024"]]);
      const quietApi = lab();
      quietApi.answers.set(RMON, RMON_2048);
      const quiet = await setUpRmon(quietApi, settings, { node: 'n1', readBack: false });
      assert.equal(quiet.status === 'committed' && quiet.readBack, 'unread');
      assert.equal(quietApi.commands.filter((c) => c.command === RMON).length, 1);
    });

    it("a refused load or commit: 'refused' with the router's words", async () => {
      const api = lab();
      api.answers.set(RMON, RMON_2048);
      api.onConfigure = () => new ManagementRefusedError('ConfigSet', 'error: configuration database locked by: root terminal pts/0 (pid 4242) exclusive [edit]');
      const r = await setUpRmon(api, settings, { node: 'n1' });
      assert.equal(r.status, 'refused');
      assert.equal(r.status === 'refused' && r.message, 'error: configuration database locked by: root terminal pts/0 (pid 4242) exclusive [edit]');
      assert.equal(api.loads.length, 1);
    });

    it('a load sent and unanswered: unanswered at configure, outcome unknown; one never sent: outcome known', async () => {
      const api = lab();
      api.answers.set(RMON, RMON_2048);
      api.onConfigure = () => new OutcomeUnknownError(new SessionError('ConfigSet: the connection was lost before the router answered (reset)', 'disconnected'));
      const r = await setUpRmon(api, settings, { node: 'n1' });
      assert.deepEqual([r.status, r.status === 'unanswered' && r.step, r.status === 'unanswered' && r.outcomeUnknown], ['unanswered', 'configure', true]);
      assert.match(r.status === 'unanswered' ? r.message : '', /unknown/);
      api.onConfigure = () => new SessionError('ConfigSet: no session with the router within 10 s (connection refused)', 'disconnected');
      const q = await setUpRmon(api, settings, { node: 'n1' });
      assert.deepEqual([q.status, q.status === 'unanswered' && q.outcomeUnknown], ['unanswered', false]);
    });

    it('lookup failures, a disagreeing ifIndex, bad settings: nothing read, nothing loaded', async () => {
      const api = lab();
      api.answers.set('show interfaces ge-9/9/9', new ManagementRefusedError('OpCommandGet', 'error: device ge-9/9/9 not found'));
      assert.deepEqual(await setUpRmon(api, { interface: 'ge-9/9/9' }, { node: 'n1' }), {
        status: 'lookup-failed',
        interface: 'ge-9/9/9',
        reason: 'not-found',
        message: 'error: device ge-9/9/9 not found',
      });
      assert.deepEqual(await setUpRmon(api, { interface: 'ge-0/0/0.0', ifIndex: '542' }, { node: 'n1' }), {
        status: 'mismatch',
        interface: { name: 'ge-0/0/0.0', kind: 'logical', ifIndex: 541 },
        configured: '542',
      });
      // Both set and agreeing is fine.
      assert.equal((await setUpRmon(api, { interface: 'ge-0/0/0.0', ifIndex: 541 }, { node: 'n1' })).status, 'unchanged');
      const bad = await setUpRmon(api, { interface: 'ge-0/0/0.0', rising: 10, falling: 20 }, { node: 'n1' });
      assert.deepEqual(bad.status === 'invalid' && bad.errors.map((e) => e.field), ['falling']);
      const badName = await setUpRmon(api, { interface: 'ge-0/0/0.0; rm' }, { node: 'n1' });
      assert.deepEqual(badName.status === 'invalid' && badName.errors, [{ field: 'interface', code: 'interface', params: { value: 'ge-0/0/0.0; rm' } }]);
      const noIndex = await setUpRmon(api, {}, { node: 'n1' });
      assert.deepEqual(noIndex.status === 'invalid' && noIndex.errors.map((e) => e.code), ['ifIndexMissing']);
      const badVariable = await setUpRmon(api, { ifIndex: 541, variable: 'ifIn1SecRate.541' }, { node: 'n1' });
      assert.deepEqual(badVariable.status === 'invalid' && badVariable.errors.map((e) => e.code), ['variable']);
      assert.equal(api.loads.length, 0);
      assert.ok(!api.commands.some((c) => c.command === RMON && c.format !== 'json'));
    });

    it("an unreadable configuration or the router's refusal to show it: read-failed; no answer: unanswered", async () => {
      const api = lab();
      api.answers.set(RMON, new ManagementRefusedError('OpCommandGet', 'error: permission denied'));
      assert.deepEqual(await setUpRmon(api, settings, { node: 'n1' }), { status: 'read-failed', ifIndex: 541, message: 'error: permission denied', routerError: true });
      api.answers.set(RMON, '{ "configuration": [ oops');
      const r = await setUpRmon(api, settings, { node: 'n1' });
      assert.deepEqual(r.status === 'read-failed' && r.routerError, false);
      api.answers.set(RMON, new SessionError('OpCommandGet: the connection was lost before the router answered (reset)', 'disconnected'));
      assert.deepEqual(await setUpRmon(api, settings, { node: 'n1' }), {
        status: 'unanswered',
        step: 'read',
        message: 'OpCommandGet: the connection was lost before the router answered (reset)',
        outcomeUnknown: false,
      });
      assert.equal(api.loads.length, 0);
    });
  });

  it('the commit comment: the package, the node type and the node on one bounded line', () => {
    assert.equal(PACKAGE_NAME, JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name);
    assert.equal(rmonCommitComment('uplink 1'), '@jetflows/node-red-junos-jet: jet-rmon-event uplink 1');
    assert.equal(rmonCommitComment('a\nb\tc\u0000'), '@jetflows/node-red-junos-jet: jet-rmon-event a b c');
    assert.equal(rmonCommitComment('  '), '@jetflows/node-red-junos-jet: jet-rmon-event (unnamed)');
    const long = rmonCommitComment('x'.repeat(500));
    assert.ok(long.length < 160 && long.endsWith('…'), long);
  });
});
