/**
 * A node's state in a key-value store used only through callbacks: a Node-RED context the way
 * every context store allows. A store without a cache (Redis and other shared stores,
 * localfilesystem with its cache off) refuses the synchronous `get(key)` / `set(key, value)`, so
 * the state is read once, before anything that needs it runs, and written back in the background.
 * No Node-RED here: the owner gives the store (its `node.context()`).
 *
 *  - Load: once. Calls made meanwhile ({@link StoredState.whenLoaded}) wait, in order, and run as
 *    soon as it is loaded (at once when it is); beyond `maxWaiting` a call is refused, so memory
 *    stays bounded. A store that answers with an error, or not within `loadTimeoutMs`, is asked
 *    again after a capped backoff (one warning, one log line when it answers at last): a state
 *    that was never read is never written over.
 *  - Save: coalesced. One write at a time; the latest value given goes after it (the ones in
 *    between are skipped: each value is the whole state). A write that fails (or gets no answer
 *    within `saveTimeoutMs`) is warned about once until a write succeeds, and tried again after a
 *    capped backoff unless a newer value replaces it.
 *  - {@link StoredState.flush} waits (bounded) until the last value is written; {@link StoredState.close}
 *    refuses the calls still waiting and leaves no timer.
 */
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF } from './reconnect';

/** The callback form of a Node-RED context (or any store like it). */
export interface CallbackStore {
  get(key: string, callback: (err: unknown, value?: unknown) => void): void;
  set(key: string, value: unknown, callback: (err?: unknown) => void): void;
}

/** Calls that may wait for the load, by default. */
export const STATE_MAX_WAITING = 1000;
/** How long the store may take to answer one read, or one write. */
export const STATE_LOAD_TIMEOUT_MS = 10000;
export const STATE_SAVE_TIMEOUT_MS = 30000;

export interface StoredStateOptions {
  store: CallbackStore;
  key: string;
  /** What the state is called in warnings, e.g. "route state". */
  what: string;
  warn(text: string): void;
  log?(text: string): void;
  /** A read failed (told at every failure; the read is tried again). */
  loadFailed?(reason: string): void;
  maxWaiting?: number;
  loadTimeoutMs?: number;
  saveTimeoutMs?: number;
  backoff?: BackoffOptions;
}

interface Waiting {
  run(): void;
  refuse(why: string): void;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class StoredState {
  private phase: 'idle' | 'loading' | 'loaded' | 'closed' = 'idle';
  private waiting: Waiting[] = [];
  private loaded: ((value: unknown) => void) | null = null;
  private reads = 0;
  private failedReads = 0;
  private loadTimer: NodeJS.Timeout | null = null;
  private writing = false;
  private pending: { value: unknown } | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private failedWrites = 0;
  private readonly flushed = new Set<() => void>();

  constructor(private readonly opts: StoredStateOptions) {}

  get isLoaded(): boolean {
    return this.phase === 'loaded';
  }

  /** Calls waiting for the load. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Reads the state (once); `done` gets the stored value (undefined: none), then the waiting calls run. */
  load(done: (value: unknown) => void): void {
    if (this.phase !== 'idle') throw new Error(`${this.opts.what}: load() may be called once`);
    this.phase = 'loading';
    this.loaded = done;
    this.read();
  }

  /**
   * Runs `run` once the state is loaded: at once when it is, else after the load, in the order of
   * the calls. `refuse` is called instead (with the reason) when `maxWaiting` calls wait already,
   * or when the owner closes before the load.
   */
  whenLoaded(run: () => void, refuse: (why: string) => void): void {
    if (this.phase === 'loaded') {
      run();
      return;
    }
    if (this.phase === 'closed') {
      refuse(`stopped before the ${this.opts.what} was read from the context store`);
      return;
    }
    const max = this.opts.maxWaiting ?? STATE_MAX_WAITING;
    if (this.waiting.length >= max) {
      refuse(`${max} call(s) already wait for the ${this.opts.what} to be read from the context store`);
      return;
    }
    this.waiting.push({ run, refuse });
  }

  /** Saves `value`: now when nothing is being written, else once the write in progress is answered. */
  save(value: unknown): void {
    if (this.phase === 'closed') return;
    this.pending = { value };
    // Before the load, nothing is written: the stored state has not been read yet.
    if (this.phase === 'loaded' && !this.writing && this.saveTimer === null) this.write();
  }

  /** Resolves once every value given to save() is written (or failed), or after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.flushed.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.flushed.add(finish);
    });
  }

  /** Stops: waiting calls are refused, no read or write is started again, no timer is left. */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.loaded = null;
    if (this.loadTimer) clearTimeout(this.loadTimer);
    this.loadTimer = null;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.pending = null;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.refuse(`stopped before the ${this.opts.what} was read from the context store`);
    this.settleFlush();
  }

