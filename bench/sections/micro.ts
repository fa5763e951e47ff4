/**
 * Section 5 (only when asked: --only micro): the route path without Node-RED, each part against a
 * simulator in its own process (lib/micro.ts): N routes validated, added in one call and deleted
 * (gRPC and Thrift); N one-route calls of the plugin next to a bare grpc-js client; lone calls,
 * each awaited, of the plugin next to the bare client (gRPC; Thrift has no bare client here).
 */
import { fmtInt, fmtMs, median } from '../lib/util';
import { calls, loneCalls, routePath, startSimProcess, type CallsRound, type LoneRound, type RoutePathRound, type SimProcess } from '../lib/micro';
import { section, type SectionContext, type Table } from './section';

export interface MicroResult {
  routes: number;
  calls: number;
  loneCalls: number;
  routePath: { grpc: RoutePathRound[]; thrift: RoutePathRound[] };
  oneRouteCalls: CallsRound[];
  lone: { grpc: LoneRound[]; thrift: LoneRound[] };
}

async function withSim<T>(ctx: SectionContext, fn: (sim: SimProcess) => Promise<T>): Promise<T> {
  const sim = await startSimProcess(ctx.children);
  try {
    return await fn(sim);
  } finally {
    await sim.stop();
  }
}

async function run(ctx: SectionContext): Promise<MicroResult> {
  const { log, sizes } = ctx;
  const n = sizes.microRoutes;
  const result: MicroResult = { routes: n, calls: sizes.microCalls, loneCalls: sizes.microLoneCalls, routePath: { grpc: [], thrift: [] }, oneRouteCalls: [], lone: { grpc: [], thrift: [] } };
  const mark = (r: { disturbed: boolean; load: number }): string => `${r.disturbed ? ' DISTURBED' : ''}, load ${r.load.toFixed(1)}`;
  for (const api of ['grpc', 'thrift'] as const) {
    result.routePath[api] = await withSim(ctx, (sim) =>
      routePath(sim, api, n, sizes.microRounds, (r) =>
        log(`micro: ${api} route path round ${r.round}: validate ${r.validateMs.toFixed(0)} ms, add ${r.addMs.toFixed(0)} ms (${r.added} added), delete ${r.deleteMs.toFixed(0)} ms${mark(r)}`),
      ),
    );
  }
  result.oneRouteCalls = await withSim(ctx, (sim) =>
    calls(sim, sizes.microCalls, (r) => log(`micro: ${r.who} one-route calls round ${r.round}: ${fmtInt((sizes.microCalls / r.ms) * 1000)}/s, client CPU ${r.cpuMs.toFixed(0)} ms${r.ok === null ? '' : `, ok ${r.ok}`}${mark(r)}`)),
  );
  for (const api of ['grpc', 'thrift'] as const) {
    result.lone[api] = await withSim(ctx, (sim) =>
      loneCalls(sim, api, sizes.microLoneCalls, sizes.microLoneRounds, (r) => log(`micro: ${api} ${r.who} lone call round ${r.round}: ${r.cpuUs.toFixed(0)} µs/call, p50 ${r.p50Ms.toFixed(3)} ms${mark(r)}`)),
    );
  }
  return result;
}

/** Each round's value (* disturbed), the median of the counted ones, the highest load. */
function series<T extends { disturbed: boolean; load: number }>(xs: readonly T[], value: (x: T) => number, fmt: (v: number) => string): { each: string; median: number; load: string } {
  return {
    each: xs.map((x) => `${fmt(value(x))}${x.disturbed ? '*' : ''}`).join(' '),
    median: median(xs.map(value)),
    load: xs.length ? Math.max(...xs.map((x) => x.load)).toFixed(1) : '',
  };
}

