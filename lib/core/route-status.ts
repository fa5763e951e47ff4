/**
 * What a route call's outcome is for a user, whichever API answered: the statuses the route nodes
 * report. An add of an existing route and a delete of an absent one are "unchanged" (the original
 * app's "No configuration changes required"), not failures. How each API's codes map onto these:
 * lib/thrift/protocol.ts (err_code), lib/grpc/codes.ts (sub_code).
 */
export type RouteOp = 'add' | 'delete';
export type RouteStatus = 'added' | 'deleted' | 'unchanged' | 'failed';

/** The original app's words for a route already as wanted (add of an existing one, delete of an absent one). */
export function noChangeMessage(why: string, routerMessage?: string): string {
  const base = `No configuration changes required (${why})`;
  return routerMessage ? `${base}: ${routerMessage}` : base;
}
