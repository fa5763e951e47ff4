/**
 * The simulated router's Thrift JET calls (docs/protocol.md §2) on one session: LoginCheck of
 * AuthenticationService, RouteAdd / RouteDelete / RouteGet of RouteService, on the shared RIB
 * (sim/rib.ts), answered with the err_code table of lib/thrift/protocol.ts. RouteGet lists the
 * app id's routes, whichever session added them; for one prefix it is a lookup, and the routes of
 * other protocols there (sim/other-routes.ts) come with them, with an empty app_id.
 *
 * A slow router (`routeDelayMs` > 0): every call of a session then goes through that session's
 * queue, so calls are processed one after the other in the order read, and a route call's answer
 * comes routeDelayMs after it was processed (one timer, the event loop is never blocked). The
 * login goes through the queue too (no delay) so that answers keep their order. With 0 (the
 * default) handlers answer at once.
 */
import type * as thrift from 'thrift';
import {
  AuthenticationLoginReply,
  AuthenticationLoginRequest,
  AuthenticationService,
  RouteConfig,
  RouteGetReply,
  RouteResult,
  RouteService,
} from '../../lib/gen/jet';
import { AUTH_SERVICE, ERR, ROUTE_SERVICE } from '../../lib/thrift/protocol';
import { routeConfigOf } from '../../lib/thrift/convert';
import type { RouteOwner } from '../rib';
import type { SimCallContext, SimCounters } from '../server-base';

/** A session (one connection) as seen from outside. */
export interface SessionInfo {
  readonly id: number;
  /** Peer address:port. */
  readonly remote: string;
  readonly loggedIn: boolean;
  readonly user?: string;
  readonly clientId?: string;
  /** app_id values used in route calls on this session. */
  readonly appIds: ReadonlySet<string>;
}

/** `calls` counts calls read per method name ("LoginCheck", "RouteAdd", ...; the full name for unknown services). */
export interface ThriftCounters extends SimCounters {
  /** err_code answered, per method: errCodes.RouteAdd[2] = adds answered "exists". */
  errCodes: Record<string, Record<number, number>>;
  /** Reply messages written, and how many of them were TApplicationExceptions. */
  replies: number;
  exceptions: number;
  /** Calls read while not responding (never answered). */
  unanswered: number;
  /** Connections dropped for bytes that are not binary-protocol messages. */
  framingErrors: number;
}

export const emptyThriftCounters = (): ThriftCounters => ({
  calls: {},
  errCodes: {},
  logins: 0,
  loginFailures: 0,
  connectionsTotal: 0,
  replies: 0,
  exceptions: 0,
  unanswered: 0,
  framingErrors: 0,
});

/** A generated Processor: reads a call from `input`, runs the handler, writes the reply to `output`. */
export interface Processor {
  process(input: thrift.TProtocol, output: thrift.TProtocol): void;
}

export class Session implements SessionInfo {
  loggedIn = false;
  /** The connection closed: queued calls are dropped unprocessed (their routes would never be purged). */
  closed = false;
  /** Tail of the call queue of a slow router (routeDelayMs > 0). */
  queue: Promise<unknown> = Promise.resolve();
  user?: string;
  clientId?: string;
  readonly appIds = new Set<string>();
  processors: Record<string, Processor> = {};
  output!: thrift.TProtocol;
  constructor(
    readonly id: number,
    readonly remote: string,
  ) {}
}

/** What the calls need of their server. */
export type ThriftCallContext = SimCallContext<ThriftCounters>;

const NOT_LOGGED_IN = 'not logged in: call AuthenticationService:LoginCheck first';

/** The Processors of a session's services, by multiplexed name. */
export function processorsFor(session: Session, ctx: ThriftCallContext): Record<string, Processor> {
  return {
    [AUTH_SERVICE]: new AuthenticationService.Processor(authHandler(session, ctx)),
    [ROUTE_SERVICE]: new RouteService.Processor(routeHandler(session, ctx)),
  };
}

/**
 * Runs a call's handler: at once (no route delay), or after the session's earlier calls, its
 * answer `routes(result)` × routeDelayMs later. Dropped unanswered when the session closed first.
 */