function table(M: MicroResult): Table {
  const head = ['API', 'what', 'implementation', 'figure', 'median', 'per round (* disturbed)', 'load ≤'];
  const rows: Table['rows'] = [];
  const verdicts: string[] = [];
  const N = fmtInt(M.routes);
  const ms = (v: number): string => fmtInt(v);
  for (const [api, name] of [['grpc', 'gRPC'], ['thrift', 'Thrift']] as const) {
    const all = M.routePath[api];
    // The first round warms up (not counted), unless it is the only one.
    const xs = all.length > 1 ? all.filter((r) => r.round > 0) : all;
    if (!xs.length) continue;
    const what = `${N} routes in one call`;
    const impl = 'plugin route path (JetRoutes, no Node-RED)';
    for (const [figure, v] of [
      ['validate ms', (r: RoutePathRound) => r.validateMs],
      ['add ms', (r: RoutePathRound) => r.addMs],
      ['delete ms', (r: RoutePathRound) => r.deleteMs],
    ] as const) {
      const s = series(xs, v, ms);
      rows.push([name, what, impl, figure, ms(s.median), s.each, s.load]);
    }
    const add = series(xs, (r) => (M.routes / r.addMs) * 1000, fmtInt);
    rows.push([name, what, impl, 'added routes/s', fmtInt(add.median), add.each, add.load]);
  }
  const C = fmtInt(M.calls);
  const callRows: Array<['bare' | 'plugin', string, string]> = [
    ['bare', `${C} one-route calls, 8 in flight`, 'bare @grpc/grpc-js client'],
    ['plugin', `${C} one-route calls, all at once`, 'plugin route path (JetRoutes.add of one spec each)'],
  ];
  const callRps: Record<string, number> = {};
  for (const [who, what, impl] of callRows) {
    const xs = M.oneRouteCalls.filter((r) => r.who === who);
    if (!xs.length) continue;
    const rps = series(xs, (r) => (M.calls / r.ms) * 1000, fmtInt);
    const cpu = series(xs, (r) => r.cpuMs, ms);
    callRps[who] = rps.median;
    rows.push(['gRPC', what, impl, 'calls/s', fmtInt(rps.median), rps.each, rps.load]);
    rows.push(['gRPC', what, impl, 'client CPU ms', ms(cpu.median), cpu.each, cpu.load]);
  }
  if (callRps.bare && callRps.plugin) {
    verdicts.push(`(reference) gRPC ${C} one-route calls: the plugin's route path ${fmtInt(callRps.plugin)}/s = ${(callRps.plugin / callRps.bare).toFixed(2)} × the bare grpc-js client (${fmtInt(callRps.bare)}/s, 8 in flight)`);
  }
  const L = fmtInt(M.loneCalls);
  for (const [api, name] of [['grpc', 'gRPC'], ['thrift', 'Thrift']] as const) {
    const cpuBy: Record<string, number> = {};
    for (const [who, impl] of [['bare', 'bare @grpc/grpc-js client'], ['plugin', 'plugin route path (JetRoutes.add of one spec)']] as const) {
      const xs = M.lone[api].filter((r) => r.who === who);
      if (!xs.length) continue;
      const what = `${L} lone calls (each awaited, 1 ms apart)`;
      const cpu = series(xs, (r) => r.cpuUs, fmtInt);
      const p50 = series(xs, (r) => r.p50Ms, fmtMs);
      cpuBy[who] = cpu.median;
      rows.push([name, what, impl, 'client CPU µs/call', fmtInt(cpu.median), cpu.each, cpu.load]);
      rows.push([name, what, impl, 'p50 ms', fmtMs(p50.median), p50.each, p50.load]);
    }
    if (cpuBy.bare && cpuBy.plugin) {
      verdicts.push(`(reference) ${name} lone calls: the plugin's route path ${fmtInt(cpuBy.plugin)} µs of CPU per call = ${(cpuBy.plugin / cpuBy.bare).toFixed(2)} × the bare grpc-js client (${fmtInt(cpuBy.bare)} µs)`);
    }
  }
  return { head, rows, verdicts };
}

export const micro = section<MicroResult>({
  name: 'micro',
  title: '5. Route path without Node-RED (micro)',
  stage: 'own',
  needs: [],
  byDefault: false,
  run,
  table,
  vars: (_M, doc) => ({
    microRoutes: fmtInt(doc.sizes.microRoutes),
    microRounds: String(doc.sizes.microRounds),
    microCalls: fmtInt(doc.sizes.microCalls),
    microLoneCalls: fmtInt(doc.sizes.microLoneCalls),
    microLoneRounds: String(doc.sizes.microLoneRounds),
  }),
});
