/**
 * What a node shows about its router's connection, as status codes with parameters: the words are
 * the nodes' (nodes/shared/status.ts turns a code into the text of a message catalog, under
 * `status` in nodes/locales/<lang>/jet-router.json for the codes here). Pure: the nodes only pass
 * what they know. Also the StatusView, which decides when a node shows its status.
 */
import type { SessionStatus } from './core/backend';

/** A status as Node-RED shows it. */
export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type StatusParams = Record<string, string | number>;

/** A status to show: what it says is a code and its parameters. No code: nothing shown (an empty status). */
export interface StatusCode {
  fill?: NodeStatus['fill'];
  shape?: NodeStatus['shape'];
  code?: string;
  params?: StatusParams;
}

/**
 * The codes this module returns. Their words are the jet-router node's (its catalog's `status`):
 * the connection is the router's, whichever node shows it.
 */
export const ROUTER_STATUS_CODES: ReadonlySet<string> = new Set(['connected', 'connecting', 'loginFailed', 'loginFailedNoReason', 'disconnected', 'noRouter']);

/** A node whose jet-router is not set (or not deployed). */
export const NO_ROUTER: StatusCode = Object.freeze({ fill: 'red', shape: 'ring', code: 'noRouter' });

/** A message the node cannot use (its own words for `invalidInput`, with the reason). */
export function invalidInput(err: unknown): StatusCode {
  return { fill: 'red', shape: 'ring', code: 'invalidInput', params: { message: err instanceof Error ? err.message : String(err) } };
}

export function sessionStatus(s: SessionStatus): StatusCode {
  switch (s.state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', code: 'connected', params: { peer: s.detail } };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', code: 'connecting', params: { peer: s.detail } };
    case 'login-failed':
      return s.detail ? { fill: 'red', shape: 'ring', code: 'loginFailed', params: { reason: s.detail } } : { fill: 'red', shape: 'ring', code: 'loginFailedNoReason' };
    case 'disconnected':
      return { fill: 'red', shape: 'ring', code: 'disconnected', params: { reason: s.detail } };
    case 'closed':
    case 'idle':
    default:
      return {};
  }
}

/**
 * What a node that also reports its own outcomes shows: problems with the connection win; when
 * connected, its last outcome (if any) stands.
 */
export function combinedStatus(connection: SessionStatus, last: StatusCode | null): StatusCode {
  if (connection.state === 'connected' && last) return last;
  return sessionStatus(connection);
}

/** How often, at most, a node shows a status caused by its messages (see StatusView). */
export const STATUS_INTERVAL_MS = 100;

export interface StatusTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: StatusTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * A node's status, shown at most once per interval while messages change it. Every status costs
 * the runtime an event, a retained comms message and a publish to each open editor: at hundreds
 * of messages a second, one per message floods the editor and the process for nothing anyone can
 * read.
 *
 * - `update()` (a message changed what the node shows): shown at once if nothing was shown in the
 *   last interval, else once at its end, rendered then (only the latest state is shown);
 * - `now()` (the connection, a subscription or the configuration changed): shown at once;
 * - `close()`: no status is shown after it, and no timer is left.
 *
 * `render` is called only when a status is shown, so a message that changes the status builds no
 * text when it will not be seen.
 */
export class StatusView {
  private timer: unknown = null;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly render: () => NodeStatus,
    private readonly apply: (s: NodeStatus) => void,
    private readonly intervalMs = STATUS_INTERVAL_MS,
    private readonly timers: StatusTimers = realTimers,
  ) {}

  update(): void {
    if (this.closed) return;
    if (this.timer !== null) {
      this.dirty = true;
      return;
    }
    this.show();
    this.arm();
  }

  now(): void {
    if (this.closed) return;
    this.dirty = false;
    this.show();
  }

  close(): void {
    this.closed = true;
    this.dirty = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (!this.dirty) return;
      this.dirty = false;
      this.show();
      this.arm();
    }, this.intervalMs);
  }

  private show(): void {
    this.apply(this.render());
  }
}
