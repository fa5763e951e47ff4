/**
 * Which jet-rmon-event nodes set up which RMON alarm on one router (`configureRmon`): a registry per
 * router, so that two nodes that claim the same alarm index with different settings are both told
 * (both show it, neither commits) instead of committing in turn and undoing each other at every
 * login. Nodes that claim an alarm with the same settings agree; their set-ups run one at a time
 * (`serialize`), so the second finds the first's commit and commits nothing.
 *
 * One registry per router object ({@link claimsFor}, kept in a WeakMap: it goes with the router).
 * No Node-RED, no transport, no timers. Event 'change' after every claim and release.
 */
import { EventEmitter } from 'events';

interface Claim {
  alarm: number;
  /** The settings as one comparable text. */
  key: string;
  /** How the node is named to the others (its name, else its id). */
  label: string;
}

export class RmonClaims extends EventEmitter {
  private readonly claims = new Map<string, Claim>();
  private chain: Promise<unknown> = Promise.resolve();

  /** Node `id` sets up alarm `alarm` with settings `key` (a claim made again replaces the node's last). */
  claim(id: string, alarm: number, key: string, label: string): void {
    this.claims.set(id, { alarm, key, label });
    this.emit('change');
  }

  release(id: string): void {
    if (this.claims.delete(id)) this.emit('change');
  }

  /** The labels of the other nodes that claim the alarm of `id` with other settings; [] when none (or no claim). */
  conflicts(id: string): string[] {
    const mine = this.claims.get(id);
    if (!mine) return [];
    const out: string[] = [];
    for (const [other, c] of this.claims) {
      if (other !== id && c.alarm === mine.alarm && c.key !== mine.key) out.push(c.label);
    }
    return out;
  }

  get size(): number {
    return this.claims.size;
  }

  /** Runs `fn` after every set-up queued before it has settled (one set-up at a time on a router). */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

const registries = new WeakMap<object, RmonClaims>();

/** The registry of a router (any object that stands for it: the jet-router node's hub). */
export function claimsFor(router: object): RmonClaims {
  let r = registries.get(router);
  if (!r) {
    r = new RmonClaims();
    r.setMaxListeners(0);
    registries.set(router, r);
  }
  return r;
}
