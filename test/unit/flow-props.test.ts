/** Reading flow-JSON properties (lib/flow-props.ts). */
import { strict as assert } from 'assert';
import { toInteger } from '../../lib/flow-props';

describe('flow properties', () => {
  it('toInteger accepts 5 and "5" and rejects 5.5', () => {
    assert.equal(toInteger('x', '7', 1), 7);
    assert.throws(() => toInteger('x', 5.5, 1), /whole number/);
  });
});
