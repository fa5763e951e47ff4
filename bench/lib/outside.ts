/**
 * Outside load: the CPU time the machine spent outside the bench's own processes (the bench itself,
 * Node-RED, the baselines, the router and broker processes) while a repeat ran, steal included.
 * A repeat is marked disturbed when that exceeded DISTURBED_BASE_MS plus DISTURBED_SHARE of one
 * core over its wall time (/proc counts in 10 ms ticks per process, hence the base). The same rule
 * for every section that marks repeats; the load average is shown next to each figure as well.
 */
import * as fs from 'fs';
import { cpuSeconds, TICKS_PER_SECOND } from './util';

export const DISTURBED_BASE_MS = 60;
export const DISTURBED_SHARE = 0.2;

/** Busy CPU time of the whole machine (all cores, steal included) and its steal, in seconds, from /proc/stat. */
export function machineBusy(): { busy: number; steal: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
  return { busy: busy / TICKS_PER_SECOND, steal: (f[7] || 0) / TICKS_PER_SECOND };
}

export function isDisturbed(outsideMs: number, wallMs: number): boolean {
  return outsideMs > DISTURBED_BASE_MS + DISTURBED_SHARE * wallMs;
}

export interface OutsideReading {
  /** CPU ms spent outside the bench's processes. */
  outsideMs: number;
  /** CPU ms stolen by the hypervisor (part of outsideMs). */
  stealMs: number;
}

/**
 * Starts watching: the machine's busy time and the CPU time of `pids()` (read again at the end, so
 * processes may be listed as they come). The returned function reads the outside time since.
 */
export function watchOutside(pids: () => readonly number[]): () => OutsideReading {
  const ours = (): number => pids().reduce((t, pid) => t + cpuSeconds(pid), 0);
  const m0 = machineBusy();
  const o0 = ours();
  return () => {
    const m1 = machineBusy();
    const outsideMs = Math.max(0, (m1.busy - m0.busy - (ours() - o0)) * 1000);
    return { outsideMs, stealMs: (m1.steal - m0.steal) * 1000 };
  };
}
