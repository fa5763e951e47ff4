/**
 * Section 1b: event → route latency through the in-process aedes broker (kept as a second table):
 * rising events published by the bench (the in-process simulator's broker, Nagle off unless --nagle)
 * to each implementation's topic, timed to the RouteAdd's RIB change in the simulator's route
 * handler, at each rate in rounds that alternate the plugin and the two baselines (rotating order),
 * after a warm-up each. CPU per event from /proc, read over each implementation's own chunks.
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import { benchTopic } from '../lib/flows';
import { cpuSeconds, fmtInt, fmtMs, sleep, summarize, type Summary } from '../lib/util';
import type { LocalRouter } from '../lib/local-router';
import { section, type DumpSample, type SectionContext, type Table, type Verdict } from './section';

// ifIndex ranges (prefix 10.x.y.z/32 = ifIndex, so every event of the run has its own route)
const BASE: Record<string, number> = { python: 1 << 20, node: 2 << 20, plugin: 3 << 20 };
const PHASE_OFFSET = (phase: number): number => phase * 100000; // 0 = warm-up, 1.. = the rates
export const IMPLS = [
  { key: 'plugin', label: 'plugin in Node-RED (sample flow chain)' },
  { key: 'node', label: 'baseline (a): mqtt.js + npm thrift' },
  { key: 'python', label: 'baseline (b): Python replica (paho + Apache Thrift)' },
] as const;

/** One implementation at one rate; `n` (the table's "events") counts the events whose route came. */
export interface LatencyRow extends Summary {
  rate: number;
  achieved: number;
  lost: number;
  cpuUs: number;
  benchCpuUs: number;
  load: number;
}

/** Implementation → one row per rate, in the order of the sizes' rates. */
export type LatencyResult = Record<string, LatencyRow[]>;

interface Chunk {
  samples: number[];
  lost: number;
  seconds: number;
  cpuS: number;
  benchCpuS: number;
}

/** Calls fire(i) for i < n at `rate` per second (by absolute schedule, several per timer tick when due). */
function paced(n: number, rate: number, fire: (i: number) => void): Promise<number> {
  return new Promise((resolve) => {
    const interval = 1000 / rate;
    const t0 = performance.now();
    let i = 0;
    const tick = (): void => {
      const now = performance.now();
      while (i < n && t0 + i * interval <= now) fire(i++);
      if (i >= n) {
        resolve((performance.now() - t0) / 1000);
        return;
      }
      setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
    };
    tick();
  });
}

/** Publishes n rising events (ifIndex first..first+n-1) on `topic` at `rate`; latencies of their RouteAdds. */
async function latencyChunk(router: LocalRouter, dump: DumpSample[] | null, topic: string, first: number, rate: number, n: number, pid: number): Promise<Chunk> {
  const samples: number[] = [];
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const self0 = process.cpuUsage();
  router.onArrival = (ms) => {
    samples.push(ms);
    if (dump) dump.push([topic.split('/')[2], rate, Math.round(performance.timeOrigin + performance.now() - ms), +ms.toFixed(3)]);
  };
  const seconds = await paced(n, rate, (i) => router.publishEvent(topic, first + i, 'rising'));
  // Drain: wait for the rest, giving up after 5 s without progress.
  let last = samples.length;
  let still = Date.now();
  while (samples.length < n) {
    await sleep(20);
    if (samples.length !== last) {
      last = samples.length;
      still = Date.now();
    } else if (Date.now() - still > 5000) break;
  }
  router.onArrival = null;
  for (let i = 0; i < n; i++) router.forget(first + i);
  const self = process.cpuUsage(self0);
  return { samples, lost: n - samples.length, seconds, cpuS: pid ? cpuSeconds(pid) - cpu0 : NaN, benchCpuS: (self.user + self.system) / 1e6 };
}

