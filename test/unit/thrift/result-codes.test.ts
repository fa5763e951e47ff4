/** JET result codes (Thrift err_code) as route statuses and messages. */
import { strict as assert } from 'assert';
import { routeStatus, outcomeMessage } from '../../../lib/thrift/protocol';

describe('JET result codes', () => {
  it('maps err_code to statuses as the original app meant', () => {
    assert.equal(routeStatus('add', 0), 'added');
    assert.equal(routeStatus('add', 2), 'unchanged');
    assert.equal(routeStatus('delete', 0), 'deleted');
    assert.equal(routeStatus('delete', 3), 'unchanged');
    assert.equal(routeStatus('add', 3), 'failed');
    assert.equal(routeStatus('delete', 2), 'failed');
    for (const code of [1, 4, 5, 99]) assert.equal(routeStatus('add', code), 'failed');
    assert.match(outcomeMessage('add', 2), /No configuration changes required/);
    assert.match(outcomeMessage('add', 99), /error 99 \(err_code 99\)/);
  });
});
