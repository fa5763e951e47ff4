/**
 * Section 3: idle cost. CPU time (utime+stime from /proc) and RSS of four processes in the same
 * window: Node-RED with the sample flow deployed and connected, Node-RED alone with the same flow
 * minus its jet-* nodes, and both baselines connected. Run while the plugin's Node-RED still has the
 * sample flow (before the bench flow replaces it).
 */
import { performance } from 'perf_hooks';
import { cpuSeconds, fmtMiB, rssBytes, sleep } from '../lib/util';
import { section, target, type SectionContext, type Table, type Verdict } from './section';

export interface IdleRow {
  key: string;
  label: string;
  pid: number;
  cpuSeconds: number;
  cpuPercent: number;
  rss: number;
  /** CPU ms of each slice of the window. */
  slices: number[];
}

export interface IdleResult {
  seconds: number;
  sliceSeconds: number;
  rows: IdleRow[];
}

async function run(ctx: SectionContext): Promise<IdleResult> {
  const { log, sizes, fixture } = ctx;
  const plugin = fixture.plugin;
  const core = fixture.core;
  const procs = [
    { key: 'plugin', label: 'Node-RED + plugin, sample flow deployed and connected', pid: plugin.pid },
    { key: 'core', label: 'Node-RED alone, sample flow without the jet-* nodes', pid: core.pid },
    { key: 'node', label: 'baseline (a): mqtt.js + npm thrift, connected', pid: fixture.proc('node').pid ?? 0 },
    { key: 'python', label: 'baseline (b): Python replica (paho loop_forever), connected', pid: fixture.proc('python').pid ?? 0 },
  ];
  const slice = sizes.idleSliceSeconds;
  // Settle: startup work done, then one full GC in both Node-RED processes and time for V8's
  // memory reducer, which follows a full GC with a few more within ~15 s (a one-off of about
  // 0.2 s CPU that would otherwise land in the window at a random time after startup).
  log(`idle: settling (${5 + sizes.idleSettleSeconds} s)`);
  await sleep(5000);
  await Promise.all([plugin.probe(true), core.probe(true)]);
  await sleep(sizes.idleSettleSeconds * 1000);
  const cpu0 = procs.map((p) => cpuSeconds(p.pid));
  const t0 = performance.now();
  const slices: number[][] = procs.map(() => []);
  log(`idle: measuring ${sizes.idleSeconds} s`);
  let last = cpu0.slice();
  for (let left = sizes.idleSeconds; left > 0; left -= slice) {
    await sleep(Math.min(left, slice) * 1000);
    const now = procs.map((p) => cpuSeconds(p.pid));
    now.forEach((c, i) => slices[i].push(Math.round((c - last[i]) * 1000)));
    last = now;
  }
  const wall = (performance.now() - t0) / 1000;
  const result: IdleResult = {
    seconds: wall,
    sliceSeconds: slice,
    rows: procs.map((p, i) => {
      const cpu = last[i] - cpu0[i];
      return { ...p, cpuSeconds: cpu, cpuPercent: (cpu / wall) * 100, rss: rssBytes(p.pid), slices: slices[i] };
    }),
  };
  for (const r of result.rows) log(`idle: ${r.key}: ${r.cpuPercent.toFixed(3)} % CPU, RSS ${fmtMiB(r.rss)} MiB`);
  return result;
}

function table(I: IdleResult): Table {
  const head = ['process', 'CPU s', 'CPU %', 'RSS MiB', `CPU ms per ${I.sliceSeconds} s`];
  const rows = I.rows.map((r) => [r.label, r.cpuSeconds.toFixed(2), r.cpuPercent.toFixed(3), fmtMiB(r.rss), r.slices.join(' ')]);
  const verdicts: Verdict[] = [];
  const p = I.rows.find((r) => r.key === 'plugin');
  if (p) verdicts.push(target('idle CPU', p.cpuPercent < 0.5, `Node-RED with the sample flow: ${p.cpuPercent.toFixed(3)} % CPU < 0.5 % over ${I.seconds.toFixed(0)} s`));
  return { head, rows, verdicts };
}

export const idle = section<IdleResult>({
  name: 'idle',
  title: '3. Idle cost',
  stage: 'sample-flow',
  needs: ['plugin', 'core', 'node', 'python'],
  byDefault: true,
  run,
  table,
  vars: (_I, doc) => ({
    idleSeconds: String(doc.sizes.idleSeconds),
    idleSettleSeconds: String(doc.sizes.idleSettleSeconds),
  }),
});
