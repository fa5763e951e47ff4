/**
 * Section 2: route programming throughput. In Node-RED, a generator function sends N host routes
 * to a jet-route-add node as one message or as N messages, a collector answers the HTTP request
 * after the last result (lib/flows.ts, benchFlow); the same chain on a Thrift router node and on a
 * gRPC one. Next to it, in the same rounds: the mqtt.js + npm thrift baseline awaiting each RouteAdd
 * and pipelining them, the bare grpc-js client in requests of 1,000 (all at once and one at a
 * time), and the harness alone. Every kind once per round, rounds in rotating order; each repeat
 * marked disturbed by the outside-load rule (lib/outside.ts).
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import { cpuSeconds, fmtInt, median, sleep } from '../lib/util';
import { ask } from '../lib/children';
import { isDisturbed, watchOutside } from '../lib/outside';
import type { GrpcThroughputAnswer, ThriftThroughputAnswer } from '../lib/ipc';
import { section, target, type SectionContext, type Table, type Verdict } from './section';

/** One run of one kind. */
interface Run {
  elapsedMs: number;
  deleteMs?: number;
  cpuMs: number;
  calls: number;
  rib: number;
  ok: number;
  statuses: Record<string, number>;
  deleteStatuses?: Record<string, number>;
  wallMs: number;
  outsideMs: number;
  stealMs: number;
  disturbed: boolean;
  load: number;
}

/** One kind over its repeats: medians, min–max, and each repeat's routes/s (disturbed marked). */
export interface ThroughputRow {
  routes: number;
  runs: number;
  elapsedMs: number;
  minMs: number;
  maxMs: number;
  cpuMs: number;
  calls: number;
  rib: number;
  ok: number;
  load: number;
  perRepeat: Array<{ rps: number; disturbed: boolean; outsideMs: number }>;
  disturbed: number;
}

/** Kind (plugin-one, node-seq, grpc-bare-pipe-delete, ...) → its row. */
export type ThroughputResult = Record<string, ThroughputRow>;

