/**
 * The gRPC JET backend (`jnx.jet`, every Junos from 19.4 to 24.4, docs/protocol.md §6): the route
 * calls of a session, up to 1,000 routes per request. The session skeleton (queue, window,
 * deadlines, backoff, half-open, re-login) is lib/core/rpc-session.ts, opening a session
 * lib/grpc/connector.ts, the connection and its calls lib/grpc/wire.ts; this file gathers calls
 * into requests and reads their answers:
 *
 *  - the small calls of one event-loop turn share requests of up to 1,000 routes;
 *  - a request's routes are processed in order and stop at the first error: routes before it
 *    succeeded; a sub_code that says the route is wrong fails that route and the routes after it go
 *    again in a following request; any other stop (TRY_AGAIN, INTERNAL_ERROR, ...) leaves that
 *    route and the rest unanswered: kept by the route client and sent again later;
 *  - a gRPC status of the whole call (RESOURCE_EXHAUSTED, INTERNAL, ...) leaves its routes
 *    unanswered, and so does a deadline; each such failure halves the size of the following
 *    requests (down to GRPC_MIN_ROUTES_PER_REQUEST), each success doubles it back to 1,000;
 *  - a request's deadline grows with its routes (GRPC_DEADLINE_MS_PER_ROUTE): a slow router that
 *    works through 1,000 routes is not a dead connection (keepalive finds those, lib/grpc/wire.ts);
 *  - "Authorization failed" in a call's details, under any status, means the login was lost.
 * The management API (`management`) runs on the same session: lib/grpc/session-management.ts.
 */
