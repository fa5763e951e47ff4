/** Client ids (lib/core/client-id.ts): unique per Node-RED instance and node, never cut into another's. */
import { strict as assert } from 'assert';
import { ClientIdRegistry, defaultClientId, MAX_CLIENT_ID, notificationClientId } from '../../../lib/core/client-id';

describe('JET client ids', () => {
  it('differ between two Node-RED instances on one host running the same flow, and stay the same across restarts', () => {
    const a = defaultClientId('lab-host', '/home/a/.node-red\0' + '1880', 'a1b2c3d4e5f60002');
    const b = defaultClientId('lab-host', '/home/b/.node-red\0' + '1881', 'a1b2c3d4e5f60002');
    assert.notEqual(a, b);
    assert.equal(a, defaultClientId('lab-host', '/home/a/.node-red\0' + '1880', 'a1b2c3d4e5f60002'));
    assert.match(a, /^node-red-lab-host-[0-9a-f]{8}-a1b2c3d4e5f60002$/);
  });

  it('stay within 64 characters with the notification suffix, whatever the host name, without a collision by truncation', () => {
    const long = 'a-very-long-host-name-that-goes-on.and-on.example.internal.corp';
    const x = defaultClientId(long, 'k', 'a1b2c3d4e5f60002');
    const y = defaultClientId(`${long}-2`, 'k', 'a1b2c3d4e5f60002');
    assert.notEqual(x, y, 'hosts that differ only after the cut still differ');
    for (const id of [x, y]) {
      assert.ok(notificationClientId(id).length <= MAX_CLIENT_ID);
      assert.equal(notificationClientId(id), `${id}-events`);
    }
  });

  it('a user-set id too long for the suffix keeps a readable prefix and a hash of the whole id', () => {
    const base = 'x'.repeat(70);
    const one = notificationClientId(`${base}-router-one`);
    const two = notificationClientId(`${base}-router-two`);
    assert.notEqual(one, two, 'ids equal in their first 64 characters still differ');
    assert.equal(one.length, MAX_CLIENT_ID);
    assert.match(one, /^x+-[0-9a-f]{8}-events$/);
  });

  it('registry: names the other users of an id that share a router endpoint with a new one, and forgets a released one', () => {
    const ids = new ClientIdRegistry<string>();
    assert.deepEqual(ids.claim('x', { owner: 'r1', endpoints: ['10.0.0.1:32767', '10.0.0.1:1883'] }), []);
    assert.deepEqual(ids.claim('x', { owner: 'r2', endpoints: ['R-lab:32767', '10.0.0.1:1883'] }), ['r1'], 'same broker');
    assert.deepEqual(ids.claim('x', { owner: 'r3', endpoints: ['10.0.0.9:32767', '10.0.0.9:1883'] }), [], 'another router');
    assert.deepEqual(ids.claim('x', { owner: 'r4', endpoints: ['r-LAB:32767'] }), ['r2'], 'host names compared without case');
    assert.deepEqual(ids.claim('y', { owner: 'r5', endpoints: ['10.0.0.1:32767'] }), [], 'another id');
    ids.release('x', 'r1');
    assert.deepEqual(ids.claim('x', { owner: 'r6', endpoints: ['10.0.0.1:1883'] }), ['r2']);
    assert.deepEqual(ids.claim('x', { owner: 'r2', endpoints: ['10.0.0.1:1883'] }), ['r6'], 'a node registered again replaces itself');
  });
});
