/**
 * The gRPC backend's failures in words (lib/grpc/errors.ts): grpc-js connection errors, Login's and
 * the other session-opening calls' errors, and a route call's error as its routes' reply.
 */
import { strict as assert } from 'assert';
import * as grpc from '@grpc/grpc-js';
import { ConnectionLostError, LoginRejectedError } from '../../../lib/core/backend';
import {
  describeGrpcFailure,
  GrpcCallError,
  grpcReplyOfError,
  loginCallError,
  loginRejected,
  setupError,
  tlsExpectedMessage,
} from '../../../lib/grpc/errors';
import { clientIdInUseMessage } from '../../../lib/grpc/protocol';

function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata: new grpc.Metadata() });
}

describe('gRPC errors in words (lib/grpc/errors)', function () {
  it('says connection failures in user words', function () {
    assert.match(describeGrpcFailure('No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ', 1), /^connection refused \(is the JET gRPC service enabled/);
    assert.match(describeGrpcFailure('No connection established. Last error: Error: self-signed certificate (2026-01-01T00:00:00.000Z)', 1), /^TLS error: self-signed certificate$/);
    assert.equal(describeGrpcFailure('No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match', 1), 'TLS error: Hostname/IP does not match');
    assert.equal(describeGrpcFailure('No connection established. Last error: Error: getaddrinfo ENOTFOUND router.invalid', 1), 'host name not found');
  });

  it('names the port in the refused hint, and asks for TLS where the port answers it', function () {
    assert.match(describeGrpcFailure('Error: connect ECONNREFUSED 127.0.0.1:40051', 40051), /grpc clear-text port 40051\)$/);
    assert.equal(describeGrpcFailure('', 1), 'gRPC connection failed: no reason given');
    assert.match(tlsExpectedMessage('r1:32767'), /^r1:32767 answers TLS: turn TLS on/);
  });

  it('a refused login names neither the password nor the user (it becomes the status); a client id still held is a transient refusal', function () {
    const refused = loginRejected('Authentication failed');
    assert.ok(refused instanceof LoginRejectedError);
    assert.equal(refused.message, 'login failed: Authentication failed');
    assert.equal(refused.transient, false);
    assert.equal(loginRejected(clientIdInUseMessage('node-red-1')).transient, true);
    assert.equal(loginRejected('').message, 'login failed');
  });

  it('classifies Login errors; a connection failure is left to the probe', function () {
    const rejected = loginCallError(serviceError(grpc.status.UNAUTHENTICATED, 'bad password'), 'r1:1');
    assert.ok(rejected instanceof LoginRejectedError);
    assert.match(String(loginCallError(serviceError(grpc.status.UNIMPLEMENTED, 'no service'), 'r1:1')?.message), /r1:1 does not serve the jnx.jet Authentication API/);
    assert.equal(loginCallError(serviceError(grpc.status.INTERNAL, 'boom'), 'r1:1')?.message, 'login failed: INTERNAL: boom');
    for (const code of [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]) {
      assert.equal(loginCallError(serviceError(code, 'x'), 'r1:1'), null);
    }
  });

  it('says what failed while opening the session', function () {
    assert.match(setupError('RouteInitialize', serviceError(grpc.status.UNIMPLEMENTED, 'x'), 1).message, /does not implement RouteInitialize/);
    assert.equal(setupError('RouteInitialize', serviceError(grpc.status.DEADLINE_EXCEEDED, 'x'), 1).message, 'no answer to RouteInitialize within the connect bound');
    assert.equal(setupError('RoutePurgeTimerAdd', serviceError(grpc.status.INVALID_ARGUMENT, 'time'), 1).message, 'RoutePurgeTimerAdd failed: INVALID_ARGUMENT: time');
    assert.equal(setupError('RouteInitialize', new ConnectionLostError('connection to the router lost'), 1).message, 'connection to the router lost during login');
    assert.match(setupError('RouteInitialize', serviceError(grpc.status.UNAVAILABLE, 'Error: read ECONNRESET'), 1).message, /^connection reset by the router \(during RouteInitialize\)$/);
  });

  it('a gRPC error of the whole call says nothing about its routes: no answer for them, the status named (issue 20, item 1)', function () {
    assert.deepEqual(grpcReplyOfError(new GrpcCallError('RouteAdd failed: INVALID_ARGUMENT: x', 'INVALID_ARGUMENT')), {
      status: 'failed',
      code: null,
      codeName: 'INVALID_ARGUMENT',
      message: 'RouteAdd failed: INVALID_ARGUMENT: x',
      answered: false,
    });
    assert.equal(grpcReplyOfError(new Error('queue full')).answered, false);
  });
});
