/**
 * Section 7 (fleet, only with --only fleet): how many routers one Node-RED serves. The simulated
 * fleet (fleet-proc.ts: N + 1 routers × M interfaces in one process, gRPC) and two Node-REDs with the
 * plugin: "fleet" runs the generated flow (tools/fleet-flow.ts) for routers 0 .. N-1, "one router"
 * the same flow for router N alone, the reference for latency and memory. In order:
 *  - deploy: the fleet flow deployed (full) onto the fleet Node-RED, which ran the one-router flow of
 *    router 0; time until every router saw its Login, RouteInitialize and RMON subscription;
 *  - memory growth per router: heap and RSS after a full GC with N routers minus with one, / (N - 1);
 *  - idle CPU of the fleet Node-RED, after settling;
 *  - events: `rate`/s spread over the fleet (event e on router e % N, each a crossing that adds or
 *    deletes its interface's P backup routes) next to the same rate on the one router, repeats
 *    alternating, each marked disturbed by the outside-load rule; latency = the crossing published
 *    (fleet-proc) → the last of its P routes changed in the router's RIB (same process and clock);
 *  - restart: every interface of the fleet high (N × M × P routes desired and installed), then all N
 *    routers restarted at once (JET servers and brokers: their routes purged): time until every
 *    route is back, and logins per router;
 *  - memory per desired route: B routes added through one router node of the one-router Node-RED
 *    (the throughput section's generator chain, in messages of 20,000, the route nodes' most), heap
 *    after a full GC before and after.
 */
import * as os from 'os';
import { cpuSeconds, fmtInt, fmtMiB, fmtMs, sleep, summarize, type Summary } from '../lib/util';
import { NodeRed } from '../lib/nodered';
import { stopChild } from '../lib/children';
import { splitCredentials } from '../lib/flows';
import { isDisturbed, watchOutside } from '../lib/outside';
import { EMPTY_FLOW, FleetProc, fleetNodes, routeChain, ROUTES_URL } from '../lib/fleet-rig';
import { LATE_MS } from './broker-repeat';
import { attribute, type Pause, type PauseAttribution } from '../lib/pause-trace';
import { MAX_PREFIXES } from '../../lib/core/route-spec';
import { section, target, type SectionContext, type Table, type Verdict } from './section';

interface Memory {
  heapUsed: number;
  rss: number;
}

interface EventsRepeat {
  who: 'fleet' | 'one';
  repeat: number;
  n: number;
  lost: number;
  late: number;
  p50: number;
  p99: number;
  cpuS: number;
  /** CPU seconds of the simulated fleet's process (publishing the events, serving the route calls). */
  simCpuS: number;
  outsideMs: number;
  wallMs: number;
  disturbed: boolean;
  load: number;
  /** False: disturbed, run again (not counted). */
  kept: boolean;
  /** Diagnostic (JET_BENCH_GC_TRACE / JET_BENCH_STALL_TRACE): what paused during its late events. */
  pauses?: PauseAttribution;
}

export interface EventsRow extends Summary {
  who: 'fleet' | 'one';
  events: number;
  late: number;
  lost: number;
  /** Node-RED's CPU per event (µs). */
  cpuUs: number;
  /** The simulated fleet's CPU per event (µs). */
  simCpuUs: number;
  /** Repeats counted: each undisturbed, or still disturbed after 3 reruns (`disturbed` of them). */
  repeats: number;
  disturbed: number;
  /** Disturbed repeats run again (not counted). */
  again: number;
}

export interface FleetResult {
  routers: number;
  interfaces: number;
  prefixes: number;
  deploy: { ms: number; ok: boolean; up: number };
  memory: { empty: Memory; one: Memory; fleet: Memory };
  idle: { seconds: number; cpuPercent: number; slices: number[] };
  events: { rate: number; rows: EventsRow[]; repeats: EventsRepeat[] };
  restart: { ms: number; ok: boolean; routes: number; perRouterMs: number[]; loginCalls: number[]; logins: number[] };
  big: { routes: number; added: number; deleted: number; addMs: number; before: Memory; after: Memory; cleared: Memory };
  load: { start: number; end: number };
}

