/**
 * The names and codes of the Thrift JET wire (docs/protocol.md §2), defined once for the Thrift
 * backend and the simulator's Thrift server: the multiplexed service names, and the `err_code` of
 * RouteResult / RouteGetReply with its words and what it means for a route.
 */
import { noChangeMessage, type RouteOp, type RouteStatus } from '../core/route-status';

/** The multiplexed name of the service carrying LoginCheck. */
export const AUTH_SERVICE = 'AuthenticationService';
/** The multiplexed name of the service carrying RouteAdd, RouteDelete and RouteGet. */
export const ROUTE_SERVICE = 'RouteService';

/** `err_code` values; any other non-zero value is a failure reported with its number. */
export const ERR = {
  SUCCESS: 0,
  FAILURE: 1,
  /** An add of a route that exists. */
  EXISTS: 2,
  /** A delete of a route that does not exist. */
  NOT_FOUND: 3,
  INVALID: 4,
  NOT_LOGGED_IN: 5,
} as const;
export type ErrCode = (typeof ERR)[keyof typeof ERR];

const WORDS: Readonly<Record<number, string>> = {
  [ERR.SUCCESS]: 'success',
  [ERR.FAILURE]: 'failure',
  [ERR.EXISTS]: 'route already exists',
  [ERR.NOT_FOUND]: 'route not found',
  [ERR.INVALID]: 'invalid parameters',
  [ERR.NOT_LOGGED_IN]: 'not logged in',
};

/** An err_code in words (`error N` for a code the table does not know). */
export function describeErrCode(code: number): string {
  return WORDS[code] ?? `error ${code}`;
}

/**
 * What an err_code means for a route: an add of an existing route and a delete of an absent one
 * are "unchanged" (the original app's "No configuration changes required"), not failures.
 */
export function routeStatus(op: RouteOp, errCode: number): RouteStatus {
  if (errCode === ERR.SUCCESS) return op === 'add' ? 'added' : 'deleted';
  if (op === 'add' && errCode === ERR.EXISTS) return 'unchanged';
  if (op === 'delete' && errCode === ERR.NOT_FOUND) return 'unchanged';
  return 'failed';
}

/** The message shown for an outcome: the router's words when it gave some, else ours. */
export function outcomeMessage(op: RouteOp, errCode: number, routerMessage?: string): string {
  const status = routeStatus(op, errCode);
  if (status === 'unchanged') return noChangeMessage(describeErrCode(errCode), routerMessage);
  const base = status === 'failed' ? `${op === 'add' ? 'RouteAdd' : 'RouteDelete'} failed: ${describeErrCode(errCode)} (err_code ${errCode})` : status;
  return routerMessage ? `${base}: ${routerMessage}` : base;
}