async function run(ctx: SectionContext): Promise<ThroughputResult> {
  const { log, sizes, fixture } = ctx;
  const N = sizes.routes;
  const W = sizes.throughputWarmup;
  const router = fixture.router;
  const sim = router.sim;
  const plugin = fixture.plugin;
  const nb = fixture.proc('node');
  const gb = fixture.proc('grpc');
  const ours = [process.pid, plugin.pid, nb.pid ?? 0, gb.pid ?? 0];
  /** Runs fn() and adds the outside CPU (machine busy minus the bench's processes) over it. */
  const watched = async (fn: () => Promise<Omit<Run, 'wallMs' | 'outsideMs' | 'stealMs' | 'disturbed' | 'load'>>): Promise<Run> => {
    const outside = watchOutside(() => ours);
    const t0 = performance.now();
    const x = await fn();
    const wallMs = performance.now() - t0;
    const { outsideMs, stealMs } = outside();
    return { ...x, wallMs, outsideMs, stealMs, disturbed: isDisturbed(outsideMs, wallMs), load: os.loadavg()[0] };
  };
  const counters = (api: string): { calls: Record<string, number> } => (api === 'grpc' ? sim.grpc.counters : sim.thrift.counters);
  /** One generator run in Node-RED (see lib/flows.ts) on the Thrift or the gRPC router node; Node-RED's CPU over it from /proc. */
  const viaFlow = (op: 'add' | 'delete' | 'none', mode: 'one' | 'many', n: number, octet: number, api = 'thrift'): Promise<Run> =>
    watched(async () => {
      const counter = op === 'delete' ? 'RouteDelete' : 'RouteAdd';
      const before = counters(api).calls[counter] || 0;
      const rib0 = router.ribChanges;
      const cpu0 = cpuSeconds(plugin.pid);
      const res = await plugin.post(api === 'grpc' ? '/bench/routes-grpc' : '/bench/routes', { op, mode, n, start: 0, octet }, 180000);
      const cpuMs = (cpuSeconds(plugin.pid) - cpu0) * 1000;
      const answer = res.json as { elapsedMs: number; statuses?: Record<string, number> } | undefined;
      if (res.status !== 200 || !answer) throw new Error(`POST /bench/routes: ${res.status} ${res.text}`);
      const calls = (counters(api).calls[counter] || 0) - before;
      const st = answer.statuses || {};
      return { elapsedMs: answer.elapsedMs, cpuMs, calls, rib: router.ribChanges - rib0, ok: (op === 'add' ? st.added : op === 'delete' ? st.deleted : 0) || 0, statuses: st };
    });
  const viaBaseline = (mode: 'seq' | 'pipe', n: number, octet: number): Promise<Run> =>
    watched(async () => {
      const before = sim.thrift.counters.calls.RouteAdd || 0;
      const rib0 = router.ribChanges;
      const cpu0 = cpuSeconds(nb.pid ?? 0);
      const r = await ask<ThriftThroughputAnswer>(nb, { cmd: 'throughput', mode, n, start: 0, octet });
      const cpuMs = (cpuSeconds(nb.pid ?? 0) - cpu0) * 1000;
      return { elapsedMs: r.elapsedMs, cpuMs, calls: (sim.thrift.counters.calls.RouteAdd || 0) - before, rib: router.ribChanges - rib0, ok: r.statuses['0'] || 0, statuses: r.statuses };
    });
  /** The bare grpc-js client: RouteAdd of n routes in requests of 1,000, then RouteDelete of them (timed apart). */
  const viaGrpcBaseline = (mode: 'seq' | 'pipe', n: number, octet: number): Promise<Run> =>
    watched(async () => {
      const before = sim.grpc.counters.calls.RouteAdd || 0;
      const rib0 = router.ribChanges;
      const cpu0 = cpuSeconds(gb.pid ?? 0);
      const r = await ask<GrpcThroughputAnswer>(gb, { cmd: 'throughput', mode, n, start: 0, octet });
      if (r.error) throw new Error(`grpc baseline: ${r.error}`);
      const cpuMs = (cpuSeconds(gb.pid ?? 0) - cpu0) * 1000;
      return {
        elapsedMs: r.elapsedMs,
        deleteMs: r.deleteMs,
        cpuMs,
        calls: (sim.grpc.counters.calls.RouteAdd || 0) - before,
        rib: (router.ribChanges - rib0) / 2, // the adds (the deletes that follow change as many)
        ok: r.statuses.SUCCESS || 0,
        statuses: r.statuses,
        deleteStatuses: r.deleteStatuses,
      };
    });
  log('throughput: warm-up');
  for (const api of ['thrift', 'grpc']) {
    await viaFlow('add', 'one', W, 25, api);
    await viaFlow('delete', 'many', W, 25, api);
    await viaFlow('add', 'many', W, 25, api);
    await viaFlow('delete', 'one', W, 25, api);
  }
  await viaFlow('none', 'many', W, 0);
  await viaBaseline('pipe', W, 26);
  await viaBaseline('seq', W, 27);
  await viaGrpcBaseline('pipe', W, 28);
  await viaGrpcBaseline('seq', W, 29);
  // Each round: every kind once, in rotating order; the plugin's routes are deleted again after
  // each add run (that delete is measured too) so that its desired state does not grow.
  const kinds: Array<[string, (r: number) => Promise<Run>]> = [
    ['plugin-one', (r) => viaFlow('add', 'one', N, 40 + r)],
    ['grpc-one', (r) => viaFlow('add', 'one', N, 80 + r, 'grpc')],
    ['plugin-many', (r) => viaFlow('add', 'many', N, 50 + r)],
    ['grpc-many', (r) => viaFlow('add', 'many', N, 90 + r, 'grpc')],
    ['node-seq', (r) => viaBaseline('seq', N, 60 + r)],
    ['grpc-bare-pipe', (r) => viaGrpcBaseline('pipe', N, 100 + r)],
    ['node-pipe', (r) => viaBaseline('pipe', N, 70 + r)],
    ['grpc-bare-seq', (r) => viaGrpcBaseline('seq', N, 110 + r)],
    ['harness-many', () => viaFlow('none', 'many', N, 0)],
  ];
  const deleteAfter: Record<string, [string, (r: number) => Promise<Run>]> = {
    'plugin-one': ['plugin-delete-one', (r) => viaFlow('delete', 'one', N, 40 + r)],
    'plugin-many': ['plugin-delete-one', (r) => viaFlow('delete', 'one', N, 50 + r)],
    'grpc-one': ['grpc-delete-one', (r) => viaFlow('delete', 'one', N, 80 + r, 'grpc')],
    'grpc-many': ['grpc-delete-one', (r) => viaFlow('delete', 'one', N, 90 + r, 'grpc')],
  };
  const runs: Record<string, Run[]> = {};
  const push = (key: string, x: Run): number => (runs[key] = runs[key] || []).push(x);
  for (let r = 0; r < sizes.throughputRounds; r++) {
    for (let j = 0; j < kinds.length; j++) {
      const [key, fn] = kinds[(j + r) % kinds.length];
      await sleep(300);
      const x = await fn(r);
      push(key, x);
      log(
        `throughput: round ${r + 1}: ${key}: ${fmtInt(x.elapsedMs)} ms${key === 'harness-many' ? '' : ` = ${fmtInt((N / x.elapsedMs) * 1000)} routes/s`}, ` +
          `CPU ${fmtInt(x.cpuMs)} ms, ${JSON.stringify(x.statuses)}, calls ${x.calls}, RIB changes ${x.rib}, ` +
          `outside CPU ${fmtInt(x.outsideMs)} ms (steal ${fmtInt(x.stealMs)}) over ${fmtInt(x.wallMs)} ms${x.disturbed ? ' DISTURBED' : ''}, load ${x.load.toFixed(1)}`,
      );
      if (x.deleteMs !== undefined && x.deleteStatuses) {
        push(`${key}-delete`, { ...x, elapsedMs: x.deleteMs, cpuMs: NaN, calls: NaN, ok: x.deleteStatuses.SUCCESS || 0, statuses: x.deleteStatuses });
        log(`throughput: round ${r + 1}: ${key}-delete: ${fmtInt(x.deleteMs)} ms = ${fmtInt((N / x.deleteMs) * 1000)} routes/s, ${JSON.stringify(x.deleteStatuses)}`);
      }
      if (deleteAfter[key]) {
        await sleep(300);
        const [dkey, dfn] = deleteAfter[key];
        push(dkey, await dfn(r));
      }
    }
  }
  const results: ThroughputResult = {};
  for (const [key, xs] of Object.entries(runs)) {
    results[key] = {
      routes: N,
      runs: xs.length,
      elapsedMs: median(xs.map((x) => x.elapsedMs)),
      minMs: Math.min(...xs.map((x) => x.elapsedMs)),
      maxMs: Math.max(...xs.map((x) => x.elapsedMs)),
      cpuMs: median(xs.map((x) => x.cpuMs)),
      calls: median(xs.map((x) => x.calls)),
      rib: median(xs.map((x) => x.rib)),
      ok: Math.min(...xs.map((x) => x.ok)),
      load: Math.max(...xs.map((x) => x.load)),
      perRepeat: xs.map((x) => ({ rps: (N / x.elapsedMs) * 1000, disturbed: x.disturbed, outsideMs: x.outsideMs })),
      disturbed: xs.filter((x) => x.disturbed).length,
    };
  }
  return results;
}