import * as grpc from '@grpc/grpc-js';
import type { RouteSpec } from '../core/route-spec';
import {
  ConnectionLostError,
  InstalledRoute,
  NotLoggedInError,
  OpOptions,
  RouteBackend,
  RouteReply,
  SessionError,
} from '../core/backend';
import type { ManagementApi } from '../core/management';
import { RpcSession } from '../core/rpc-session';
import { callGroup, CallGroup } from '../core/call-queue';
import {
  GrpcRouteMethod,
  isNotInitialized,
  isRequestSuccess,
  isServiceError,
  isSuccess,
  ribCode,
  statusName,
  subCodeReply,
  successReply,
  TRANSIENT_SUB_CODES,
} from './codes';
import { installedOf, toRouteEntry, toRouteMatch } from './convert';
import { GrpcBackendOptions, GrpcConnector } from './connector';
import { callFailedMessage, describeGrpcFailure, GrpcCallError, grpcReplyOfError } from './errors';
import {
  AUTHORIZATION_FAILED,
  GRPC_DEADLINE_MS_PER_ROUTE,
  GRPC_MAX_IN_FLIGHT,
  GRPC_MAX_ROUTES_PER_REQUEST,
  GRPC_MIN_ROUTES_PER_REQUEST,
} from './protocol';
import { GrpcManagement } from './session-management';
import type { GrpcWire } from './wire';
import type { RouteGetResponse__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteGetResponse';
import type { RouteSetOperResponse__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteSetOperResponse';
import type { RouteCleanupResponse__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteCleanupResponse';

type GrpcOp = 'add' | 'assert' | 'delete';
const METHOD: Readonly<Record<GrpcOp, GrpcRouteMethod>> = { add: 'RouteAdd', assert: 'RouteUpdate', delete: 'RouteDelete' };

/**
 * How one request ended: routes [0, completed) succeeded; `failure` is route `completed`'s reply
 * (null: resend from there); when that reply is unanswered, so are the routes after it.
 */
interface RequestOutcome {
  completed: number;
  failure: RouteReply | null;
}

/** Calls gathered into one request: same operation, same `once`, in the order they were made. */
interface Gathered {
  op: GrpcOp;
  once: boolean;
  specs: RouteSpec[];
  waiters: Array<{ from: number; count: number; resolve: (r: RouteReply[]) => void }>;
}

export class GrpcBackend extends RpcSession<GrpcWire> implements RouteBackend {
  readonly api = 'grpc' as const;
  /** `jnx.jet` routes have no metric: the route client warns when one is given. */
  readonly carriesMetric = false;
  /** The router's management API on this session (lib/grpc/session-management.ts). */
  readonly management: ManagementApi = new GrpcManagement(
    (name, fn, options) => this.call(name, fn, options),
    (method, err, wire) => this.callError(method, err, wire),
  );

  /** Routes per request now: halved after a failure of a whole request, doubled after a success. */
  private routesPerRequest = GRPC_MAX_ROUTES_PER_REQUEST;

  constructor(opts: GrpcBackendOptions) {
    const connector = new GrpcConnector(opts);
    super(connector, {
      ...opts,
      maxInFlight: GRPC_MAX_IN_FLIGHT,
      msPerRoute: GRPC_DEADLINE_MS_PER_ROUTE,
      maxRoutesPerCall: GRPC_MAX_ROUTES_PER_REQUEST,
      silenceMeansDead: false,
    });
    connector.onWarning = (text) => this.emit('warning', text);
  }

  add(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    return this.batch('add', specs, options);
  }

  /** RouteUpdate: adds the routes or makes them be as given. */
  assert(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    return this.batch('assert', specs, options);
  }

  delete(specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    return this.batch('delete', specs, options);
  }

  /**
   * RouteGet, EXACT match: the routes at `table`/`prefix` (every route of the table when `prefix`
   * is ''), of whatever protocol: a lookup in the routing table, which names no owner (docs/protocol.md
   * §6). `appId` is not part of gRPC: routes belong to the client id.
   */
  async get(_appId: string, table: string, prefix: string): Promise<InstalledRoute[]> {
    const all = prefix === '';
    const family = (all ? /inet6/.test(table) : prefix.includes(':')) ? 'inet6' : 'inet';
    const match = all ? (family === 'inet6' ? '::/0' : '0.0.0.0/0') : prefix;
    const key = toRouteMatch({ prefix: match, family, table });
    const match_type = all ? ('EXACT_OR_LONGER' as const) : ('EXACT' as const);
    const request = { key, match_type, active_only: false, reply_table_format: 'TABLE_STRING' as const, route_count: 0 };
    return this.call('RouteGet', async (wire, deadlineMs) => {
      const routes: InstalledRoute[] = [];
      let notFound = false;
      try {
        await wire.stream<RouteGetResponse__Output>(
          (md, o) => wire.rib.RouteGet(request, md, o),
          deadlineMs,
          (reply) => {
            const sub = ribCode(reply.sub_code);
            if (sub.name === 'ROUTE_NOT_FOUND') {
              notFound = true;
              return;
            }
            if (isNotInitialized(sub)) throw new NotLoggedInError(`RouteGet: NOT_INITIALIZED${reply.status?.message ? `: ${reply.status.message}` : ''}`);
            if (!isSuccess(reply.status) || sub.code !== 0) {
              throw new Error(`RouteGet ${table} ${prefix || '(all)'} failed: ${sub.name}${reply.status?.message ? `: ${reply.status.message}` : ''}`);
            }
            for (const entry of reply.routes ?? []) routes.push(installedOf(entry, table));
          },
        );
      } catch (err) {
        throw await this.callError('RouteGet', err as Error, wire);
      }
      return notFound && routes.length === 0 ? [] : routes;
    });
  }

  /**
   * RouteCleanup: every route of this client id goes (the route client's reconcile after a login
   * that found routes of this client id it has no record of). Never rejects.
   */
  async cleanup(options?: OpOptions): Promise<RouteReply> {
    try {
      return await this.call(
        'RouteCleanup',
        async (wire, deadlineMs): Promise<RouteReply> => {
          let reply: RouteCleanupResponse__Output;
          try {
            reply = await wire.unary<RouteCleanupResponse__Output>((md, o, cb) => wire.rib.RouteCleanup({}, md, o, cb), deadlineMs);
          } catch (err) {
            throw await this.callError('RouteCleanup', err as Error, wire);
          }
          const sub = ribCode(reply.sub_code);
          const routerMessage = reply.status?.message ? `: ${reply.status.message}` : '';
          if (isNotInitialized(sub)) throw new NotLoggedInError(`RouteCleanup: NOT_INITIALIZED${routerMessage}`);
          if (isRequestSuccess(reply.status, sub)) return { status: 'deleted', code: 0, codeName: 'SUCCESS', message: 'deleted', answered: true };
          const name = sub.code === 0 ? 'FAILURE' : sub.name;
          return { status: 'failed', code: sub.code === 0 ? 1 : sub.code, codeName: name, message: `RouteCleanup failed: ${name}${routerMessage}`, answered: true };
        },
        options,
      );
    } catch (err) {
      return grpcReplyOfError(err as Error);
    }
  }

  /**
   * Gathers the small calls of one event-loop turn (one message of one route each, a burst of
   * events) into shared requests of up to 1,000 routes, in the order they were made: one gRPC call
   * costs far more than one route in it. A call of 1,000 routes or more goes as it is. Each caller
   * gets its own replies. Never rejects.
   */
  private batch(op: GrpcOp, specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    if (specs.length === 0) return Promise.resolve([]);
    const once = options?.once === true;
    if (specs.length >= GRPC_MAX_ROUTES_PER_REQUEST) {
      this.flushGathered();
      return this.send(op, specs, options);
    }
    return new Promise<RouteReply[]>((resolve) => {
      // A flush is due whenever something is gathered: the first call gathered schedules it.
      const flushDue = this.gathered.length > 0;
      let open = this.gathered[this.gathered.length - 1];
      // Only the last open batch takes more: calls stay in the order they were made.
      if (!open || open.op !== op || open.once !== once || open.specs.length + specs.length > GRPC_MAX_ROUTES_PER_REQUEST) {
        open = { op, once, specs: [], waiters: [] };
        this.gathered.push(open);
      }
      open.waiters.push({ from: open.specs.length, count: specs.length, resolve });
      for (const spec of specs) open.specs.push(spec);
      if (!flushDue) {
        // A lone call (nothing in flight) goes at the end of its tick, as the Thrift channel writes:
        // waiting for the end of the event-loop turn would only add latency to a single event.
        // Calls in a burst (others in flight) wait for the turn's end and share a request.
        const { inFlight, queued } = this.load;
        if (inFlight === 0 && queued === 0) process.nextTick(() => this.flushGathered());
        else this.flushTimer = setImmediate(() => this.flushGathered());
      }
    });
  }

  private gathered: Gathered[] = [];
  private flushTimer: NodeJS.Immediate | null = null;

  private flushGathered(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    const batches = this.gathered;
    this.gathered = [];
    for (const b of batches) {
      void this.send(b.op, b.specs, { once: b.once }).then((replies) => {
        for (const w of b.waiters) w.resolve(w.from === 0 && w.count === replies.length ? replies : replies.slice(w.from, w.from + w.count));
      });
    }
  }

  /** Runs `specs` in requests of up to 1,000 routes (fewer after failures); one reply per spec, in order. Never rejects. */
  private async send(op: GrpcOp, specs: readonly RouteSpec[], options?: OpOptions): Promise<RouteReply[]> {
    const replies: RouteReply[] = new Array<RouteReply>(specs.length);
    const runs: Promise<void>[] = [];
    // One operation for the session's bounds: admitted whole, and moving at the router's pace once started.
    const group = callGroup();
    const step = this.routesPerRequest;
    for (let start = 0; start < specs.length; start += step) {
      runs.push(this.run(op, specs, start, Math.min(start + step, specs.length), replies, group, options));
    }
    await Promise.all(runs);
    return replies;
  }

  /** Sends specs[from, end) and, after a route the router refused, the rest in a following request, until all have a reply. */
  private async run(op: GrpcOp, specs: readonly RouteSpec[], from: number, end: number, replies: RouteReply[], group: CallGroup, options?: OpOptions): Promise<void> {
    const method = METHOD[op];
    while (from < end) {
      const part = specs.slice(from, end);
      let outcome: RequestOutcome;
      try {
        outcome = await this.call(method, (wire, deadlineMs) => this.request(wire, op, part, deadlineMs), options, { routes: part.length, group });
      } catch (err) {
        if (err instanceof GrpcCallError || (err instanceof SessionError && err.code === 'timeout')) this.shrink(part.length);
        const reply = grpcReplyOfError(err as Error);
        for (let i = from; i < end; i++) replies[i] = reply;
        return;
      }
      const ok = successReply(method);
      for (let i = 0; i < outcome.completed; i++) replies[from + i] = ok;
      from += outcome.completed;
      const failure = outcome.failure;
      if (failure && !failure.answered) {
        // Not a word about this route: it and the routes after it were not processed. Kept, sent again later.
        if (!TRANSIENT_SUB_CODES.has(failure.codeName)) this.shrink(part.length);
        const rest: RouteReply = { ...failure, message: `${failure.message} (not processed: the request stopped at an earlier route)` };
        replies[from] = failure;
        for (let i = from + 1; i < end; i++) replies[i] = rest;
        return;
      }
      this.routesPerRequest = Math.min(GRPC_MAX_ROUTES_PER_REQUEST, this.routesPerRequest * 2);
      if (failure) replies[from++] = failure;
    }
  }

  /** A request of `size` routes failed as a whole: the following ones carry half as many. */
  private shrink(size: number): void {
    this.routesPerRequest = Math.max(GRPC_MIN_ROUTES_PER_REQUEST, Math.min(this.routesPerRequest, Math.ceil(size / 2)));
  }

  /** One RouteAdd / RouteUpdate / RouteDelete request on the wire. */
  private async request(wire: GrpcWire, op: GrpcOp, specs: readonly RouteSpec[], deadlineMs: number): Promise<RequestOutcome> {
    const method = METHOD[op];
    let reply: RouteSetOperResponse__Output;
    try {
      if (op === 'delete') {
        const request = { keys: specs.map((spec) => toRouteMatch(spec)) };
        reply = await wire.unary<RouteSetOperResponse__Output>((md, o, cb) => wire.rib.RouteDelete(request, md, o, cb), deadlineMs);
      } else {
        const request = { routes: specs.map((spec) => toRouteEntry(spec)) };
        reply = await wire.unary<RouteSetOperResponse__Output>(
          (md, o, cb) => (op === 'add' ? wire.rib.RouteAdd(request, md, o, cb) : wire.rib.RouteUpdate(request, md, o, cb)),
          deadlineMs,
        );
      }
    } catch (err) {
      throw await this.callError(method, err as Error, wire);
    }
    const sub = ribCode(reply.sub_code);
    // A complete success: every route, whether or not the router counted them in operations_completed.
    if (isRequestSuccess(reply.status, sub)) return { completed: specs.length, failure: null };
    const completed = Math.max(0, Math.min(Math.floor(Number(reply.operations_completed) || 0), specs.length - 1));
    const routerMessage = reply.status?.message ?? '';
    if (isNotInitialized(sub)) {
      // The router lost our RouteInitialize (its JET daemon restarted): log in again and send the rest once more.
      if (completed === 0) throw new NotLoggedInError(`${method}: NOT_INITIALIZED${routerMessage ? `: ${routerMessage}` : ''}`);
      return { completed, failure: null };
    }
    return { completed, failure: subCodeReply(method, reply.sub_code, routerMessage) };
  }

  /**
   * A gRPC error of a call, for the session: UNAUTHENTICATED, or "Authorization failed" under any
   * status → NotLoggedInError (log in again, retry once); the transport → ConnectionLostError; our deadline → left to the session's own
   * timer (which tells a slow router from a half-open connection); anything else is the router's
   * answer (GrpcCallError).
   */
  private async callError(method: string, err: Error, wire: GrpcWire): Promise<Error> {
    if (!isServiceError(err)) return err;
    // Which status a router gives a call without a login is not documented; its details say so.
    if (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.CANCELLED && (err.details ?? '').includes(AUTHORIZATION_FAILED)) {
      return new NotLoggedInError(`${method}: ${statusName(err.code)}: ${err.details}`);
    }
    switch (err.code) {
      case grpc.status.UNAUTHENTICATED:
        return new NotLoggedInError(`${method}: ${err.details || AUTHORIZATION_FAILED}`);
      case grpc.status.UNAVAILABLE:
      case grpc.status.CANCELLED:
        return new ConnectionLostError(wire.closed ?? (err.details ? describeGrpcFailure(err.details, this.opts.port) : 'connection to the router lost'));
      case grpc.status.DEADLINE_EXCEEDED:
        // The session's timer for this call fires at the same moment: let it decide first.
        await new Promise((resolve) => setTimeout(resolve, 100));
        return new SessionError(`${method}: no reply from the router within ${this.seconds()} s`, 'timeout');
      default:
        return new GrpcCallError(callFailedMessage(method, err), statusName(err.code));
    }
  }
}
