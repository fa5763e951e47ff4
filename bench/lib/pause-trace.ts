/**
 * Diagnostic (JET_BENCH_GC_TRACE): the pauses of one process, on the process.hrtime clock in ms
 * (CLOCK_MONOTONIC, shared by every process of the machine), so that a late event can be set
 * against the pauses of each process it went through. Two kinds: a garbage collection (from a
 * PerformanceObserver: 'gc:<kind>') and an event-loop stall (a 5 ms timer that came `stallMs` or more
 * late, not counting the GC pauses inside: 'stall', which is the process not running JavaScript's
 * timers: busy with other work, or not given the CPU). Used by the bench's probe in Node-RED and by
 * fleet-proc.
 */
import { PerformanceObserver, performance } from 'perf_hooks';

/** A pause: [start (hrtime ms), duration ms, kind: 'gc:<kind>' or 'stall']. */
export type Pause = [number, number, string];

const TICK_MS = 5;
const KEEP = 100000;

export const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A performance.now() time on the hrtime clock. */
export function perfToHr(t: number): number {
  return hrMs() - (performance.now() - t);
}

export interface PauseTrace {
  /** The pauses seen since the last take. */
  take(): Pause[];
  stop(): void;
}

/** Starts recording this process's GC pauses and, when `stallMs` > 0, its event-loop stalls. */
export function tracePauses(stallMs: number): PauseTrace {
  let pauses: Pause[] = [];
  const push = (p: Pause): void => {
    pauses.push(p);
    if (pauses.length > KEEP) pauses.shift();
  };
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as { detail?: { kind?: unknown } }).detail;
      push([perfToHr(e.startTime), e.duration, `gc:${String(detail ? detail.kind : (e as { kind?: unknown }).kind)}`]);
    }
  });
  gcs.observe({ entryTypes: ['gc'] });
  let timer: NodeJS.Timeout | null = null;
  if (stallMs > 0) {
    let due = hrMs() + TICK_MS;
    const tick = (): void => {
      const now = hrMs();
      const late = now - due;
      // The GC pauses inside the gap explain that much of it (they are recorded as GCs); a stall is
      // what is left. (The observer reports a GC a little after it: one that ended just now may
      // still count as part of a stall.)
      if (late >= stallMs) {
        const gc = pauses.reduce((t, [s, d, k]) => (k === 'stall' ? t : t + Math.max(0, Math.min(s + d, now) - Math.max(s, due))), 0);
        if (late - gc >= stallMs) push([due, late, 'stall']);
      }
      due = now + TICK_MS;
      timer = setTimeout(tick, TICK_MS);
      timer.unref();
    };
    timer = setTimeout(tick, TICK_MS);
    timer.unref();
  }
  return {
    take: () => {
      const out = pauses;
      pauses = [];
      return out;
    },
    stop: () => {
      gcs.disconnect();
      if (timer) clearTimeout(timer);
    },
  };
}

/** Which of a late event's processes paused during it: counts of late events by what was inside. */
export interface PauseAttribution {
  late: number;
  /**
   * Per process name: late events with a GC pause of that process inside, and with a stall (no GC);
   * `kinds`: per GC kind (perf_hooks' constants: 'gc:1' minor (scavenge), 'gc:4' major
   * (mark-compact), 'gc:8' incremental marking, 'gc:16' weak callbacks), the late events whose
   * longest pause inside was of that kind; `longestMs`: the longest pause inside any late event.
   */
  byProcess: Record<string, { gc: number; stall: number; kinds: Record<string, number>; longestMs: number }>;
  /** Late events with no pause of any traced process inside. */
  none: number;
}

/**
 * Sets each late event [start (hrtime ms), latency ms] against the pauses of each process:
 * a pause counts when it overlaps the event's span by at least `minMs` ms.
 */
export function attribute(late: ReadonlyArray<[number, number]>, pauses: Readonly<Record<string, readonly Pause[]>>, minMs = 2): PauseAttribution {
  const byProcess: PauseAttribution['byProcess'] = {};
  for (const name of Object.keys(pauses)) byProcess[name] = { gc: 0, stall: 0, kinds: {}, longestMs: 0 };
  let none = 0;
  for (const [t, ms] of late) {
    let any = false;
    for (const [name, ps] of Object.entries(pauses)) {
      const inside = ps.filter(([s, d]) => Math.min(s + d, t + ms) - Math.max(s, t) >= minMs);
      if (inside.length === 0) continue;
      any = true;
      const c = byProcess[name];
      const gcs = inside.filter((p) => p[2] !== 'stall');
      if (gcs.length) {
        c.gc++;
        const longest = gcs.reduce((a, b) => (b[1] > a[1] ? b : a));
        c.kinds[longest[2]] = (c.kinds[longest[2]] ?? 0) + 1;
      } else c.stall++;
      c.longestMs = Math.max(c.longestMs, ...inside.map((p) => p[1]));
    }
    if (!any) none++;
  }
  return { late: late.length, byProcess, none };
}