  // ------------------------------------------------------------------ load

  private read(): void {
    const mine = ++this.reads;
    let answered = false;
    const answer = (err: unknown, value?: unknown): void => {
      if (answered || mine !== this.reads || this.phase !== 'loading') return;
      answered = true;
      if (this.loadTimer) clearTimeout(this.loadTimer);
      this.loadTimer = null;
      if (err) this.readFailed(reasonOf(err));
      else this.readDone(value);
    };
    try {
      this.opts.store.get(this.opts.key, answer);
    } catch (err) {
      answer(err);
    }
    // A store that answered at once (the memory store does) needs no deadline.
    if (answered || this.phase !== 'loading') return;
    const timeoutMs = this.opts.loadTimeoutMs ?? STATE_LOAD_TIMEOUT_MS;
    this.loadTimer = setTimeout(() => answer(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  }

  private readFailed(reason: string): void {
    const backoff = this.opts.backoff ?? DEFAULT_BACKOFF;
    if (this.failedReads++ === 0) {
      this.opts.warn(
        `could not read the ${this.opts.what} from the context store (${reason}): asking again every ${backoff.maxMs / 1000} s at most; ` +
          'until it answers, nothing is written there and calls wait',
      );
    }
    this.opts.loadFailed?.(reason);
    this.loadTimer = setTimeout(() => {
      this.loadTimer = null;
      this.read();
    }, backoffDelay(this.failedReads - 1, backoff));
  }

  private readDone(value: unknown): void {
    this.phase = 'loaded';
    if (this.failedReads > 0) this.opts.log?.(`read the ${this.opts.what} from the context store after ${this.failedReads} failed attempt(s)`);
    const done = this.loaded;
    this.loaded = null;
    done?.(value);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      try {
        w.run();
      } catch (err) {
        w.refuse(reasonOf(err));
      }
    }
    if (this.pending && !this.writing && this.saveTimer === null) this.write();
  }

  // ------------------------------------------------------------------ save

  private busy(): boolean {
    return this.writing || this.pending !== null;
  }

  private write(): void {
    const next = this.pending;
    if (!next || this.phase !== 'loaded') {
      this.settleFlush();
      return;
    }
    this.pending = null;
    this.writing = true;
    let answered = false;
    const answer = (err?: unknown): void => {
      if (answered) return;
      answered = true;
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.saveTimer = null;
      this.writing = false;
      if (err) {
        this.writeFailed(next, reasonOf(err));
        return;
      }
      if (this.failedWrites > 0) this.opts.log?.(`saved the ${this.opts.what} to the context store again`);
      this.failedWrites = 0;
      this.write();
    };
    try {
      this.opts.store.set(this.opts.key, next.value, answer);
    } catch (err) {
      answer(err);
    }
    // Answered at once (a memory store, after every message of jet-threshold): no timer to make.
    if (answered) return;
    const timeoutMs = this.opts.saveTimeoutMs ?? STATE_SAVE_TIMEOUT_MS;
    this.saveTimer = setTimeout(() => answer(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  }

  /** A write failed: warned once until one succeeds; the value goes again later, unless a newer one replaced it. */
  private writeFailed(failed: { value: unknown }, reason: string): void {
    const backoff = this.opts.backoff ?? DEFAULT_BACKOFF;
    if (this.failedWrites++ === 0) {
      this.opts.warn(`could not save the ${this.opts.what} to the context store (${reason}): kept in memory, saved again later`);
    }
    if (this.phase !== 'loaded') {
      this.settleFlush();
      return;
    }
    this.pending ??= failed;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.write();
    }, backoffDelay(this.failedWrites - 1, backoff));
  }

  private settleFlush(): void {
    if (this.busy() && this.phase !== 'closed') return;
    for (const finish of [...this.flushed]) finish();
  }
}
