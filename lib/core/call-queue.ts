/**
 * The calls a request-response session (lib/core/rpc-session.ts) queues, and the operations they
 * belong to: while a session is up, `queueLimit` bounds the operations let in (one let in goes
 * whole: a message of 20,000 routes), and an operation none of whose calls was written within
 * `requestTimeoutMs` of its arrival (or of the session coming up) fails unsent: a slow router that
 * still answers never collects a backlog answered minutes late. No protocol here.
 */
import { SessionError, Wire, WireCall } from './backend';

export interface Call {
  name: string;
  fn: WireCall<Wire, unknown>;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  /** When it entered the queue the first time (Date.now()): the queue is in this order. */
  queuedAt: number;
  /** When it was last written; 0 while queued. */
  writtenAt: number;
  /** The connection's `received` count when it was written. */
  receivedAtWrite: number;
  /** Increments on every write: the answer of an older write is ignored. */
  attempt: number;
  settled: boolean;
  once: boolean;
  relogged: boolean;
  /** Its deadline once it is the oldest call in flight (ms): requestTimeoutMs, more for a call carrying many routes. */
  budgetMs: number;
  group: CallGroup;
}

/**
 * The calls of one operation (a message's routes, a replay): admitted or refused together while a
 * session is up, and aged together: an operation the router started on moves at the router's pace.
 */
export interface CallGroup {
  /** When its first call was made (Date.now()). */
  readonly createdAt: number;
  /** undefined until one of its calls is made while a session is up; then why it was refused, or null: let in. */
  refusal: SessionError | null | undefined;
  /** One of its calls was written: no maximum age any more. */
  started: boolean;
}

/** A new operation's group of calls. */
export function callGroup(): CallGroup {
  return { createdAt: Date.now(), refusal: undefined, started: false };
}

/** How the session queues and times one call: the backends' own knowledge, not the route client's. */
export interface CallShape {
  /** Routes the call carries (default 1): its deadline grows by `msPerRoute` for each. */
  routes?: number;
  /** The operation it belongs to (default: an operation of its own). */
  group?: CallGroup;
}

/**
 * The maximum age of the operations that wait while a session is up: those with calls queued and
 * none written, oldest first, and one timer on the oldest. `expire` gets the operations that
 * waited too long (their calls fail unsent).
 */
export class OperationAges {
  private readonly unstarted = new Set<CallGroup>();
  private timer: NodeJS.Timeout | null = null;
  private upSince = 0;
  private up = false;

  constructor(
    private readonly maxAgeMs: number,
    private readonly expire: (groups: ReadonlySet<CallGroup>) => void,
  ) {}

  /** A call of `group` was queued. */
  waiting(group: CallGroup): void {
    if (group.started) return;
    this.unstarted.add(group);
    this.arm();
  }

  /** A call of `group` was written: the router is working on it, no age any more. */
  started(group: CallGroup): void {
    if (group.started) return;
    group.started = true;
    this.unstarted.delete(group);
  }

  /** A session came up: waiting operations count their age from now at the most. */
  sessionUp(): void {
    this.up = true;
    this.upSince = Date.now();
    this.arm();
  }

  /** No session (or closed): no age counts (the session's own queue timer bounds the wait). */
  stop(): void {
    this.up = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Nothing waits any more. */
  clear(): void {
    this.unstarted.clear();
  }

  private arm(): void {
    if (this.timer || !this.up || this.unstarted.size === 0) return;
    const oldest = this.unstarted.values().next().value as CallGroup;
    const due = Math.max(oldest.createdAt, this.upSince) + this.maxAgeMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, Math.max(0, due - Date.now()));
  }

  private fire(): void {
    if (!this.up) return;
    const cutoff = Date.now() - this.maxAgeMs;
    const old = new Set<CallGroup>();
    for (const group of this.unstarted) {
      if (Math.max(group.createdAt, this.upSince) > cutoff) break;
      old.add(group);
      this.unstarted.delete(group);
    }
    if (old.size > 0) this.expire(old);
    this.arm();
  }
}
