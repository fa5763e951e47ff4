/**
 * The jnx.jet constants (lib/grpc/protocol.ts) that the gRPC backend and the simulator's gRPC
 * server share: the limits of the API and the router's words this client reads.
 */
import { strict as assert } from 'assert';
import {
  AUTHORIZATION_FAILED,
  CLIENT_ID_METADATA,
  clientIdInUseMessage,
  GRPC_MAX_GATEWAYS,
  GRPC_MAX_IN_FLIGHT,
  GRPC_MAX_ROUTES_PER_REQUEST,
  GRPC_MIN_PREFERENCE,
  isClientIdInUse,
} from '../../../lib/grpc/protocol';

describe('gRPC protocol constants (lib/grpc/protocol)', function () {
  it('holds the limits of the jnx.jet API', function () {
    assert.equal(CLIENT_ID_METADATA, 'client-id');
    assert.equal(GRPC_MAX_ROUTES_PER_REQUEST, 1000);
    assert.equal(GRPC_MAX_GATEWAYS, 64);
    assert.equal(GRPC_MIN_PREFERENCE, 5);
    assert.equal(AUTHORIZATION_FAILED, 'Authorization failed');
    assert.ok(GRPC_MAX_IN_FLIGHT >= 1);
  });

  it('tells the router\'s "client id already exists" from other refusals', function () {
    assert.equal(clientIdInUseMessage('node-red-1'), 'Client Id node-red-1 already exists');
    assert.equal(isClientIdInUse(clientIdInUseMessage('node-red-1')), true);
    assert.equal(isClientIdInUse('client_id c1 already exists'), true);
    assert.equal(isClientIdInUse('Authentication failed: invalid user name or password'), false);
  });
});