function paced<T>(session: Session, ctx: ThriftCallContext, work: () => T, routes: (result: T) => number): T | Promise<T> {
  if (ctx.routeDelayMs <= 0) return work();
  const run = session.queue.then(async () => {
    if (session.closed) throw new Error('session closed');
    const result = work();
    await ctx.delays.pause(routes(result) * ctx.routeDelayMs);
    return result;
  });
  session.queue = run.catch(() => undefined);
  return run;
}

function countErr(ctx: ThriftCallContext, method: string, code: number): void {
  const perMethod = (ctx.counters.errCodes[method] ??= {});
  perMethod[code] = (perMethod[code] ?? 0) + 1;
}

function authHandler(session: Session, ctx: ThriftCallContext): AuthenticationService.IHandler {
  return {
    LoginCheck: (req: AuthenticationLoginRequest): AuthenticationLoginReply | Promise<AuthenticationLoginReply> =>
      paced(session, ctx, () => loginCheck(session, ctx, req), () => 0),
  };
}

function loginCheck(session: Session, ctx: ThriftCallContext, req: AuthenticationLoginRequest): AuthenticationLoginReply {
  const user = req.user_name ?? '';
  if (!ctx.accepts(user, req.password ?? '')) {
    session.loggedIn = false;
    ctx.counters.loginFailures++;
    ctx.log(`thrift: session ${session.id}: login of ${JSON.stringify(user)} refused`);
    return new AuthenticationLoginReply({ result: false, message: 'invalid user name or password' });
  }
  session.loggedIn = true;
  session.user = user;
  session.clientId = req.client_id || `session-${session.id}`;
  ctx.counters.logins++;
  ctx.log(`thrift: session ${session.id}: ${user} logged in (client ${session.clientId})`);
  return new AuthenticationLoginReply({ result: true, message: 'login successful' });
}

function routeHandler(session: Session, ctx: ThriftCallContext): RouteService.IHandler {
  const owner = (): RouteOwner => ({ sessionId: session.id, clientId: session.clientId ?? '' });
  const noteApp = (appId: string | undefined): void => {
    if (appId) session.appIds.add(appId);
  };
  const routeResult = (method: string, errCode: number, message?: string): RouteResult => {
    countErr(ctx, method, errCode);
    return new RouteResult({ err_code: errCode, message });
  };
  const one = (r: RouteResult): number => (r.err_code === ERR.NOT_LOGGED_IN ? 0 : 1);
  /** RouteAdd and RouteDelete: one route, answered with its err_code. */
  const change = (method: 'RouteAdd' | 'RouteDelete', cfg: RouteConfig): RouteResult | Promise<RouteResult> =>
    paced(
      session,
      ctx,
      () => {
        if (!session.loggedIn) return routeResult(method, ERR.NOT_LOGGED_IN, NOT_LOGGED_IN);
        noteApp(cfg.app_id);
        const r = method === 'RouteAdd' ? ctx.rib.add(cfg, owner()) : ctx.rib.delete(cfg);
        return routeResult(method, r.errCode, r.message);
      },
      one,
    );
  return {
    RouteAdd: (cfg: RouteConfig) => change('RouteAdd', cfg),
    RouteDelete: (cfg: RouteConfig) => change('RouteDelete', cfg),
    RouteGet: (appId: string, table: string, prefix: string): RouteGetReply | Promise<RouteGetReply> =>
      paced(
        session,
        ctx,
        () => {
          if (!session.loggedIn) {
            countErr(ctx, 'RouteGet', ERR.NOT_LOGGED_IN);
            return new RouteGetReply({ err_code: ERR.NOT_LOGGED_IN, routes: [], message: NOT_LOGGED_IN });
          }
          noteApp(appId);
          // A prefix is a lookup: other protocols' routes there come too (sim/other-routes.ts).
          const r = ctx.rib.lookup(appId, table, prefix);
          countErr(ctx, 'RouteGet', r.errCode);
          const routes = r.routes.map((e) => routeConfigOf('protocol' in e ? { ...e, appId: '', metric: 0 } : e));
          return new RouteGetReply({ err_code: r.errCode, routes, message: r.message });
        },
        (r) => (r.err_code === ERR.NOT_LOGGED_IN ? 0 : Math.max(1, r.routes?.length ?? 0)),
      ),
  };
}
