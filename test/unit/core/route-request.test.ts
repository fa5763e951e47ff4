/** A route node's message (lib/core/route-request.ts): what it asks for, and the payload it sends on. */
import { strict as assert } from 'assert';
import { RouteValidationError } from '../../../lib/core/route-spec';
import { routeInputFromMessage, resultPayload } from '../../../lib/core/route-request';

function validationError(fn: () => unknown, field: string, fragment: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RouteValidationError, `expected RouteValidationError, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.match(err.message, fragment);
    return true;
  });
}

describe('route message handling', () => {
  const props = { prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', preference: '5', metric: 3 };
  it('a trigger payload uses the node properties', () => {
    assert.deepEqual(routeInputFromMessage(props, 1700000000000), props);
    assert.deepEqual(routeInputFromMessage(props, undefined), props);
  });
  it('payload fields override, other fields are left alone', () => {
    const payload = { prefixes: ['2.2.2.2/32'], direction: 'rising' };
    const input = routeInputFromMessage(props, payload);
    assert.deepEqual(input.prefixes, ['2.2.2.2/32']);
    assert.equal(input.nexthops, '10.1.1.2');
    const out = resultPayload(payload, [{ prefix: '2.2.2.2/32', table: 'inet.0', status: 'added', errCode: 0, message: 'added' }]);
    assert.equal(out.direction, 'rising');
    assert.equal(out.changed, true);
  });
  it('a string payload is refused rather than silently using the properties', () => {
    validationError(() => routeInputFromMessage(props, '1.1.1.1/32'), 'msg.payload', /not a route request/);
  });
  it('changed is false when nothing changed', () => {
    const out = resultPayload(null, [{ prefix: 'p', table: 't', status: 'unchanged', errCode: 2, message: '' }]);
    assert.equal(out.changed, false);
  });
});
