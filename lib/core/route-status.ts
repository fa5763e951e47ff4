/**
 * What a JET route reply means for a user: the err_code table of docs/protocol.md §2 mapped to the
 * statuses the route nodes report. An add of an existing route and a delete of an absent one
 * are "unchanged" (the original app's "No configuration changes required"), not failures.
 */
export type RouteOp = 'add' | 'delete';
export type RouteStatus = 'added' | 'deleted' | 'unchanged' | 'failed';

export const ERR = {
  SUCCESS: 0,
  FAILURE: 1,
  EXISTS: 2,
  NOT_FOUND: 3,
  INVALID: 4,
  NOT_LOGGED_IN: 5,
} as const;

const WORDS: Record<number, string> = {
  0: 'success',
  1: 'failure',
  2: 'route already exists',
  3: 'route not found',
  4: 'invalid parameters',
  5: 'not logged in',
};

/** The original app's words for a route already as wanted (add of an existing one, delete of an absent one). */
export function noChangeMessage(why: string, routerMessage?: string): string {
  const base = `No configuration changes required (${why})`;
  return routerMessage ? `${base}: ${routerMessage}` : base;
}

export function describeErrCode(code: number): string {
  return WORDS[code] ?? `error ${code}`;
}

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