async function memory(red: NodeRed): Promise<Memory> {
  await sleep(2000);
  const m = await red.probe(true);
  return { heapUsed: m.mem.heapUsed, rss: m.mem.rss };
}

async function run(ctx: SectionContext): Promise<FleetResult> {
  const { log, sizes, options } = ctx;
  const N = sizes.fleetRouters;
  const M = sizes.fleetInterfaces;
  const P = sizes.fleetPrefixes;
  const loadStart = os.loadavg()[0];
  let fp: FleetProc | null = null;
  const reds: NodeRed[] = [];
  const startRed = async (name: string, nodes: Parameters<typeof splitCredentials>[0]): Promise<NodeRed> => {
    const red = new NodeRed({ name, nodeFlags: options.redFlags, profileDir: options.profileDir, children: ctx.children });
    reds.push(red);
    const { nodes: plain, creds } = splitCredentials(nodes);
    await red.start(plain, creds);
    return red;
  };
  try {
    log(`fleet: ${N} routers × ${M} interfaces × ${P} prefixes, and one more router for the reference`);
    const f = (fp = await FleetProc.start(ctx.children, N + 1, M, P));
    const fleetIdx = Array.from({ length: N }, (_, k) => k);
    const red = await startRed('plugin-fleet', EMPTY_FLOW);
    const empty = await memory(red);

    // Router 0 alone first (loads the plugin's code, opens its first sessions), then the whole fleet.
    const one0 = f.ask<{ ok: boolean }>('await-up', { routers: [0], timeoutMs: 60000 });
    await red.deploy(fleetNodes(f, [0], M, P));
    if (!(await one0).ok) throw new Error('fleet: router 0 did not come up');
    const one = await memory(red);
    const up = f.ask<{ ms: number; ok: boolean; up: number }>('await-up', { routers: fleetIdx, timeoutMs: 120000 });
    await red.deploy(fleetNodes(f, fleetIdx, M, P));
    const deploy = await up;
    log(`fleet: deployed ${N} routers: all sessions up in ${fmtInt(deploy.ms)} ms (${deploy.up} of ${N})`);
    if (!deploy.ok) throw new Error(`fleet: only ${deploy.up} of ${N} routers came up`);
    const full = await memory(red);
    log(`fleet: heap ${fmtMiB(one.heapUsed)} → ${fmtMiB(full.heapUsed)} MiB, RSS ${fmtMiB(one.rss)} → ${fmtMiB(full.rss)} MiB (1 → ${N} routers)`);

    // Idle: settle after a full GC, then the window.
    await sleep(sizes.fleetSettleSeconds * 1000);
    const slices: number[] = [];
    const slice = Math.min(10, sizes.fleetIdleSeconds);
    const c0 = cpuSeconds(red.pid);
    let last = c0;
    const t0 = Date.now();
    for (let left = sizes.fleetIdleSeconds; left > 0; left -= slice) {
      await sleep(Math.min(left, slice) * 1000);
      const c = cpuSeconds(red.pid);
      slices.push(Math.round((c - last) * 1000));
      last = c;
    }
    const idleSeconds = (Date.now() - t0) / 1000;
    const idle = { seconds: idleSeconds, cpuPercent: ((last - c0) / idleSeconds) * 100, slices };
    log(`fleet: idle ${idle.cpuPercent.toFixed(3)} % of a core over ${idleSeconds.toFixed(0)} s`);

    // Events: the fleet next to one router, repeats alternating.
    const single = await startRed('plugin-fleet-one', fleetNodes(f, [N], M, P));
    await f.ask('await-up', { routers: [N], timeoutMs: 60000 });
    const who = { fleet: { red, routers: fleetIdx }, one: { red: single, routers: [N] } } as const;
    const pids = (): number[] => [process.pid, f.pid, red.pid, single.pid];
    // Diagnostic: each late event set against the pauses of the processes it went through.
    const traced = Boolean(process.env.JET_BENCH_GC_TRACE || process.env.JET_BENCH_STALL_TRACE);
    const takePauses = async (): Promise<Record<string, Pause[]>> => ({
      'fleet Node-RED': (await red.ask<{ gcs: Pause[] }>('gc-take')).gcs,
      'one-router Node-RED': (await single.ask<{ gcs: Pause[] }>('gc-take')).gcs,
      'simulated fleet': (await f.ask<{ pauses: Pause[] }>('pauses-take')).pauses,
    });
    const chunk = async (w: 'fleet' | 'one', n: number, repeat: number): Promise<Omit<EventsRepeat, 'kept'> & { samples: number[] }> => {
      if (traced) await takePauses();
      const outside = watchOutside(pids);
      const c = cpuSeconds(who[w].red.pid);
      const sc = cpuSeconds(f.pid);
      const w0 = Date.now();
      const a = await f.ask<{ samples: number[]; lost: number; late: Array<[number, number]> }>('events', { routers: who[w].routers, rate: sizes.fleetRate, n, lateMs: LATE_MS });
      const wallMs = Date.now() - w0;
      const { outsideMs } = outside();
      const s = summarize(a.samples);
      const pauses = traced ? attribute(a.late, await takePauses()) : undefined;
      return { who: w, repeat, n, lost: a.lost, late: a.samples.filter((x) => x > LATE_MS).length, p50: s.p50, p99: s.p99, cpuS: cpuSeconds(who[w].red.pid) - c, simCpuS: cpuSeconds(f.pid) - sc, outsideMs, wallMs, disturbed: isDisturbed(outsideMs, wallMs), load: os.loadavg()[0], samples: a.samples, ...(pauses ? { pauses } : {}) };
    };
    log(`fleet: events warm-up`);
    for (const w of ['fleet', 'one'] as const) await chunk(w, Math.min(sizes.fleetChunk, 2 * N * M), 0);
    const repeats: Array<EventsRepeat & { samples: number[] }> = [];
    // Diagnostic: JET_BENCH_FLEET_ALLOC=<file>: what the fleet's Node-RED allocates that outlives a
    // scavenge (V8's sampling heap profiler through the probe) over the repeats, written to <file>.
    const allocFile = process.env.JET_BENCH_FLEET_ALLOC;
    if (allocFile) await red.ask('alloc-start', { interval: 4096, survivors: true }, 120000);
    for (let r = 0; r < sizes.fleetRepeats; r++) {
      const order: ReadonlyArray<'fleet' | 'one'> = r % 2 === 0 ? ['fleet', 'one'] : ['one', 'fleet'];
      for (const w of order) {
        // Run again (at most 3 times) while disturbed; the last attempt counts, flagged when still disturbed.
        for (let attempt = 0; attempt < 4; attempt++) {
          await sleep(500);
          const x = { ...(await chunk(w, sizes.fleetChunk, r + 1)), kept: true };
          log(`fleet: events ${sizes.fleetRate}/s, ${w === 'fleet' ? `${N} routers` : 'one router'}, repeat ${r + 1}${attempt ? ` (again, ${attempt})` : ''}: p50 ${fmtMs(x.p50)} p99 ${fmtMs(x.p99)} ms, > ${LATE_MS} ms: ${x.late}, lost ${x.lost}, outside CPU ${fmtInt(x.outsideMs)} ms over ${fmtInt(x.wallMs)} ms${x.disturbed ? ' DISTURBED' : ''}, load ${x.load.toFixed(1)}${x.pauses ? `; late events with, inside: ${describePauses(x.pauses)}` : ''}`);
          x.kept = !x.disturbed || attempt === 3;
          repeats.push(x);
          if (x.kept) break;
        }
      }
    }
    if (allocFile) await red.ask('alloc-stop', { file: allocFile }, 120000);
    const rows: EventsRow[] = (['fleet', 'one'] as const).map((w) => {
      const xs = repeats.filter((x) => x.who === w);
      const used = xs.filter((x) => x.kept);
      const all = used.flatMap((x) => x.samples);
      return {
        who: w, ...summarize(all), events: used.reduce((t, x) => t + x.n, 0), late: all.filter((x) => x > LATE_MS).length, lost: used.reduce((t, x) => t + x.lost, 0),
        cpuUs: (used.reduce((t, x) => t + x.cpuS, 0) * 1e6) / Math.max(1, all.length),
        simCpuUs: (used.reduce((t, x) => t + x.simCpuS, 0) * 1e6) / Math.max(1, all.length), repeats: used.length,
        disturbed: used.filter((x) => x.disturbed).length, again: xs.length - used.length,
      };
    });
    await f.ask('level', { routers: [...fleetIdx, N], high: false, timeoutMs: 60000 });

    // Restart: every route desired and installed, then every router of the fleet at once.
    const raised = await f.ask<{ ok: boolean; ms: number }>('level', { routers: fleetIdx, high: true, timeoutMs: 120000 });
    if (!raised.ok) throw new Error('fleet: the routes of every interface did not all come');
    log(`fleet: ${fmtInt(N * M * P)} routes installed in ${fmtInt(raised.ms)} ms; restarting all ${N} routers at once`);
    const restart = await f.ask<FleetResult['restart']>('restart', { routers: fleetIdx, timeoutMs: 120000 }, 240000);
    log(`fleet: restart: ${restart.ok ? 'every route back' : 'NOT every route back'} in ${fmtInt(restart.ms)} ms; Login calls per router ≤ ${Math.max(...restart.loginCalls)}`);
    await f.ask('level', { routers: fleetIdx, high: false, timeoutMs: 120000 });
    await red.stop();

    // Memory per desired route: B routes through the one router node of the one-router Node-RED.
    const B = sizes.fleetBigRoutes;
    await single.deploy([...fleetNodes(f, [N], M, P), ...routeChain()]);
    await f.ask('await-up', { routers: [N], timeoutMs: 60000 });
    /** `op` of B host routes, in messages of at most MAX_PREFIXES (the route nodes' limit); how many got `status`. */
    const routes = async (op: 'add' | 'delete', status: string): Promise<number> => {
      let ok = 0;
      for (let start = 0; start < B; start += MAX_PREFIXES) {
        const res = await single.post(ROUTES_URL, { op, mode: 'one', n: Math.min(MAX_PREFIXES, B - start), start, octet: 20 }, 180000);
        if (res.status !== 200) throw new Error(`fleet: POST ${ROUTES_URL}: ${res.status} ${res.text}`);
        ok += Number((res.json as { statuses?: Record<string, number> })?.statuses?.[status] ?? 0);
      }
      return ok;
    };
    const before = await memory(single);
    const tAdd = Date.now();
    const added = await routes('add', 'added');
    const addMs = Date.now() - tAdd;
    const after = await memory(single);
    const deleted = await routes('delete', 'deleted');
    const cleared = await memory(single);
    log(`fleet: ${fmtInt(added)} of ${fmtInt(B)} routes desired on one router: heap ${fmtMiB(before.heapUsed)} → ${fmtMiB(after.heapUsed)} MiB (${fmtInt((after.heapUsed - before.heapUsed) / Math.max(1, added))} bytes per route), ${fmtInt(deleted)} deleted → ${fmtMiB(cleared.heapUsed)} MiB`);
    return {
      routers: N, interfaces: M, prefixes: P,
      deploy, memory: { empty, one, fleet: full }, idle,
      events: { rate: sizes.fleetRate, rows, repeats: repeats.map(({ samples: _s, ...x }) => x) },
      restart, big: { routes: B, added, deleted, addMs, before, after, cleared },
      load: { start: loadStart, end: os.loadavg()[0] },
    };
  } finally {
    for (const r of reds) await r.stop().catch(() => undefined);
    if (fp) {
      fp.proc.send({ cmd: 'stop' });
      await stopChild(fp.proc, 'SIGTERM', 10000);
    }
    for (const r of reds) r.remove();
  }
}

