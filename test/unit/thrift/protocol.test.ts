/**
 * The Thrift JET names and codes (lib/thrift/protocol.ts) that the Thrift backend and the
 * simulator's Thrift server share: the multiplexed service names and the err_code table.
 */
import { strict as assert } from 'assert';
import { AUTH_SERVICE, describeErrCode, ERR, outcomeMessage, ROUTE_SERVICE, routeStatus } from '../../../lib/thrift/protocol';

describe('Thrift protocol (lib/thrift/protocol)', () => {
  it('names the multiplexed services', () => {
    assert.equal(AUTH_SERVICE, 'AuthenticationService');
    assert.equal(ROUTE_SERVICE, 'RouteService');
  });

  it('holds the err_code table and its words', () => {
    assert.deepEqual(ERR, { SUCCESS: 0, FAILURE: 1, EXISTS: 2, NOT_FOUND: 3, INVALID: 4, NOT_LOGGED_IN: 5 });
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 42].map(describeErrCode),
      ['success', 'failure', 'route already exists', 'route not found', 'invalid parameters', 'not logged in', 'error 42'],
    );
  });

  it('an add of an existing route and a delete of an absent one are unchanged, with the router words', () => {
    assert.equal(routeStatus('add', ERR.EXISTS), 'unchanged');
    assert.equal(routeStatus('delete', ERR.NOT_FOUND), 'unchanged');
    assert.equal(routeStatus('delete', ERR.SUCCESS), 'deleted');
    assert.equal(outcomeMessage('add', ERR.EXISTS, 'inet.0 1.1.1.1/32 already exists'), 'No configuration changes required (route already exists): inet.0 1.1.1.1/32 already exists');
    assert.equal(outcomeMessage('delete', ERR.INVALID, 'prefix is missing'), 'RouteDelete failed: invalid parameters (err_code 4): prefix is missing');
    assert.equal(outcomeMessage('add', ERR.SUCCESS), 'added');
  });
});
