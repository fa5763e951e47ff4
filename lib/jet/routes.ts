/**
 * Route programming on a JET session: RouteAdd / RouteDelete / RouteGet with the project's
 * semantics (JET-FACTS §2), plus the desired state that is replayed after every (re)login.
 */
import { EventEmitter } from 'events';
import { JetSession, SessionError } from './session';
import { DesiredRoutes, routeKey } from './desired';
import { ERR, outcomeMessage, RouteOp, RouteStatus, routeStatus } from './results';
import type { RouteSpec } from '../routes/validate';
import { RouteConfig } from '../gen/jet/RouteConfig';
import { NexthopInfo } from '../gen/jet/NexthopInfo';
import { GatewayAddress } from '../gen/jet/GatewayAddress';
import { FamilyType } from '../gen/jet/FamilyType';
import { RouteResult } from '../gen/jet/RouteResult';
import {
  RouteAddArgs,
  RouteAddResult,
  RouteDeleteArgs,
  RouteDeleteResult,
  RouteGetArgs,
  RouteGetResult,
} from '../gen/jet/RouteService';

export interface RouteOutcome {
  prefix: string;
  table: string;
  status: RouteStatus;
  /** The router's err_code; null when no reply came (timeout, connection lost). */
  errCode: number | null;
  message: string;
  /** Next hops the router reports as installed (add with verify). */
  installed?: string[];
}

export interface InstalledRoute {
  prefix: string;
  table: string;
  nexthops: string[];
  preference: number[];
  metric: number[];
}

export interface ReplayReport {
  routes: number;
  failed: number;
}

export const ROUTE_SERVICE = 'RouteService';

export function toRouteConfig(spec: RouteSpec): RouteConfig {
  return new RouteConfig({
    app_id: spec.appId,
    family_type: spec.family === 'inet' ? FamilyType.af_inet : FamilyType.af_inet6,
    prefix: spec.prefix,
    table_name: spec.table,
    nexthops: spec.nexthops.map((ip) => new NexthopInfo({ nexthop_address: new GatewayAddress({ nexthop_ip: ip }) })),
    preference: [spec.preference],
    metric: [spec.metric],
  });
}

function toInstalled(config: RouteConfig, fallbackTable: string): InstalledRoute {
  return {
    prefix: config.prefix ?? '',
    table: config.table_name || fallbackTable,
    nexthops: (config.nexthops ?? []).map((n) => n.nexthop_address?.nexthop_ip ?? '').filter((ip) => ip !== ''),
    preference: config.preference ?? [],
    metric: config.metric ?? [],
  };
}

/** Events: 'desired' (the desired set changed), 'replayed' (ReplayReport), 'replay-error' (RouteSpec, Error). */
export class JetRoutes extends EventEmitter {
  private readonly onReady = (): void => this.replay();
  /** Adds waiting for their answer, by route key: the replay leaves them to their own call. */
  private readonly adding = new Map<string, number>();
  /** The latest add or delete made for each route key: an older call's answer changes no intent. */
  private readonly latest = new Map<string, number>();
  private serial = 0;

  constructor(
    readonly session: JetSession,
    readonly desired: DesiredRoutes = new DesiredRoutes(),
    private readonly service = ROUTE_SERVICE,
  ) {
    super();
    session.on('ready', this.onReady);
  }

  /** Stops listening to the session (the session itself is closed by its owner). */
  dispose(): void {
    this.session.off('ready', this.onReady);
    this.removeAllListeners();
  }

