/**
 * The one place that turns connection state and outcomes into Node-RED node status
 * ({fill, shape, text}). Pure: the nodes only pass what they know.
 */
import type { SessionStatus } from './core/backend';

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export const MAX_TEXT = 64;

export function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

export function sessionStatus(s: SessionStatus): NodeStatus {
  switch (s.state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: clip(`connected ${s.detail}`) };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: clip(`connecting ${s.detail}`) };
    case 'login-failed':
      return { fill: 'red', shape: 'ring', text: clip(s.detail || 'login failed') };
    case 'disconnected':
      return { fill: 'red', shape: 'ring', text: clip(`disconnected: ${s.detail}`) };
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
export function combinedStatus(connection: SessionStatus, last: NodeStatus | null): NodeStatus {
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
