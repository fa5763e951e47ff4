/**
 * Deleting the routes a router node left under an earlier identity of itself (another host, port or
 * API: it was re-pointed, or the router renamed), the to-delete lists of lib/core/route-state.ts,
 * on a session to that router with the node's client id and credentials (docs/protocol.md §6):
 *  - the session logs in and deletes the listed routes (RouteDelete: the router deletes only this
 *    client id's); a route deleted, or not found, leaves the list; the list is done when empty;
 *  - a route the node programs again under its current identity (desired or acknowledged there) is
 *    handed over, not deleted: the two identities may be one router under two names;
 *  - an unreachable router keeps the list: the session retries by itself (capped backoff) until the
 *    list is done, the node stops, or the longest purge time a router accepts (1,000 s) has passed
 *    since the node left: by then the router has purged the routes itself, since no session of the
 *    client id logged in there;
 *  - routes the router refuses to delete stay listed for the node's next start.
 * The hub starts the node's own session once the first attempt is over (done or not): a re-pointed
 * node does not wait for its old router, and one router under two names never sees both sessions
 * of the client id at once when the old name answers.
 * Events: 'settled' (once: the first attempt is over), 'done' (routes deleted: count), 'kept'
 * (message: some routes could not be deleted), 'gave-up' (reason). After 'done', 'kept' or
 * 'gave-up' the session is closed.
 */
import { EventEmitter } from 'events';
import type { RouteBackend, SessionStatus } from './backend';
import type { RouteSpec } from './route-spec';
import type { RetiredRoutes } from './route-state';

/** The longest purge time a router accepts (RoutePurgeTimerAdd, 1 to 1,000 s), with a margin. */
export const RETIRE_GIVE_UP_MS = (1000 + 60) * 1000;

export class Retirement extends EventEmitter {
  private settledOnce = false;
  private finished = false;
  private deleting = false;
  private expired = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onReady = (): void => this.deleteListed();
  private readonly onState = (s: SessionStatus): void => {
    if (s.state !== 'disconnected' && s.state !== 'login-failed') return;
    this.settle();
    if (this.expired) this.finish('gave-up', this.reason(s.detail));
  };

  constructor(
    readonly entry: RetiredRoutes,
    private readonly backend: RouteBackend,
    /** Whether the node now programs this route under its current identity: then it is left alone. */
    private readonly kept: (spec: RouteSpec) => boolean,
    now = Date.now(),
  ) {
    super();
    backend.on('ready', this.onReady);
    backend.on('state', this.onState);
    this.timer = setTimeout(() => {
      this.expired = true;
      if (!this.deleting && this.backend.status.state !== 'connected') this.finish('gave-up', this.reason(this.backend.status.detail));
    }, Math.max(0, entry.since + RETIRE_GIVE_UP_MS - now));
  }

  start(): void {
    this.backend.start();
  }

  /** Stops: the session closes within its bound; nothing more is emitted. */
  close(): Promise<void> {
    this.finished = true;
    clearTimeout(this.timer);
    this.backend.off('ready', this.onReady);
    this.backend.off('state', this.onState);
    return this.backend.close();
  }

  private deleteListed(): void {
    if (this.deleting || this.finished) return;
    const { routes } = this.entry;
    for (const spec of routes.list()) if (this.kept(spec)) routes.remove(spec.appId, spec.table, spec.prefix);
    const specs = routes.list();
    if (specs.length === 0) {
      this.finish('done', 0);
      return;
    }
    this.deleting = true;
    void this.backend.delete(specs, { once: true }).then((replies) => {
      this.deleting = false;
      if (this.finished) return;
      let deleted = 0;
      let refusal = '';
      replies.forEach((r, i) => {
        if (r.answered && r.status !== 'failed') {
          routes.remove(specs[i].appId, specs[i].table, specs[i].prefix);
          if (r.status === 'deleted') deleted++;
        } else if (r.answered) {
          refusal ||= r.message;
        }
      });
      if (routes.size === 0) this.finish('done', deleted);
      else if (refusal) this.finish('kept', refusal);
      // Else the connection dropped before the answers: the next login tries again.
    });
  }

  private settle(): void {
    if (this.settledOnce) return;
    this.settledOnce = true;
    this.emit('settled');
  }

  private reason(detail: string): string {
    return `not reachable (${detail || 'no answer'}) since the node left it more than ${RETIRE_GIVE_UP_MS / 1000} s ago: the router has purged them by now`;
  }

  private finish(how: 'done' | 'kept' | 'gave-up', what: unknown): void {
    if (this.finished) return;
    this.settle();
    void this.close();
    this.emit(how, what);
  }
}