  /**
   * Adds a route. The desired set records the intent before the call: a call that gets no answer
   * (session down, timeout, queue full, login failed) leaves the route desired, so the next login
   * adds it, since the router will not send the rising event again; only a definite refusal by the
   * router removes an intent this call made. An existing route (err 2) is left as the router has it.
   */
  async add(spec: RouteSpec, verify = false): Promise<RouteOutcome> {
    const key = routeKey(spec.appId, spec.table, spec.prefix);
    const mine = ++this.serial;
    this.latest.set(key, mine);
    const known = this.desired.get(spec.appId, spec.table, spec.prefix);
    if (!known && this.desired.set(spec)) this.emit('desired');
    this.adding.set(key, (this.adding.get(key) ?? 0) + 1);
    let reply: RouteResult;
    try {
      reply = await this.session.call(this.service, 'RouteAdd', new RouteAddArgs({ route_config: toRouteConfig(spec) }), RouteAddResult);
    } catch (err) {
      throw new Error(`${(err as Error).message} (still desired: it is added when the session is back)`);
    } finally {
      const n = (this.adding.get(key) ?? 1) - 1;
      if (n > 0) this.adding.set(key, n);
      else this.adding.delete(key);
    }
    const outcome = this.outcome('add', spec, reply);
    const current = this.latest.get(key) === mine;
    if (outcome.status === 'added') {
      if (current && this.desired.set(spec)) this.emit('desired');
    } else if (outcome.status === 'failed') {
      if (current && !known && this.desired.remove(spec.appId, spec.table, spec.prefix)) this.emit('desired');
    } else if (known && JSON.stringify(known.nexthops) !== JSON.stringify(spec.nexthops)) {
      outcome.message += `; it stays via ${known.nexthops.join(', ')}: delete it first to change its next hops`;
    }
    if (verify && outcome.status !== 'failed') {
      try {
        const [installed] = await this.get(spec.appId, spec.table, spec.prefix);
        outcome.installed = installed ? installed.nexthops : [];
      } catch (err) {
        outcome.message += ` (read back failed: ${(err as Error).message})`;
      }
    }
    return outcome;
  }

  /** Deletes a route. It stops being desired at once, whatever the answer: it is not wanted. */
  async delete(spec: RouteSpec): Promise<RouteOutcome> {
    this.latest.set(routeKey(spec.appId, spec.table, spec.prefix), ++this.serial);
    if (this.desired.remove(spec.appId, spec.table, spec.prefix)) this.emit('desired');
    const reply = await this.session.call(this.service, 'RouteDelete', new RouteDeleteArgs({ route_config: toRouteConfig(spec) }), RouteDeleteResult);
    return this.outcome('delete', spec, reply);
  }

  /** Routes of `appId` in `table`; an empty prefix lists all of them. */
  async get(appId: string, table: string, prefix: string): Promise<InstalledRoute[]> {
    const reply = await this.session.call(this.service, 'RouteGet', new RouteGetArgs({ app_id: appId, table_name: table, prefix }), RouteGetResult);
    const errCode = reply.err_code ?? ERR.SUCCESS;
    if (errCode !== ERR.SUCCESS && errCode !== ERR.NOT_FOUND) {
      throw new Error(`RouteGet ${table} ${prefix || '(all)'} failed: ${outcomeMessage('add', errCode, reply.message)}`);
    }
    return (reply.routes ?? []).map((r) => toInstalled(r, table));
  }

  private outcome(op: RouteOp, spec: RouteSpec, reply: RouteResult): RouteOutcome {
    const errCode = typeof reply.err_code === 'number' ? reply.err_code : ERR.FAILURE;
    return {
      prefix: spec.prefix,
      table: spec.table,
      status: routeStatus(op, errCode),
      errCode,
      message: outcomeMessage(op, errCode, reply.message),
    };
  }

  /**
   * Re-adds every desired route on a fresh session. Adds only: it never deletes anything. Its calls
   * are never sent again on a later session (`once`): that session's login replays the desired set
   * as it is then, and a stale re-add could add a route deleted since, or add one twice.
   */
  private replay(): void {
    // A route whose own add waits in the queue is added by that call, which reports the outcome.
    const specs = this.desired.list().filter((r) => !this.adding.has(routeKey(r.appId, r.table, r.prefix)));
    if (specs.length === 0) return;
    let failed = 0;
    let interrupted = 0;
    let pending = specs.length;
    const finish = (): void => {
      if (--pending === 0 && interrupted === 0) this.emit('replayed', { routes: specs.length, failed } satisfies ReplayReport);
    };
    for (const spec of specs) {
      this.session
        .call(this.service, 'RouteAdd', new RouteAddArgs({ route_config: toRouteConfig(spec) }), RouteAddResult, { once: true })
        .then(
          (reply) => {
            const errCode = reply.err_code ?? ERR.FAILURE;
            if (routeStatus('add', errCode) === 'failed') {
              failed++;
              this.emit('replay-error', spec, new Error(outcomeMessage('add', errCode, reply.message)));
            }
          },
          (err: Error) => {
            // The session was lost before the router answered: the next login replays again.
            if (err instanceof SessionError && err.code === 'disconnected') {
              interrupted++;
              return;
            }
            failed++;
            this.emit('replay-error', spec, err);
          },
        )
        .finally(finish);
    }
  }
}
