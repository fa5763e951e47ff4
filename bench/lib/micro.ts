/**
 * The route path without Node-RED (the micro section and its three command-line tools): the
 * plugin's backend + JetRoutes + route validation against the simulator in its own process, and next
 * to it a bare grpc-js client where there is one.
 *  - routePath: N routes validated, added in one call, deleted, per round (optionally alternating
 *    with the route path of another checkout, built, in this one process);
 *  - calls: N one-route calls, bare grpc-js with 8 in flight (the plugin's window) vs JetRoutes.add
 *    of one spec each, all issued at once (the shape of N Node-RED messages of one prefix);
 *  - lone: one awaited call at a time, 1 ms apart: CPU per call and p50 answer time.
 * Each round also records the outside load over it (lib/outside.ts); the CPU figures are read
 * inside that watch, so the watch costs them nothing.
 */
import * as os from 'os';
import * as path from 'path';
import { fork } from 'child_process';
import { performance } from 'perf_hooks';
import { createBackend } from '../../lib/router/backends';
import { JetRoutes } from '../../lib/core/route-client';
import { RouteState } from '../../lib/core/route-state';
import { buildRouteSpecs } from '../../lib/core/route-spec';
import type { JetApi, RouteBackend } from '../../lib/core/backend';
import { connect, entry } from './bare-grpc';
import { stopChild, waitReady, type ChildRegistry } from './children';
import { benchModule } from './paths';
import { isDisturbed, watchOutside } from './outside';
import { percentile, sleep } from './util';
import type { RouterReady } from './ipc';

/** The route path's modules, of this tree or of another checkout's build. */
export interface RoutePath {
  createBackend: typeof createBackend;
  JetRoutes: typeof JetRoutes;
  RouteState: typeof RouteState;
  buildRouteSpecs: typeof buildRouteSpecs;
}

export const THIS_TREE: RoutePath = { createBackend, JetRoutes, RouteState, buildRouteSpecs };

/** The route path of the checkout whose compiled output is `dist` (its module paths as this tree's). */
export function routePathAt(dist: string): RoutePath {
  const load = <T>(rel: string): T => require(path.join(dist, rel)) as T;
  return {
    createBackend: load<typeof import('../../lib/router/backends')>('lib/router/backends').createBackend,
    JetRoutes: load<typeof import('../../lib/core/route-client')>('lib/core/route-client').JetRoutes,
    RouteState: load<typeof import('../../lib/core/route-state')>('lib/core/route-state').RouteState,
    buildRouteSpecs: load<typeof import('../../lib/core/route-spec')>('lib/core/route-spec').buildRouteSpecs,
  };
}

