/**
 * The codes of a jnx.jet answer (lib/grpc/codes.ts): sub-code names and numbers as the .proto files
 * give them, what a reply's status means, and a route's reply for the sub-code its request stopped at.
 */
import { strict as assert } from 'assert';
import * as grpc from '@grpc/grpc-js';
import {
  baseCode,
  isLocal,
  isNotInitialized,
  isRequestSuccess,
  isServiceError,
  isSuccess,
  ribCode,
  ROUTE_INVALID_SUB_CODES,
  statusName,
  TRANSIENT_SUB_CODES,
  statusOf,
  subCodeReply,
  successReply,
} from '../../../lib/grpc/codes';

describe('gRPC codes (lib/grpc/codes)', function () {
  it('maps sub codes: exists/not found are unchanged, the rest failed with the router words', function () {
    assert.equal(subCodeReply('RouteAdd', 'ROUTE_EXISTS', 'x').status, 'unchanged');
    assert.equal(subCodeReply('RouteAdd', 'ROUTE_EXISTS', 'x').code, 14);
    assert.equal(subCodeReply('RouteDelete', 'ROUTE_NOT_FOUND', '').status, 'unchanged');
    assert.equal(subCodeReply('RouteUpdate', 'ROUTE_EXISTS', '').status, 'failed');
    const r = subCodeReply('RouteAdd', 'GATEWAY_INVALID', 'bad gateway');
    assert.deepEqual(r, { status: 'failed', code: 10, codeName: 'GATEWAY_INVALID', message: 'RouteAdd failed: GATEWAY_INVALID: bad gateway', answered: true });
    assert.equal(subCodeReply('RouteDelete', 29, '').codeName, 'sub_code 29');
  });

  it('only a sub-code about the route itself answers for it; transient and request-level ones leave it unanswered (issue 20, items 1, 2)', function () {
    for (const name of ROUTE_INVALID_SUB_CODES) assert.equal(subCodeReply('RouteUpdate', name, '').answered, true, name);
    assert.equal(subCodeReply('RouteUpdate', 'ROUTE_EXISTS', '').answered, true);
    for (const name of [...TRANSIENT_SUB_CODES, 'INTERNAL_ERROR', 'TOO_MANY_OPS', 'ROUTE_ADD_FAILED', 'REQUEST_INVALID', 'ROUTE_API_VERSION_MISMATCH', 'NO_SUCH_CODE']) {
      const r = subCodeReply('RouteAdd', name, 'busy');
      assert.equal(r.status, 'failed', name);
      assert.equal(r.answered, false, name);
      assert.match(r.message, new RegExp(`^RouteAdd failed: ${name}: busy$`));
    }
    assert.deepEqual([...TRANSIENT_SUB_CODES].map((n) => ribCode(n).code), [6, 18, 19]);
    assert.equal(subCodeReply('RouteAdd', 19, '').codeName, 'TRY_AGAIN');
  });

  it('a failure without a sub code is FAILURE; a success reply says what was done', function () {
    // FAILURE without a sub-code says nothing about the route: kept, sent again (issue 20, item 1).
    assert.deepEqual(subCodeReply('RouteAdd', 'SUCCESS', 'refused'), { status: 'failed', code: 1, codeName: 'FAILURE', message: 'RouteAdd failed: FAILURE: refused', answered: false });
    assert.deepEqual(successReply('RouteAdd'), { status: 'added', code: 0, codeName: 'SUCCESS', message: 'added', answered: true });
    assert.deepEqual(successReply('RouteUpdate'), { status: 'added', code: 0, codeName: 'SUCCESS', message: 'added', answered: true });
    assert.deepEqual(successReply('RouteDelete'), { status: 'deleted', code: 0, codeName: 'SUCCESS', message: 'deleted', answered: true });
  });

  it('reads rib and base sub codes by name or number, as the .proto numbers them', function () {
    assert.deepEqual(ribCode('ROUTE_API_VERSION_MISMATCH'), { code: 35, name: 'ROUTE_API_VERSION_MISMATCH' });
    assert.deepEqual(ribCode(31), { code: 31, name: 'ALREADY_INITIALIZED' });
    assert.deepEqual(ribCode(undefined), { code: 0, name: 'SUCCESS' });
    assert.deepEqual(ribCode(''), { code: 0, name: 'SUCCESS' });
    assert.deepEqual(ribCode(99), { code: 99, name: 'sub_code 99' });
    assert.deepEqual(ribCode('NO_SUCH_CODE'), { code: -1, name: 'NO_SUCH_CODE' });
    assert.deepEqual(baseCode('INVALID_INSTANCE'), { code: 3, name: 'INVALID_INSTANCE' });
    assert.deepEqual(baseCode(1), { code: 1, name: 'INVALID_PARAMS' });
  });

  it('tells a successful reply, a complete request and a lost RouteInitialize', function () {
    assert.equal(isSuccess(undefined), true);
    assert.equal(isSuccess({ code: 'SUCCESS' }), true);
    assert.equal(isSuccess({ code: 0 }), true);
    assert.equal(isSuccess({ code: 'FAILURE' }), false);
    assert.equal(isRequestSuccess({ code: 'SUCCESS' }, ribCode('SUCCESS_REBOUND')), true);
    assert.equal(isRequestSuccess({ code: 'SUCCESS' }, ribCode('ROUTE_EXISTS')), false);
    assert.equal(isRequestSuccess({ code: 'FAILURE' }, ribCode('SUCCESS')), false);
    assert.equal(isNotInitialized(ribCode(2)), true);
  });

  it('fills a reply status as a router does: SUCCESS without words, FAILURE with them', function () {
    assert.deepEqual(statusOf('SUCCESS'), { status: { code: 'SUCCESS', message: '' }, sub_code: 'SUCCESS' });
    assert.deepEqual(statusOf('TABLE_INVALID'), { status: { code: 'FAILURE', message: 'TABLE_INVALID' }, sub_code: 'TABLE_INVALID' });
    assert.deepEqual(statusOf('TOO_MANY_OPS', '1001 routes'), { status: { code: 'FAILURE', message: '1001 routes' }, sub_code: 'TOO_MANY_OPS' });
  });

  it('names gRPC statuses and tells the ones made on this side', function () {
    assert.equal(statusName(grpc.status.UNAUTHENTICATED), 'UNAUTHENTICATED');
    assert.equal(statusName(99), 'gRPC status 99');
    assert.equal(isLocal(grpc.status.UNAVAILABLE), true);
    assert.equal(isLocal(grpc.status.INVALID_ARGUMENT), false);
    const err = Object.assign(new Error('x'), { code: grpc.status.INTERNAL, details: 'x', metadata: new grpc.Metadata() });
    assert.equal(isServiceError(err), true);
    assert.equal(isServiceError(new Error('x')), false);
  });
});
