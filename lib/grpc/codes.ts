/**
 * The codes of a `jnx.jet` answer (docs/protocol.md §6) and what each means: gRPC status names, the
 * `RpcStatus` of a reply, and the sub-codes of `routing.rib` and `routing.base` (their names and
 * numbers come from the .proto files through lib/grpc/proto.ts: the one reading of the wire).
 */
import * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition } from '@grpc/proto-loader';
import type { RouteReply } from '../core/backend';
import { noChangeMessage } from '../core/route-status';
import { jetGrpc } from './proto';
import type { RpcStatus } from '../gen-grpc/jnx/jet/common/RpcStatus';
import type { StatusCode__Output as RibSubCode } from '../gen-grpc/jnx/jet/routing/rib/StatusCode';
import type { StatusCode__Output as BaseSubCode } from '../gen-grpc/jnx/jet/routing/base/StatusCode';

export type { RibSubCode, BaseSubCode };

/** The route calls that carry routes, and their answers' meaning. */
export type GrpcRouteMethod = 'RouteAdd' | 'RouteUpdate' | 'RouteDelete';

/** A sub-code as its number and name. */
export interface SubCode {
  code: number;
  name: string;
}

// ---------------------------------------------------------------- gRPC status

/** A grpc-js error of a call (it carries a gRPC status code). */
export function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

/** The name of a gRPC status code (`UNAVAILABLE`, ...). */
export function statusName(code: number): string {
  return grpc.status[code] ?? `gRPC status ${code}`;
}

/** Whether a call's failure was made on this side or by the transport (not an answer of the router). */
export function isLocal(code: number): boolean {
  return code === grpc.status.CANCELLED || code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

// ---------------------------------------------------------------- RpcStatus and sub-codes

/** Whether a reply's `RpcStatus` says success (an absent status does too). */
export function isSuccess(status: { code?: unknown } | null | undefined): boolean {
  const code = status?.code;
  return code === undefined || code === 'SUCCESS' || code === 0;
}

/**
 * The `status` and `sub_code` of a reply as a router fills them: SUCCESS with no message, or FAILURE
 * with a message (the sub-code's name when none is given).
 */
export function statusOf<C extends string>(subCode: C, message?: string): { status: RpcStatus; sub_code: C } {
  return subCode === 'SUCCESS'
    ? { status: { code: 'SUCCESS', message: '' }, sub_code: subCode }
    : { status: { code: 'FAILURE', message: message || subCode }, sub_code: subCode };
}

function subCodeOf(def: EnumTypeDefinition, value: unknown): SubCode {
  const values = (def.type as { value?: { name: string; number: number }[] }).value ?? [];
  if (typeof value === 'number') return { code: value, name: values.find((v) => v.number === value)?.name ?? `sub_code ${value}` };
  if (value === undefined || value === null || value === '') return { code: 0, name: values.find((v) => v.number === 0)?.name ?? 'SUCCESS' };
  const known = typeof value === 'string' ? values.find((v) => v.name === value) : undefined;
  return known ? { code: known.number, name: known.name } : { code: -1, name: String(value) };
}

/** A `jnx.jet.routing.rib.StatusCode` (a name, or a number the proto does not know) as its number and name. */
export function ribCode(value: unknown): SubCode {
  return subCodeOf(jetGrpc().jnx.jet.routing.rib.StatusCode, value);
}

/** A `jnx.jet.routing.base.StatusCode` as its number and name. */
export function baseCode(value: unknown): SubCode {
  return subCodeOf(jetGrpc().jnx.jet.routing.base.StatusCode, value);
}

/** Whether a route request's reply says every route of it succeeded (SUCCESS_REBOUND: succeeded, on a restarted rpd). */
export function isRequestSuccess(status: { code?: unknown } | null | undefined, sub: SubCode): boolean {
  return isSuccess(status) && (sub.code === 0 || sub.name === 'SUCCESS_REBOUND');
}

/** The router lost this session's RouteInitialize (its JET daemon restarted): log in again. */
export function isNotInitialized(sub: SubCode): boolean {
  return sub.name === 'NOT_INITIALIZED';
}

/** The reply of a route the router did as asked. */
export function successReply(method: GrpcRouteMethod): RouteReply {
  const done = method === 'RouteDelete' ? 'deleted' : 'added';
  return { status: done, code: 0, codeName: 'SUCCESS', message: done, answered: true };
}

/**
 * Sub-codes that say the route itself is wrong (its table, prefix, next hops, interface): the
 * router will never take it as it is, so its intent ends. Decided from the names and the IDL's
 * comments (docs/protocol.md §6); every other sub-code a request stops at keeps the route.
 */
export const ROUTE_INVALID_SUB_CODES: ReadonlySet<string> = new Set([
  'TABLE_INVALID',
  'PREFIX_INVALID',
  'PREFIX_LEN_TOO_SHORT',
  'PREFIX_LEN_TOO_LONG',
  'GATEWAY_INVALID',
  'NEXTHOP_INVALID',
  'NEXTHOP_ADDRESS_INVALID',
  'NEXTHOP_LIMIT_EXCEED',
  'PROTOCOL_INVALID',
  'INTERFACE_INVALID',
  'FLEXIBLE_TUNNEL_INVALID',
  'BANDWIDTH_USAGE_INVALID',
]);

/** Sub-codes of a router that is not ready yet (rpd starting, its table not ready, too many requests): try again later. */
export const TRANSIENT_SUB_CODES: ReadonlySet<string> = new Set(['TABLE_NOT_READY', 'NOT_READY', 'TRY_AGAIN']);

/**
 * The reply of the route a request stopped at:
 *  - an add of an existing route and a delete of an absent one are `unchanged`;
 *  - a sub-code that says the route is wrong ({@link ROUTE_INVALID_SUB_CODES}), and ROUTE_EXISTS /
 *    ROUTE_NOT_FOUND to the other calls (the route is held by another, or gone), fail the route:
 *    an answer about the route, which ends its intent;
 *  - anything else (TRY_AGAIN and the other {@link TRANSIENT_SUB_CODES}, INTERNAL_ERROR,
 *    TOO_MANY_OPS, ROUTE_ADD_FAILED, REQUEST_INVALID, a code this client does not know, FAILURE
 *    without a sub-code) says nothing about the route: it failed unanswered, its intent is kept and
 *    the route is sent again later.
 */
export function subCodeReply(method: GrpcRouteMethod, subCode: unknown, routerMessage: string): RouteReply {
  const sub = ribCode(subCode);
  if (method === 'RouteAdd' && sub.name === 'ROUTE_EXISTS') {
    return { status: 'unchanged', code: sub.code, codeName: sub.name, message: noChangeMessage('route already exists', routerMessage), answered: true };
  }
  if (method === 'RouteDelete' && sub.name === 'ROUTE_NOT_FOUND') {
    return { status: 'unchanged', code: sub.code, codeName: sub.name, message: noChangeMessage('route not found', routerMessage), answered: true };
  }
  // A failure without a sub_code is a failure all the same.
  const name = sub.code === 0 ? 'FAILURE' : sub.name;
  const code = sub.code === 0 ? 1 : sub.code;
  const aboutRoute = ROUTE_INVALID_SUB_CODES.has(name) || name === 'ROUTE_EXISTS' || name === 'ROUTE_NOT_FOUND';
  return { status: 'failed', code, codeName: name, message: `${method} failed: ${name}${routerMessage ? `: ${routerMessage}` : ''}`, answered: aboutRoute };
}
