/**
 * The shared editor checks (editor/checks.ts) as a module, without a sandbox: which message each
 * refusal gets and with which parameters, and that the limits are the runtime's own (lib/flow-props,
 * lib/threshold/config, lib/core/defaults, lib/core/route-spec), not numbers of the editor's.
 */
import { strict as assert } from 'assert';
import { createChecks, isHost, parseAddress } from '../../../editor/checks';
import { I32_MAX } from '../../../lib/flow-props';
import { DEFAULT_PORTS, PURGE_TIME_MAX_S, PURGE_TIME_MIN_S, ROUTER_PURGE_TIME_S } from '../../../lib/core/defaults';
import { MAX_HOLD_DOWN_S, MAX_MAX_KEYS } from '../../../lib/threshold/config';
import { parseTable } from '../../../lib/core/route-spec';

/** A catalog that answers with the key and its parameters, so the tests read which message it is. */
const echo = (key: string, params?: Record<string, unknown>): string => (params ? `${key} ${JSON.stringify(params)}` : key);
const { check, parsePrefix } = createChecks(echo);
const V = 'jet-router.validation.';

describe('editor checks (editor/checks.ts)', function () {
  it('names what is wrong with a prefix: not one, the length out of range, host bits (with the network meant)', () => {
    assert.deepEqual(parsePrefix('2001:DB8:0::/48'), { family: 'inet6', prefix: '2001:db8::/48' });
    assert.deepEqual(parsePrefix('10.0.0.0/8'), { family: 'inet', prefix: '10.0.0.0/8' });
    for (const bad of ['10.0.0.0', '10.0.0/8', '10.0.0.0/x', '10.0.0.0/0008', 'fe80::%eth0/64', '/8', '']) {
      assert.equal(parsePrefix(bad).error, `${V}prefix ${JSON.stringify({ value: bad })}`, bad);
    }
    assert.equal(parsePrefix('10.0.0.0/33').error, `${V}prefixLength ${JSON.stringify({ value: '10.0.0.0/33', max: 32 })}`);
    assert.equal(parsePrefix('::/129').error, `${V}prefixLength ${JSON.stringify({ value: '::/129', max: 128 })}`);
    assert.equal(parsePrefix('10.1.2.3/8').error, `${V}hostBits ${JSON.stringify({ value: '10.1.2.3/8', network: '10.0.0.0/8' })}`);
    assert.equal(parsePrefix('2001:db8::1/32').error, `${V}hostBits ${JSON.stringify({ value: '2001:db8::1/32', network: '2001:db8::/32' })}`);
  });

  it('addresses and hosts', () => {
    assert.deepEqual(parseAddress('2001:DB8::0:1'), { family: 'inet6', text: '2001:db8::1' });
    assert.deepEqual(parseAddress('192.0.2.1'), { family: 'inet', text: '192.0.2.1' });
    for (const bad of ['192.0.2.01', '192.0.2.1/32', 'fe80::1%eth0', 'router', '']) assert.equal(parseAddress(bad), null, bad);
    for (const ok of ['fe80::1%eth0', 'r0.lab', '192.0.2.1', '::1']) assert.equal(isHost(ok), true, ok);
    for (const bad of ['', '192.0.2.256', 'a'.repeat(254), '[::1]', 'r0:9090']) assert.equal(isHost(bad), false, bad);
  });

  it('whole numbers as toInteger reads them, up to the runtime\'s limits', () => {
    assert.equal(check.uintOrEmpty(String(I32_MAX)), null);
    assert.equal(check.uintOrEmpty(I32_MAX + 1), `${V}integer ${JSON.stringify({ min: 0, max: I32_MAX })}`);
    assert.equal(check.uintOrEmpty(' 7 '), null);
    assert.equal(check.uintOrEmpty(''), null);
    assert.notEqual(check.uintOrEmpty('7.5'), null);
    assert.notEqual(check.uintOrEmpty(true), null);
    assert.equal(check.maxKeysOrEmpty(String(MAX_MAX_KEYS)), null);
    assert.equal(check.maxKeysOrEmpty(String(MAX_MAX_KEYS + 1)), `${V}integer ${JSON.stringify({ min: 1, max: MAX_MAX_KEYS })}`);
    assert.equal(check.holdDownOrEmpty(String(MAX_HOLD_DOWN_S)), null);
    assert.equal(check.holdDownOrEmpty(String(MAX_HOLD_DOWN_S + 0.5)), `${V}holdDown`);
    assert.equal(check.intOrEmpty(1, 65535)('65536'), `${V}integer ${JSON.stringify({ min: 1, max: 65535 })}`);
  });

  it('table names as the runtime takes them, then against the prefixes\' family', () => {
    for (const table of ['inet.0', 'inet6.0', 'VRF-A.inet.0', 'VRF-A.inet6.3', 'mpls.0', 'bad table', '-x', 'x'.repeat(129)]) {
      const runtimeTakes = ['inet', 'inet6'].some((f) => {
        try {
          parseTable(table, f as 'inet' | 'inet6', '');
          return true;
        } catch {
          return false;
        }
      });
      assert.equal(check.tableOrEmpty(table, '') === null, runtimeTakes, table);
    }
    assert.equal(check.tableOrEmpty('inet6.0', '10.0.0.0/8, 2001:db8::/32'), `${V}tableFamily ${JSON.stringify({ table: 'inet6.0', family: 'IPv4', prefix: '10.0.0.0/8' })}`);
    assert.equal(check.tableOrEmpty('inet6.0', '10.0.0.1/8 2001:db8::/32'), null, 'an invalid prefix is the prefixes\' own problem');
  });

  it('purge time: RoutePurgeTimerAdd\'s range (lib/core/defaults), whole seconds; empty is the router\'s default', () => {
    assert.deepEqual([PURGE_TIME_MIN_S, PURGE_TIME_MAX_S, ROUTER_PURGE_TIME_S], [1, 1000, 120]);
    const refused = `${V}purgeTime ${JSON.stringify({ min: 1, max: 1000, default: 120 })}`;
    for (const ok of ['', ' ', undefined, '1', ' 120 ', 1000]) assert.equal(check.purgeTimeOrEmpty(ok), null, String(ok));
    for (const bad of ['0', 0, '1001', '86400', '-1', '2.5', 'x']) assert.equal(check.purgeTimeOrEmpty(bad), refused, String(bad));
  });

  it('the API: one of the runtime\'s (lib/core/defaults DEFAULT_PORTS), or none', () => {
    for (const api of [...Object.keys(DEFAULT_PORTS), '', undefined, null]) assert.equal(check.apiOrEmpty(api), null, String(api));
    for (const api of ['GRPC', 'http', 'toString', 0]) assert.equal(check.apiOrEmpty(api), `${V}api`, String(api));
  });

  it('property expressions: Node-RED\'s own check when the editor has one, else a plain dotted name', () => {
    assert.equal(check.propertyOrEmpty('payload.rate'), null);
    assert.equal(check.propertyOrEmpty('payload[0]'), `${V}property`);
    const withRed = createChecks(echo, () => (s: string) => s === 'payload[0]').check;
    assert.equal(withRed.propertyOrEmpty('payload[0]'), null);
    assert.equal(withRed.propertyOrEmpty('payload.rate'), `${V}property`);
  });
});