const MiB = 1048576;
const signed = (v: string): string => (v.startsWith('-') ? v : `+${v}`);

function table(F: FleetResult): Table {
  const N = F.routers;
  const perRouter = (k: keyof Memory): number => (F.memory.fleet[k] - F.memory.one[k]) / Math.max(1, N - 1);
  const fleet = F.events.rows.find((r) => r.who === 'fleet');
  const one = F.events.rows.find((r) => r.who === 'one');
  const logins = Math.max(...F.restart.loginCalls);
  const perRoute = (F.big.after.heapUsed - F.big.before.heapUsed) / Math.max(1, F.big.added);
  const sorted = [...F.restart.perRouterMs].sort((a, b) => a - b);
  const head = ['what', 'measured', 'target', 'reference'];
  const rows: Table['rows'] = [
    ['deploy: all sessions up', `${fmtInt(F.deploy.ms)} ms (${F.deploy.up} of ${N} routers)`, '≤ 10 s', ''],
    ['idle CPU', `${F.idle.cpuPercent.toFixed(3)} % of a core over ${F.idle.seconds.toFixed(0)} s (ms per slice: ${F.idle.slices.join(' ')})`, '< 1 %', ''],
    ['memory growth per router (after a full GC)', `RSS ${fmtMiB(perRouter('rss'))} MiB, heap ${fmtMiB(perRouter('heapUsed'))} MiB`, '≤ 2 MiB', `1 router: RSS ${fmtMiB(F.memory.one.rss)}, heap ${fmtMiB(F.memory.one.heapUsed)} MiB; ${N}: RSS ${fmtMiB(F.memory.fleet.rss)}, heap ${fmtMiB(F.memory.fleet.heapUsed)} MiB; no flow: RSS ${fmtMiB(F.memory.empty.rss)} MiB`],
  ];
  for (const r of [fleet, one]) {
    if (!r) continue;
    rows.push([
      `${F.events.rate} events/s, ${r.who === 'fleet' ? `spread over ${N} routers` : 'one router'}`,
      `p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms, max ${fmtMs(r.max)} ms, > ${LATE_MS} ms: ${r.late} of ${fmtInt(r.events)}, lost ${r.lost}; Node-RED ${fmtInt(r.cpuUs)} µs CPU/event (the simulated routers ${fmtInt(r.simCpuUs ?? NaN)}); ` +
        `${r.repeats} repeat(s)${r.disturbed ? ` (${r.disturbed} still disturbed after 3 reruns)` : ''}; disturbed and run again: ${r.again}`,
      r.who === 'fleet' ? 'p50 ≤ 1.5 × one router\'s; late ≤ max(1 in 1,000, 2 × one router\'s)' : '',
      r.who === 'one' ? 'the reference' : '',
    ]);
  }
  rows.push(
    [`all ${N} routers restarted at once`, `${fmtInt(F.restart.routes)} routes back in ${fmtInt(F.restart.ms)} ms${F.restart.ok ? '' : ' (NOT all)'}; per router ${fmtInt(sorted[0])}–${fmtInt(sorted[sorted.length - 1])} ms; Login calls per router ≤ ${logins} (${F.restart.loginCalls.reduce((a, b) => a + b, 0)} in all)`, '≤ 30 s, ≤ 2 logins per router', ''],
    [`memory per desired route, ${fmtInt(F.big.routes)} routes on one router`, `${fmtInt(perRoute)} bytes (heap after a full GC); RSS ${signed(fmtMiB(F.big.after.rss - F.big.before.rss))} MiB`, '≤ 1 KiB', `${fmtInt(F.big.added)} added in ${fmtInt(F.big.addMs)} ms, ${fmtInt(F.big.deleted)} deleted: heap ${fmtMiB(F.big.before.heapUsed)} → ${fmtMiB(F.big.after.heapUsed)} → ${fmtMiB(F.big.cleared.heapUsed)} MiB`],
  );
  const verdicts: Verdict[] = [
    target('deploy', F.deploy.ok && F.deploy.ms <= 10000, `${N} routers × ${F.interfaces} interfaces deployed, every session up in ${fmtInt(F.deploy.ms)} ms ≤ 10 s`),
    target('idle CPU', F.idle.cpuPercent < 1, `idle: ${F.idle.cpuPercent.toFixed(3)} % of a core < 1 %`),
    target('memory per router', perRouter('rss') <= 2 * MiB, `memory growth per router: RSS ${fmtMiB(perRouter('rss'))} MiB ≤ 2 MiB (heap ${fmtMiB(perRouter('heapUsed'))} MiB)`),
  ];
  if (fleet && one) {
    const lateBound = Math.max(fleet.events / 1000, 2 * one.late);
    verdicts.push(target('p50', fleet.p50 <= 1.5 * one.p50, `${F.events.rate} events/s over ${N} routers: p50 ${fmtMs(fleet.p50)} ms ≤ 1.5 × one router's ${fmtMs(one.p50)} ms (${(fleet.p50 / one.p50).toFixed(2)}×); p99 ${fmtMs(fleet.p99)} ms (one router: ${fmtMs(one.p99)} ms)`));
    verdicts.push(target('late', fleet.late <= lateBound && fleet.lost === 0, `${F.events.rate} events/s over ${N} routers: ${fleet.late} late (> ${LATE_MS} ms) of ${fmtInt(fleet.events)} ≤ ${lateBound.toFixed(1)} (one router: ${one.late}), lost ${fleet.lost}`));
  }
  verdicts.push(target('restart all', F.restart.ok && F.restart.ms <= 30000 && logins <= 2, `all ${N} routers restarted at once: ${fmtInt(F.restart.routes)} desired routes back in ${fmtInt(F.restart.ms)} ms ≤ 30 s, at most ${logins} Login call(s) per router ≤ 2`));
  verdicts.push(target('memory per route', F.big.added === F.big.routes && perRoute <= 1024, `${fmtInt(F.big.routes)} desired routes on one router: ${fmtInt(perRoute)} bytes per route ≤ 1 KiB (${fmtInt(F.big.added)} added, ${fmtInt(F.big.deleted)} deleted)`));
  for (const w of ['fleet', 'one'] as const) {
    const traced = F.events.repeats.filter((x) => x.who === w && x.kept && x.pauses).map((x) => x.pauses!);
    if (traced.length === 0) continue;
    const sum: PauseAttribution = { late: 0, byProcess: {}, none: 0 };
    for (const a of traced) {
      sum.late += a.late;
      sum.none += a.none;
      for (const [name, c] of Object.entries(a.byProcess)) {
        const t = (sum.byProcess[name] ??= { gc: 0, stall: 0, kinds: {}, longestMs: 0 });
        t.gc += c.gc;
        t.stall += c.stall;
        for (const [k, v] of Object.entries(c.kinds)) t.kinds[k] = (t.kinds[k] ?? 0) + v;
        t.longestMs = Math.max(t.longestMs, c.longestMs);
      }
    }
    verdicts.push(`(diagnostic) ${w === 'fleet' ? `${N} routers` : 'one router'}: of ${sum.late} late events, with a pause of at least 2 ms inside: ${describePauses(sum)}`);
  }
  verdicts.push(`(reference) 1-minute load average ${F.load.start.toFixed(1)} at the start of the section, ${F.load.end.toFixed(1)} at its end; the machine is shared`);
  return { head, rows, verdicts };
}

