/**
 * The simulated router's `jnx.jet` calls (docs/protocol.md §6): Authentication/Login, routing.base.Base
 * (the purge timer) and routing.rib.Rib, on the shared RIB (sim/rib.ts) and the sessions of
 * sim/grpc/sessions.ts. Requests are read by sim/grpc/wire.ts, answers written with
 * lib/grpc/convert.ts and lib/grpc/codes.ts: the client's own codec.
 *
 * A call whose connection has no logged-in session for its `client-id` (none sent, never logged
 * in, logged in on another connection, or forgotten by a JET daemon restart) fails with gRPC status
 * UNAUTHENTICATED (or `notLoggedInStatus`: a router's is not documented), "Authorization failed".
 * Faults (sim/grpc/faults.ts) answer chosen calls with a gRPC status or a sub-code instead. A slow router: `routeDelayMs` delays each answer by routeDelayMs per route processed,
 * with a timer. Calls of one session are processed one after the other in arrival order (a queue
 * per session), so a client that pipelines calls sees the delays add up, as flow control must handle.
 *
 * Decisions where the public record is silent (documented for the plugin's authors):
 * - A second Login of a client id on the connection that holds it is accepted (same session,
 *   initialized state kept); on any other connection it is refused while the session lives.
 * - A client id comes from LoginRequest.client_id, else from the `client-id` metadata; neither is
 *   a refused login.
 * - RouteGet is a lookup in the routing table: it streams the caller's own routes and the routes
 *   of other protocols (sim/other-routes.ts: a static route from the CLI, BGP) that match, at each
 *   prefix by preference, the other protocol's first on a tie, naming no owner; other JET clients'
 *   routes are left out (a router may show them too: the plugin never reads ownership from RouteGet).
 *   At most 1000 routes per reply; nothing matched is one reply with sub_code ROUTE_NOT_FOUND and no
 *   routes; `route_count` > 0 caps the number of routes; table ids are not supported (TABLE_INVALID).
 * - RouteModify / RouteDelete of a route another client (or a Thrift app) owns: ROUTE_NOT_FOUND;
 *   RouteUpdate of one: ROUTE_EXISTS (it adds or replaces only the client's own routes).
 * - The purge-timer calls need a Login, not RouteInitialize.
 */
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_PREFERENCE } from '../../lib/core/route-spec';
import { BaseSubCode, RibSubCode, statusOf } from '../../lib/grpc/codes';
import { PURGE_TIME_MAX_S, PURGE_TIME_MIN_S } from '../../lib/core/defaults';
import { toRouteEntry } from '../../lib/grpc/convert';
import { AUTHORIZATION_FAILED, GRPC_MAX_ROUTES_PER_REQUEST } from '../../lib/grpc/protocol';
import { ERR } from '../../lib/thrift/protocol';
import type { AuthenticationHandlers } from '../../lib/gen-grpc/jnx/jet/authentication/Authentication';
import type { LoginResponse } from '../../lib/gen-grpc/jnx/jet/authentication/LoginResponse';
import type { BaseHandlers } from '../../lib/gen-grpc/jnx/jet/routing/base/Base';
import type { RibHandlers } from '../../lib/gen-grpc/jnx/jet/routing/rib/Rib';
import type { RouteDeleteRequest__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteDeleteRequest';
import type { RouteGetRequest__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteGetRequest';
import type { RouteGetResponse } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteGetResponse';
import type { RouteSetOperResponse } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteSetOperResponse';
import type { RouteUpdateRequest__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteUpdateRequest';
import type { RibEntry, SetMode } from '../rib';
import { lookupOrder, OtherRoute } from '../other-routes';
import type { SimCallContext, SimCounters } from '../server-base';
import type { GrpcFaultAnswer, GrpcFaults } from './faults';
import type { Session, SessionTable } from './sessions';
import { clientIdOf, entryFromWire, matchFromWire, matchTypeName, prefixWithin, subCodeOf, wirePreference } from './wire';

/** Most routes in one RouteGet reply message (more go into further replies of the stream). */
export const ROUTES_PER_GET_REPLY = 1000;

/** One call received ('call' event, before it is processed). */
export interface GrpcCallInfo {
  /** Method name, e.g. 'RouteAdd'. */
  method: string;
  peer: string;
  /** The `client-id` metadata ('' when none). */
  clientId: string;
  /** The session the call belongs to; undefined when it is refused (not logged in) or a Login. */
  sessionId?: number;
}

export interface GrpcCounters extends SimCounters {
  /** Answers per method and sub_code name. */
  subCodes: Record<string, Record<string, number>>;
  /** Calls refused with UNAUTHENTICATED. */
  unauthenticated: number;
  /** Most calls one session had received and not yet answered at a time. */
  maxQueued: number;
}

export const emptyGrpcCounters = (): GrpcCounters => ({
  calls: {},
  subCodes: {},
  logins: 0,
  loginFailures: 0,
  unauthenticated: 0,
  connectionsTotal: 0,
  maxQueued: 0,
});

/** What the calls need of their server. */
export interface GrpcCallContext extends SimCallContext<GrpcCounters> {
  readonly sessions: SessionTable;
  /** A call arrived ('call' event). */
  onCall(call: GrpcCallInfo): void;
  /** A Login succeeded ('login' event). */
  onLogin(session: Session): void;
  /** Answers to give instead of the server's own (sim/grpc/faults.ts). */
  readonly faults: GrpcFaults;
  /** The gRPC status of a call that has no logged-in session (default UNAUTHENTICATED; a router's is not documented). */
  readonly notLoggedInStatus: grpc.status;
}

/** What a queued call's work produced: the reply, and how many routes it processed (the delay). */
interface Work<T> {
  reply: T;
  routes: number;
}

type SurfaceCall = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'cancelled' | 'getPeer' | 'metadata'>;

const ribStatus = (code: RibSubCode, message?: string): ReturnType<typeof statusOf<RibSubCode>> => statusOf(code, message);
const baseStatus = (code: BaseSubCode, message?: string): ReturnType<typeof statusOf<BaseSubCode>> => statusOf(code, message);
const NOT_INITIALIZED = 'RouteInitialize must be called first';

/** The work of a call answered with a fault's sub-code: nothing done, the request's first item stopped. */
function faultWork<T>(fault: Exclude<GrpcFaultAnswer, { error: unknown }>): Work<T> {
  return { reply: { status: { code: 'FAILURE', message: fault.message }, sub_code: fault.subCode, operations_completed: 0 } as T, routes: 0 };
}

/** The handlers of the three services, for grpc.Server.addService. */
export class GrpcCalls {
  constructor(private readonly ctx: GrpcCallContext) {}

  /**
   * The session of a call (its connection and its `client-id`), or undefined: counted and logged as
   * refused. The management calls (sim/grpc/management.ts) are authorized here too.
   */
  authorize(method: string, call: SurfaceCall): Session | undefined {
    const { counters } = this.ctx;
    counters.calls[method] = (counters.calls[method] ?? 0) + 1;
    const peer = call.getPeer();
    const clientId = clientIdOf(call.metadata);
    const session = clientId ? this.ctx.sessions.sessionOf(peer, clientId) : undefined;
    this.ctx.onCall({ method, peer, clientId, sessionId: session?.id });
    if (!session) {
      counters.unauthenticated++;
      this.ctx.log(`grpc: ${method} from ${peer} ${clientId ? `(client ${clientId}) not logged in on this connection` : 'without client-id metadata'}: ${AUTHORIZATION_FAILED}`);
    }
    return session;
  }

  private countSub(method: string, subCode: string): void {
    const perMethod = (this.ctx.counters.subCodes[method] ??= {});
    perMethod[subCode] = (perMethod[subCode] ?? 0) + 1;
  }

  /**
   * Runs `work` after the session's earlier calls, then answers its reply routes × routeDelayMs
   * later. Work of a session whose connection closed meanwhile is dropped (a router drops it too,
   * and routes added for a gone session would outlive their purge).
   */
  private enqueue<T extends { sub_code?: unknown }>(
    session: Session,
    method: string,
    call: SurfaceCall,
    work: () => Work<T>,
    answer: (reply: T) => void,
    fail: (err: grpc.ServerErrorResponse | grpc.StatusObject) => void,
  ): void {
    session.queued++;
    this.ctx.counters.maxQueued = Math.max(this.ctx.counters.maxQueued, session.queued);
    session.queue = session.queue
      .then(async () => {
        if (session.connection.closed) return;
        if (session.ended) {
          // Forgotten meanwhile (a JET daemon restart): the call finds no login.
          if (!call.cancelled) fail({ code: this.ctx.notLoggedInStatus, details: AUTHORIZATION_FAILED, metadata: new grpc.Metadata() });
          return;
        }
        const { reply, routes } = work();
        this.countSub(method, String(reply.sub_code));
        await this.ctx.delays.pause(routes * this.ctx.routeDelayMs);
        if (!call.cancelled) answer(reply);
      })
      .catch((err: Error) => {
        this.ctx.log(`grpc: ${method} of client ${session.clientId} failed: ${err.stack ?? err.message}`);
        if (!call.cancelled) fail({ code: grpc.status.INTERNAL, details: err.message, metadata: new grpc.Metadata() });
      })
      .finally(() => {
        session.queued--;
      });
  }

  /** A unary handler of a logged-in session: refused UNAUTHENTICATED without one, else queued. */
  private unary<Req, Res extends { sub_code?: unknown }>(method: string, work: (session: Session, request: Req) => Work<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const session = this.authorize(method, call);
      if (!session) {
        callback({ code: this.ctx.notLoggedInStatus, details: AUTHORIZATION_FAILED });
        return;
      }
      const fault = this.ctx.faults.take(method);
      if (fault && 'error' in fault) {
        callback(fault.error);
        return;
      }
      this.enqueue(
        session,
        method,
        call,
        () => (fault ? faultWork<Res>(fault) : work(session, call.request)),
        (reply) => callback(null, reply),
        (err) => callback(err),
      );
    };
  }

  authentication(): AuthenticationHandlers {
    return {
      Login: (call, callback) => {
        const { counters, sessions } = this.ctx;
        counters.calls.Login = (counters.calls.Login ?? 0) + 1;
        const req = call.request;
        const peer = call.getPeer();
        const clientId = req.client_id || clientIdOf(call.metadata);
        this.ctx.onCall({ method: 'Login', peer, clientId: clientIdOf(call.metadata) });
        const refuse = (message: string): void => {
          counters.loginFailures++;
          this.ctx.log(`grpc: login of ${JSON.stringify(req.username)} (client ${clientId || '?'}) from ${peer} refused: ${message}`);
          const reply: LoginResponse = { status: { code: 'FAILURE', message } };
          callback(null, reply);
        };
        const conn = sessions.connection(peer);
        if (!conn || conn.closed) return refuse(`connection ${peer} is not known to the simulator`);
        const user = req.username;
        if (!this.ctx.accepts(user, req.password)) return refuse('Authentication failed: invalid user name or password');
        if (!clientId) return refuse('client_id is missing');
        const session = sessions.login(conn, clientId, user);
        if ('refused' in session) return refuse(session.refused);
        counters.logins++;
        const kept = this.ctx.rib.clientRoutes(clientId).length;
        this.ctx.log(`grpc: session ${session.id}: ${user} logged in (client ${clientId}) from ${peer}${kept ? `; ${kept} route(s) of the client kept` : ''}`);
        this.ctx.onLogin(session);
        const reply: LoginResponse = { status: { code: 'SUCCESS', message: '' } };
        callback(null, reply);
      },
    };
  }

  base(): BaseHandlers {
    const { sessions } = this.ctx;
    return {
      RoutePurgeTimerAdd: this.unary('RoutePurgeTimerAdd', (session, req) => {
        if (req.time < PURGE_TIME_MIN_S || req.time > PURGE_TIME_MAX_S) {
          return { reply: baseStatus('INVALID_PARAMS', `time ${req.time} s is out of range ${PURGE_TIME_MIN_S}..${PURGE_TIME_MAX_S}`), routes: 0 };
        }
        sessions.setPurgeTime(session.clientId, req.time);
        this.ctx.log(`grpc: client ${session.clientId}: purge time ${req.time} s`);
        return { reply: baseStatus('SUCCESS'), routes: 0 };
      }),
      RoutePurgeTimerGet: this.unary('RoutePurgeTimerGet', (session) => ({
        reply: { ...baseStatus('SUCCESS'), time: sessions.purgeTimeOf(session.clientId) },
        routes: 0,
      })),
      RoutePurgeTimerDelete: this.unary('RoutePurgeTimerDelete', (session) => {
        sessions.setPurgeTime(session.clientId, undefined);
        return { reply: baseStatus('SUCCESS'), routes: 0 };
      }),
    };
  }

  rib(): RibHandlers {
    return {
      RouteInitialize: this.unary('RouteInitialize', (session, req) => {
        const num_client_routes = this.ctx.rib.clientRoutes(session.clientId).length;
        if (session.initialized) {
          return { reply: { ...ribStatus('ALREADY_INITIALIZED', 'already initialized'), num_client_routes }, routes: 0 };
        }
        session.initialized = true;
        session.defaultPreference = wirePreference(req.default_preferences) ?? DEFAULT_PREFERENCE;
        session.replyBytes = (req.default_response_address_format as unknown) === 'ADDRESS_BYTES' || (req.default_response_address_format as unknown) === 1;
        this.ctx.log(`grpc: session ${session.id} (client ${session.clientId}) initialized, ${num_client_routes} route(s) of the client`);
        return { reply: { ...ribStatus('SUCCESS'), num_client_routes }, routes: 0 };
      }),
      RouteCleanup: this.unary('RouteCleanup', (session) => {
        if (!session.initialized) return { reply: ribStatus('NOT_INITIALIZED', NOT_INITIALIZED), routes: 0 };
        const removed = this.ctx.rib.purgeClient(session.clientId, `RouteCleanup of client ${session.clientId}`);
        return { reply: ribStatus('SUCCESS'), routes: removed.length };
      }),
      RouteAdd: this.unary('RouteAdd', (session, req) => this.setRoutes(session, req, 'add')),
      RouteModify: this.unary('RouteModify', (session, req) => this.setRoutes(session, req, 'modify')),
      RouteUpdate: this.unary('RouteUpdate', (session, req) => this.setRoutes(session, req, 'update')),
      RouteDelete: this.unary('RouteDelete', (session, req) => this.deleteRoutes(session, req)),
      RouteGet: (call) => {
        const session = this.authorize('RouteGet', call);
        if (!session) {
          call.emit('error', { code: this.ctx.notLoggedInStatus, details: AUTHORIZATION_FAILED });
          return;
        }
        const fault = this.ctx.faults.take('RouteGet');
        if (fault && 'error' in fault) {
          call.emit('error', fault.error);
          return;
        }
        this.enqueue(
          session,
          'RouteGet',
          call,
          () => {
            const replies = fault ? [faultWork<RouteGetResponse>(fault).reply] : this.getRoutes(session, call.request);
            return { reply: { replies, sub_code: replies[0].sub_code }, routes: replies.reduce((n, r) => n + (r.routes?.length ?? 0), 0) || 1 };
          },
          ({ replies }) => {
            for (const r of replies) call.write(r);
            call.end();
          },
          (err) => call.emit('error', err),
        );
      },
    };
  }

  /**
   * RouteAdd / RouteModify / RouteUpdate (`routes`) and RouteDelete (`keys`): the items in order,
   * stopping at the first that `apply` refuses (its sub code and words); `operations_completed`
   * counts those done before it.
   */
  private inOrder<T>(session: Session, items: readonly T[] | null | undefined, what: 'routes' | 'keys', apply: (item: T) => { code: RibSubCode; message: string } | null): Work<RouteSetOperResponse> {
    const stop = (code: RibSubCode, message: string, done: number, tried: number): Work<RouteSetOperResponse> => ({
      reply: { ...ribStatus(code, message), operations_completed: done },
      routes: tried,
    });
    const list = items ?? [];
    if (!session.initialized) return stop('NOT_INITIALIZED', NOT_INITIALIZED, 0, 0);
    if (list.length === 0) return stop('REQUEST_INVALID', `no ${what}`, 0, 0);
    if (list.length > GRPC_MAX_ROUTES_PER_REQUEST) return stop('TOO_MANY_OPS', `${list.length} ${what} (at most ${GRPC_MAX_ROUTES_PER_REQUEST} per request)`, 0, 0);
    let done = 0;
    for (const item of list) {
      const refused = apply(item);
      if (refused) return stop(refused.code, `${what}[${done}]: ${refused.message}`, done, done + 1);
      done++;
    }
    return { reply: { ...ribStatus('SUCCESS'), operations_completed: done }, routes: done };
  }

  /** RouteAdd / RouteModify / RouteUpdate: in order, stopping at the first error. */
  private setRoutes(session: Session, req: RouteUpdateRequest__Output, mode: SetMode): Work<RouteSetOperResponse> {
    return this.inOrder(session, req.routes, 'routes', (e) => {
      const r = entryFromWire(e, session.defaultPreference);
      if (!r.ok) return r;
      const res = this.ctx.rib.set(r.value, session.owner, mode);
      return res.errCode === ERR.SUCCESS ? null : { code: subCodeOf(res.errCode), message: res.message ?? '' };
    });
  }

  private deleteRoutes(session: Session, req: RouteDeleteRequest__Output): Work<RouteSetOperResponse> {
    return this.inOrder(session, req.keys, 'keys', (m) => {
      const k = matchFromWire(m);
      if (!k.ok) return k;
      const res = this.ctx.rib.remove(k.value.table, k.value.prefix, session.owner);
      return res.errCode === ERR.SUCCESS ? null : { code: subCodeOf(res.errCode), message: res.message ?? '' };
    });
  }

  /** RouteGet's replies (at least one): the client's routes and other protocols' matching the request. */
  private getRoutes(session: Session, req: RouteGetRequest__Output): RouteGetResponse[] {
    if (!session.initialized) return [{ ...ribStatus('NOT_INITIALIZED', NOT_INITIALIZED), routes: [] }];
    const { rib } = this.ctx;
    const type = matchTypeName(req.match_type);
    let found: Array<RibEntry | OtherRoute>;
    if (type === 'EXACT_OR_LONGER' && !req.key?.dest_prefix) {
      // No prefix: every route of the client in the table (both default tables when none is named).
      const name = req.key?.table?.name?.name;
      if (req.key?.table?.route_table_format === 'id') return [{ ...ribStatus('TABLE_INVALID', 'table ids are not supported by the simulator'), routes: [] }];
      const inTable = (e: { table: string }): boolean => (name ? e.table === name : e.table === 'inet.0' || e.table === 'inet6.0');
      found = lookupOrder(rib.clientRoutes(session.clientId).filter(inTable), rib.others.list().filter(inTable));
    } else {
      const k = matchFromWire(req.key);
      if (!k.ok) return [{ ...ribStatus(k.code, k.message), routes: [] }];
      const { table, prefix } = k.value;
      const mine = (): RibEntry[] => rib.clientRoutes(session.clientId, table);
      if (type === 'EXACT') {
        // One lookup, not a scan: a client reading back each of 20,000 routes stays linear.
        const e = rib.get(table, prefix);
        found = lookupOrder(e && e.api === 'grpc' && e.clientId === session.clientId ? [e] : [], rib.others.at(table, prefix));
      } else if (type === 'EXACT_OR_LONGER') {
        found = lookupOrder(
          mine().filter((e) => prefixWithin(e.prefix, prefix)),
          rib.others.list(table).filter((e) => prefixWithin(e.prefix, prefix)),
        );
      } else if (type === 'BEST') {
        // The routes at the longest prefix that holds the address, whoever's.
        const containing = lookupOrder(
          mine().filter((e) => prefixWithin(prefix, e.prefix)),
          rib.others.list(table).filter((e) => prefixWithin(prefix, e.prefix)),
        );
        const length = (e: { prefix: string }): number => Number(e.prefix.split('/')[1]);
        const longest = containing.reduce((n, e) => Math.max(n, length(e)), -1);
        found = containing.filter((e) => length(e) === longest);
      } else return [{ ...ribStatus('REQUEST_INVALID', `unknown match_type ${type}`), routes: [] }];
    }
    if (req.route_count > 0) found = found.slice(0, req.route_count);
    if (found.length === 0) return [{ ...ribStatus('ROUTE_NOT_FOUND', 'no route matches'), routes: [] }];
    const replies: RouteGetResponse[] = [];
    for (let i = 0; i < found.length; i += ROUTES_PER_GET_REPLY) {
      replies.push({ ...ribStatus('SUCCESS'), routes: found.slice(i, i + ROUTES_PER_GET_REPLY).map((e) => toRouteEntry(e, session.replyBytes)) });
    }
    return replies;
  }
}
