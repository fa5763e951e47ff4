/**
 * One repeat of section 1 (broker.ts): a chunk of events published by the publisher process, timed
 * against the router process's RIB changes, with the CPU time of the implementation under test and
 * the outside load over it. Diagnostics on request: JET_BENCH_HOP_TRACE=1 logs the median time per
 * stage of the plugin's chain, JET_BENCH_GC_TRACE=<ms> Node-RED's GC pauses and how many events
 * slower than <ms> had one inside.
 */
import * as os from 'os';
import { cpuSeconds, minorFaults, percentile, sleep, type Log } from '../lib/util';
import { isDisturbed, watchOutside } from '../lib/outside';
import { prefixOf } from '../lib/events';
import type { NodeRed } from '../lib/nodered';
import type { PublishAnswer } from '../lib/ipc';
import type { Pause } from '../lib/pause-trace';

/** Events later than this are counted apart ("late"). */
export const LATE_MS = 20;

export interface Repeat {
  /** Latency (ms) of each event whose route came. */
  samples: number[];
  lost: number;
  /** Minor page faults of the implementation under test. */
  faults: number;
  seconds: number;
  /** CPU seconds of the implementation under test. */
  cpuS: number;
  outsideMs: number;
  wallMs: number;
  disturbed: boolean;
  load: number;
}

export interface RepeatSetup {
  log: Log;
  /** prefix → RIB change time (hrtime ms), filled by the router process's reports. */
  arrivals: Map<string, number>;
  /** The process under test. */
  pid: number;
  /** The bench's own processes (everything else is outside load). */
  allPids: () => number[];
  /** The plugin's Node-RED when the implementation is the plugin (for the diagnostics). */
  red: NodeRed | null;
  /** Publishes the chunk. */
  publish: () => Promise<PublishAnswer>;
  /** Drain: gives up this long after the last route arrived. */
  drainMs: number;
}

export async function measureRepeat(o: RepeatSetup): Promise<Repeat> {
  const { arrivals, pid } = o;
  const outside = watchOutside(o.allPids);
  const c0 = cpuSeconds(pid);
  const f0 = minorFaults(pid);
  const w0 = Date.now();
  const res = await o.publish();
  const want = res.sent.map(([k]) => prefixOf(k));
  const done = (): boolean => want.every((p) => arrivals.has(p));
  // Drain: until every route came, giving up drainMs after the last progress.
  let last = arrivals.size;
  let still = Date.now();
  while (!done()) {
    await sleep(20);
    if (arrivals.size !== last) {
      last = arrivals.size;
      still = Date.now();
    } else if (Date.now() - still > o.drainMs) break;
  }
  const wallMs = Date.now() - w0;
  const faults = minorFaults(pid) - f0;
  const { outsideMs } = outside();
  const samples: number[] = [];
  let lost = 0;
  const spans: Array<[number, number]> = [];
  const sentArrivals = new Map<number, number>();
  for (const [k, t] of res.sent) {
    const a = arrivals.get(prefixOf(k));
    if (a === undefined) lost++;
    else {
      samples.push(a - t);
      spans.push([t, a]);
      sentArrivals.set(k, a);
    }
    arrivals.delete(prefixOf(k));
  }
  if (process.env.JET_BENCH_HOP_TRACE && o.red) await hopTrace(o.log, o.red, res, sentArrivals);
  const gcTrace = Number(process.env.JET_BENCH_GC_TRACE) || 0;
  if (gcTrace && o.red) await gcPauses(o.log, o.red, spans, gcTrace);
  return { samples, lost, faults, seconds: res.seconds, cpuS: cpuSeconds(pid) - c0, outsideMs, wallMs, disturbed: isDisturbed(outsideMs, wallMs), load: os.loadavg()[0] };
}

/** Diagnostic: median time per stage, publish → event node's send → each node's receive → RIB. */
async function hopTrace(log: Log, red: NodeRed, res: PublishAnswer, sentArrivals: Map<number, number>): Promise<void> {
  const hops = new Map((await red.ask<{ hops: Array<[number, Array<[string, number]>]> }>('hops-take')).hops);
  const stages = new Map<string, number[]>();
  const add = (name: string, v: number): void => {
    const xs = stages.get(name);
    if (xs) xs.push(v);
    else stages.set(name, [v]);
  };
  for (const [k, t] of res.sent) {
    const h = hops.get(k);
    const a = sentArrivals.get(k);
    if (!h || a === undefined) continue;
    let prev: [string, number] = ['publish', t];
    for (const x of h) {
      add(`${prev[0]}→${x[0]}`, x[1] - prev[1]);
      prev = x;
    }
    add(`${prev[0]}→RIB`, a - prev[1]);
  }
  const line = ([n, xs]: [string, number[]]): string => {
    xs.sort((x, y) => x - y);
    return `${n} ${percentile(xs, 50).toFixed(3)}/${percentile(xs, 90).toFixed(3)}/${percentile(xs, 99).toFixed(2)}`;
  };
  log('  stages (p50 / p90 / p99 ms): ' + [...stages].map(line).join(', '));
}

/** Diagnostic: which slow events had one of Node-RED's GC pauses inside their span. */
async function gcPauses(log: Log, red: NodeRed, spans: Array<[number, number]>, slowMs: number): Promise<void> {
  const gcs = (await red.ask<{ gcs: Pause[] }>('gc-take')).gcs.filter((g) => g[2] !== 'stall');
  const slow = spans.filter(([t, a]) => a - t > slowMs);
  const hit = slow.filter(([t, a]) => gcs.some(([s, d]) => s < a && s + d > t));
  const sum = gcs.reduce((x, g) => x + g[1], 0);
  const kinds: Record<string, number> = {};
  for (const g of gcs) kinds[String(g[2])] = (kinds[String(g[2])] || 0) + 1;
  log(`  gc: ${gcs.length} pauses (${JSON.stringify(kinds)}), ${sum.toFixed(1)} ms, max ${Math.max(0, ...gcs.map((g) => g[1])).toFixed(2)} ms; events > ${slowMs} ms: ${slow.length}, ${hit.length} with a GC inside`);
}