async function run(ctx: SectionContext): Promise<LatencyResult> {
  const { log, sizes, fixture } = ctx;
  const router = fixture.router;
  const pidOf = { plugin: fixture.plugin.pid, node: fixture.proc('node').pid ?? 0, python: fixture.proc('python').pid ?? 0 };
  const impls = IMPLS.map(({ key }) => ({ key, topic: benchTopic(key), pid: pidOf[key] }));
  const results: LatencyResult = {};
  for (const im of impls) {
    log(`latency: warm-up of ${im.key} (${sizes.warmup} events at 200/s)`);
    await latencyChunk(router, ctx.dump, im.topic, BASE[im.key] + PHASE_OFFSET(0), 200, sizes.warmup, im.pid);
    await sleep(300);
  }
  for (const [k, { rate, chunk, rounds }] of sizes.rates.entries()) {
    const acc = Object.fromEntries(impls.map((im) => [im.key, { samples: [] as number[], lost: 0, n: 0, seconds: 0, cpuS: 0, benchCpuS: 0, loads: [] as number[] }]));
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < impls.length; j++) {
        const im = impls[(j + r) % impls.length]; // rotate the order every round
        const first = BASE[im.key] + PHASE_OFFSET(k + 1) + r * chunk;
        const c = await latencyChunk(router, ctx.dump, im.topic, first, rate, chunk, im.pid);
        const a = acc[im.key];
        a.samples.push(...c.samples);
        a.lost += c.lost;
        a.n += chunk;
        a.seconds += c.seconds;
        a.cpuS += c.cpuS;
        a.benchCpuS += c.benchCpuS;
        a.loads.push(os.loadavg()[0]);
        await sleep(rate >= 100 ? 300 : 0);
      }
    }
    for (const im of impls) {
      const a = acc[im.key];
      const s = summarize(a.samples);
      const row: LatencyRow = { rate, achieved: a.n / a.seconds, lost: a.lost, cpuUs: (a.cpuS * 1e6) / a.n, benchCpuUs: (a.benchCpuS * 1e6) / a.n, load: Math.max(...a.loads), ...s };
      (results[im.key] = results[im.key] || []).push(row);
      log(
        `latency: ${im.key} ${rate}/s × ${a.n}: p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms, max ${fmtMs(s.max)} ms, ` +
          `CPU ${row.cpuUs.toFixed(0)} µs/event (bench process ${row.benchCpuUs.toFixed(0)})${a.lost ? `, ${a.lost} LOST` : ''}, load ≤ ${row.load.toFixed(1)}`,
      );
    }
  }
  return results;
}

function table(L: LatencyResult): Table | null {
  const impls = IMPLS.filter(({ key }) => L[key]);
  if (impls.length === 0) return null;
  const head = ['events/s', 'implementation', 'events', 'achieved/s', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'CPU µs/event', 'load ≤'];
  const rows: Table['rows'] = [];
  const verdicts: Verdict[] = [];
  const rates = L[impls[0].key].map((r) => r.rate);
  rates.forEach((rate, i) => {
    for (const { key, label } of impls) {
      const r = L[key][i];
      rows.push([rate, label, r.n, r.achieved.toFixed(rate < 10 ? 2 : 0), fmtMs(r.p50), fmtMs(r.p99), fmtMs(r.max), r.lost, rate < 1000 ? '–' : fmtInt(r.cpuUs), r.load.toFixed(1)]);
    }
    if (L.plugin && L.node) {
      const p = L.plugin[i];
      const n = L.node[i];
      const ratio = p.p99 / n.p99;
      // For reference: the targets are section 1's (behind Mosquitto, against the bare client of the same run).
      verdicts.push(`(reference) ${rate}/s: plugin p99 ${fmtMs(p.p99)} ms, Node baseline p99 ${fmtMs(n.p99)} ms (${ratio.toFixed(2)}×)${p.lost ? `; ${p.lost} lost` : ''}`);
    }
    if (L.plugin && L.python) {
      const p = L.plugin[i];
      const y = L.python[i];
      verdicts.push(`(reference) ${rate}/s: plugin p99 ${fmtMs(p.p99)} ms, Python replica p99 ${fmtMs(y.p99)} ms (${(p.p99 / y.p99).toFixed(2)}×)`);
    }
  });
  return { head, rows, verdicts };
}

export const latency = section<LatencyResult>({
  name: 'latency',
  title: '1b. Event → route latency, in-process aedes broker (second table)',
  stage: 'bench-flow',
  needs: ['plugin', 'node', 'python'],
  byDefault: true,
  run,
  table,
  vars: (_L, doc) => ({
    latencyEvents: doc.sizes.rates.map((r) => `${fmtInt(r.chunk * r.rounds)} at ${r.rate}/s (${r.rounds} × ${r.chunk})`).join(', '),
  }),
});