function table(T: ThroughputResult): Table | null {
  const keys = Object.keys(T);
  if (keys.length === 0) return null;
  const head = [
    'API',
    'how',
    'routes/s (median)',
    'routes/s min–max',
    'routes/s per repeat (* disturbed)',
    'time ms (median)',
    'CPU ms of the process under test',
    'calls seen by the router',
    'routes changed in the RIB',
    'succeeded',
    'load ≤',
  ];
  const rows: Table['rows'] = [];
  const n = (v: number): string => fmtInt(v);
  const NN = n(T[keys[0]].routes);
  const label: Record<string, [string, string]> = {
    'plugin-one': ['Thrift', `jet-route-add, ${NN} prefixes in one msg`],
    'plugin-many': ['Thrift', `jet-route-add, ${NN} msgs of one prefix each`],
    'node-seq': ['Thrift', 'baseline client (npm thrift), RouteAdd one by one (await each)'],
    'node-pipe': ['Thrift', 'baseline client (npm thrift), RouteAdd pipelined (all at once)'],
    'plugin-delete-one': ['Thrift', `jet-route-delete, ${NN} prefixes in one msg (clean-up after each add run)`],
    'grpc-one': ['gRPC', `jet-route-add, ${NN} prefixes in one msg`],
    'grpc-many': ['gRPC', `jet-route-add, ${NN} msgs of one prefix each`],
    'grpc-bare-pipe': ['gRPC', 'bare @grpc/grpc-js client, RouteAdd in requests of 1,000, all at once'],
    'grpc-bare-seq': ['gRPC', 'bare @grpc/grpc-js client, RouteAdd in requests of 1,000, one at a time'],
    'grpc-delete-one': ['gRPC', `jet-route-delete, ${NN} prefixes in one msg (clean-up after each add run)`],
    'grpc-bare-pipe-delete': ['gRPC', 'bare @grpc/grpc-js client, RouteDelete in requests of 1,000, all at once'],
    'grpc-bare-seq-delete': ['gRPC', 'bare @grpc/grpc-js client, RouteDelete in requests of 1,000, one at a time'],
    'harness-many': ['', `(harness alone: generator → collector, ${NN} msgs, no route node)`],
  };
  const rps = (r: ThroughputRow, ms: number): number => (r.routes / ms) * 1000;
  for (const k of Object.keys(label)) {
    const r = T[k];
    if (!r) continue;
    const harness = k === 'harness-many';
    rows.push([
      label[k][0],
      label[k][1],
      harness ? '' : n(rps(r, r.elapsedMs)),
      harness || r.runs < 2 ? '' : `${n(rps(r, r.maxMs))}–${n(rps(r, r.minMs))}`,
      harness ? '' : r.perRepeat.map((p) => `${n(p.rps)}${p.disturbed ? '*' : ''}`).join(' '),
      n(r.elapsedMs),
      Number.isFinite(r.cpuMs) ? n(r.cpuMs) : '',
      harness ? '0' : Number.isFinite(r.calls) ? n(r.calls) : '',
      harness ? '0' : n(r.rib),
      harness ? '' : n(r.ok),
      r.load.toFixed(1),
    ]);
  }
  const verdicts: Verdict[] = [];
  for (const k of ['plugin-one', 'plugin-many', 'grpc-one', 'grpc-many']) {
    const r = T[k];
    if (!r) continue;
    const v = rps(r, r.elapsedMs);
    const dist = r.disturbed ? `; ${r.disturbed} of ${r.runs} repeats disturbed by outside load` : '';
    verdicts.push(target(k, v >= 10000 && r.ok === r.routes, `${label[k][0]} ${label[k][1]}: ${fmtInt(v)} routes/s ≥ 10,000 routes/s (median of ${r.runs}${dist})`));
  }
  for (const [k, b] of [
    ['grpc-one', 'grpc-bare-pipe'],
    ['grpc-many', 'grpc-bare-pipe'],
  ]) {
    if (!T[k] || !T[b]) continue;
    const p = rps(T[k], T[k].elapsedMs);
    const q = rps(T[b], T[b].elapsedMs);
    verdicts.push(`(reference) gRPC ${label[k][1]}: ${fmtInt(p)} routes/s = ${(p / q).toFixed(2)} × the bare grpc-js client (${fmtInt(q)} routes/s, requests of 1,000 all at once)`);
  }
  return { head, rows, verdicts };
}

export const throughput = section<ThroughputResult>({
  name: 'throughput',
  title: '2. Route programming throughput',
  stage: 'bench-flow',
  needs: ['plugin', 'node', 'grpc'],
  byDefault: true,
  run,
  table,
  vars: (_T, doc) => ({
    routes: fmtInt(doc.sizes.routes),
    throughputRounds: String(doc.sizes.throughputRounds),
  }),
});