/** "fleet Node-RED: GC 3, stall 1; ...; none 2": what paused during late events. */
function describePauses(a: PauseAttribution): string {
  const kinds = (k: Record<string, number>): string => Object.entries(k).map(([n, v]) => `${n} ${v}`).join(', ');
  const parts = Object.entries(a.byProcess).map(([name, c]) => `${name}: GC ${c.gc}${c.gc ? ` (${kinds(c.kinds)})` : ''}, stall ${c.stall}${c.gc + c.stall ? `, longest ${c.longestMs.toFixed(1)} ms` : ''}`);
  return `${parts.join('; ')}; none of these ${a.none}`;
}

export const fleet = section<FleetResult>({
  name: 'fleet',
  title: '7. Fleet: many routers in one Node-RED',
  stage: 'own',
  needs: [],
  byDefault: false,
  run,
  table,
  vars: (_F, doc) => ({
    fleetRouters: String(doc.sizes.fleetRouters ?? 50),
    fleetInterfaces: String(doc.sizes.fleetInterfaces ?? 10),
    fleetPrefixes: String(doc.sizes.fleetPrefixes ?? 10),
    fleetRate: String(doc.sizes.fleetRate ?? 500),
    fleetBigRoutes: fmtInt(doc.sizes.fleetBigRoutes ?? 100000),
  }),
});