/** The simulator in its own process (router-proc.ts --quiet, not profiled). */
export interface SimProcess {
  thriftPort: number;
  grpcPort: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startSimProcess(children?: ChildRegistry): Promise<SimProcess> {
  const proc = fork(benchModule('router-proc'), ['--quiet'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children?.add(proc);
  const ready = await waitReady<RouterReady>(proc, 'simulator');
  return { thriftPort: ready.thriftPort, grpcPort: ready.grpcPort, pid: proc.pid ?? 0, stop: () => stopChild(proc) };
}

const portOf = (sim: SimProcess, api: JetApi): number => (api === 'grpc' ? sim.grpcPort : sim.thriftPort);

/** The outside load over a round (see lib/outside.ts). */
export interface Watched {
  outsideMs: number;
  disturbed: boolean;
  load: number;
}

async function watched<T>(sim: SimProcess, fn: () => Promise<T>): Promise<T & Watched> {
  const outside = watchOutside(() => [process.pid, sim.pid]);
  const t0 = performance.now();
  const x = await fn();
  const wallMs = performance.now() - t0;
  const { outsideMs } = outside();
  return { ...x, outsideMs, disturbed: isDisturbed(outsideMs, wallMs), load: os.loadavg()[0] };
}

async function openRoutes(P: RoutePath, api: JetApi, port: number, clientId: string, queueLimit: number): Promise<{ session: RouteBackend; routes: JetRoutes }> {
  const session = P.createBackend(api, { host: '127.0.0.1', port, username: 'lab', password: 'lab123', clientId, requestTimeoutMs: 30000, queueLimit });
  const routes = new P.JetRoutes(session, new P.RouteState({ api, host: '127.0.0.1', port }));
  session.start();
  await new Promise((r) => session.once('ready', r));
  return { session, routes };
}

export interface RoutePathRound extends Watched {
  tree: string;
  round: number;
  validateMs: number;
  addMs: number;
  deleteMs: number;
  added: number;
}

/**
 * `rounds` rounds of: validate n prefixes, add them in one call, delete them; with `abDist`, the
 * same alternating (order rotating) with that checkout's route path. onRound sees each round.
 */
export async function routePath(sim: SimProcess, api: JetApi, n: number, rounds: number, onRound: (r: RoutePathRound, trees: number) => void, ab: { name: string; dist: string } | null = null): Promise<RoutePathRound[]> {
  const port = portOf(sim, api);
  const trees = [{ name: 'this tree', P: THIS_TREE, octet: 30 }];
  if (ab) trees.push({ name: ab.name, P: routePathAt(ab.dist), octet: 31 });
  const open = [];
  for (const [i, t] of trees.entries()) {
    const { session, routes } = await openRoutes(t.P, api, port, `micro-${i}`, 1000);
    const prefixes = Array.from({ length: n }, (_, k) => `${t.octet}.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}/32`);
    open.push({ ...t, session, routes, prefixes });
  }
  const out: RoutePathRound[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < open.length; j++) {
      const t = open[(j + round) % open.length];
      const r = await watched(sim, async () => {
        const t0 = performance.now();
        const specs = t.P.buildRouteSpecs({ prefixes: t.prefixes, nexthops: '10.1.1.2' }, true);
        const t1 = performance.now();
        const added = await t.routes.add(specs);
        const t2 = performance.now();
        await t.routes.delete(specs);
        const t3 = performance.now();
        return { tree: t.name, round, validateMs: t1 - t0, addMs: t2 - t1, deleteMs: t3 - t2, added: added.filter((a) => a.status === 'added').length };
      });
      out.push(r);
      onRound(r, open.length);
    }
  }
  for (const t of open) await t.session.close();
  return out;
}

export interface CallsRound extends Watched {
  who: 'bare' | 'plugin';
  round: number;
  ms: number;
  cpuMs: number;
  /** Routes added (plugin; the bare client does not look). */
  ok: number | null;
}

/** n one-route calls: bare grpc-js, 8 in flight, 2 rounds; then JetRoutes.add of one spec each, all at once, 3 rounds. */
export async function calls(sim: SimProcess, n: number, onRound: (r: CallsRound) => void): Promise<CallsRound[]> {
  const port = sim.grpcPort;
  const out: CallsRound[] = [];
  const { rib, unary: u } = await connect(port, 'bare');
  const e = (k: number): Record<string, unknown> => entry(`31.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`);
  for (let round = 0; round < 2; round++) {
    const r = await watched(sim, async () => {
      let next = 0;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < n) {
            const k = next++;
            await u(rib, 'RouteAdd', { routes: [e(k + round * n)] });
          }
        }),
      );
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { who: 'bare' as const, round, ms, cpuMs: (c.user + c.system) / 1000, ok: null };
    });
    out.push(r);
    onRound(r);
  }
  rib.close();
  const { session, routes } = await openRoutes(THIS_TREE, 'grpc', port, 'micro', 100000);
  for (let round = 0; round < 3; round++) {
    const specs = Array.from({ length: n }, (_, k) => buildRouteSpecs({ prefixes: `32.${round}.${(k >> 8) & 255}.${k & 255}/32`, nexthops: '10.1.1.2' }, true));
    const r = await watched(sim, async () => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const res = await Promise.all(specs.map((s) => routes.add(s)));
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { who: 'plugin' as const, round, ms, cpuMs: (c.user + c.system) / 1000, ok: res.filter((x) => x[0].status === 'added').length };
    });
    out.push(r);
    onRound(r);
  }
  await session.close();
  return out;
}

export interface LoneRound extends Watched {
  who: 'bare' | 'plugin';
  round: number;
  /** Client CPU per call, µs. */
  cpuUs: number;
  /** Median answer time, ms. */
  p50Ms: number;
}

/** Awaits call(k) for k < n, 1 ms apart; CPU per call (µs) and the p50 answer time (ms). */
async function lone(n: number, call: (k: number) => Promise<unknown>): Promise<{ cpuUs: number; p50Ms: number }> {
  const c0 = process.cpuUsage();
  const lat: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    await call(k);
    lat.push(performance.now() - t0);
    await sleep(1);
  }
  const c = process.cpuUsage(c0);
  lat.sort((a, b) => a - b);
  return { cpuUs: (c.user + c.system) / n, p50Ms: percentile(lat, 50) };
}

/** Lone calls of one route: bare grpc-js unary RouteAdd (gRPC only), then the plugin's JetRoutes.add of one spec; `rounds` rounds each. */
export async function loneCalls(sim: SimProcess, api: JetApi, n: number, rounds: number, onRound: (r: LoneRound) => void): Promise<LoneRound[]> {
  const port = portOf(sim, api);
  const out: LoneRound[] = [];
  if (api === 'grpc') {
    const { rib, unary } = await connect(port, 'bare');
    const addr = (k: number): string => `31.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
    for (let round = 0; round < rounds; round++) {
      const r = await watched(sim, async () => ({ who: 'bare' as const, round, ...(await lone(n, (k) => unary(rib, 'RouteAdd', { routes: [entry(addr(k + round * n))] }))) }));
      out.push(r);
      onRound(r);
    }
    rib.close();
  }
  const { session, routes } = await openRoutes(THIS_TREE, api, port, 'micro', 100000);
  for (let round = 0; round < rounds; round++) {
    const specs = Array.from({ length: n }, (_, k) => buildRouteSpecs({ prefixes: `32.${round}.${(k >> 8) & 255}.${k & 255}/32`, nexthops: '10.1.1.2' }, true));
    const r = await watched(sim, async () => ({ who: 'plugin' as const, round, ...(await lone(n, (k) => routes.add(specs[k]))) }));
    out.push(r);
    onRound(r);
  }
  await session.close();
  return out;
}
