/**
 * The simulated fleet of the fleet section (sections/fleet.ts) in its own process: a JetFleet
 * (sim/fleet.ts) of N routers × M watched interfaces on free ports, gRPC only, no periodic sampling.
 * It drives the routers' traffic itself (each interface's rate through its router's RMON engine,
 * which samples at once and publishes the crossing on that router's broker) and times, in the same
 * process and clock (performance.now()), each event's publish to the last RIB change of its
 * interface's backup prefixes (tools/fleet-flow.ts: 10.<router>.<interface>.<n>/32, so a prefix's
 * third octet names its interface; the router is the RIB that changed).
 *
 *   node dist/bench/fleet-proc.js <routers> <interfaces> <prefixes>
 *     → IPC {ready, routers: [{index, hostname, grpcPort, mqttPort}]}
 *   every question {id, cmd, ...} is answered with {id, ...}:
 *     {cmd: 'await-up', routers, timeoutMs} → once each of `routers` saw a Login, a RouteInitialize and a
 *        subscription to the RMON topic after the question: {ms, ok, up}
 *     {cmd: 'events', routers, rate, n, lateMs} → n events at `rate`/s by absolute schedule, event e on
 *        router routers[e % R], interface (e / R) % M, each a crossing the other way from the interface's
 *        last; {samples (ms), lost, seconds, late: [[publish on the hrtime clock (ms), ms]] of the events
 *        later than lateMs}
 *     {cmd: 'pauses-take'} → {pauses}: this process's GC pauses and event-loop stalls since the last take
 *        (diagnostic, only with JET_BENCH_GC_TRACE or JET_BENCH_STALL_TRACE=<ms>; else none)
 *     {cmd: 'level', routers, high, timeoutMs} → every interface of `routers` high (or low); once every
 *        RIB holds M × P routes (or none): {ms, ok, ribs}
 *     {cmd: 'restart', routers, timeoutMs} → those routers restarted at once; once each RIB holds the
 *        routes it held before again: {ms, ok, perRouterMs, loginCalls, logins, ribs}
 *     {cmd: 'stop'} → stops the fleet and exits
 */
import { performance } from 'perf_hooks';
import { JetFleet } from '../sim/fleet';
import { HIGH_RATE, watchedIfIndexes } from '../sim/fleet-plan';
import { RMON_TOPIC, type RibChange } from '../sim';
import { sleep } from './lib/util';
import { perfToHr, tracePauses } from './lib/pause-trace';

interface Question {
  id: number;
  cmd: string;
  routers?: number[];
  rate?: number;
  n?: number;
  lateMs?: number;
  high?: boolean;
  timeoutMs?: number;
}

/** An event waiting for its routes. */
interface Pending {
  t0: number;
  op: 'add' | 'delete';
  left: number;
}

/** add and modify put a route in place, delete and purge take it out. */
const putsIn = (op: RibChange['op']): boolean => op === 'add' || op === 'modify';

async function main(argv: string[]): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('fleet-proc runs with an IPC channel (forked by the bench)');
  const [N, M, P] = argv.slice(0, 3).map(Number);
  if (!(N >= 1 && M >= 1 && P >= 1)) throw new Error('usage: node dist/bench/fleet-proc.js <routers> <interfaces> <prefixes>');
  const fleet = await JetFleet.start({ routers: N, interfaces: M, bases: { grpc: 0, thrift: false, mqtt: 0 }, router: { sampling: false } });
  const ifIndexes = watchedIfIndexes(M);
  /** Router k, interface slot i → whether its rate is high now. */
  const high: boolean[][] = fleet.routers.map(() => ifIndexes.map(() => false));
  /** Router k, interface slot i → its events waiting for their routes, oldest first. */
  const pending: Pending[][][] = fleet.routers.map(() => ifIndexes.map(() => []));
  let onSample: ((ms: number, t0: number) => void) | null = null;
  const stallMs = Number(process.env.JET_BENCH_STALL_TRACE) || 0;
  const pauses = process.env.JET_BENCH_GC_TRACE || stallMs ? tracePauses(stallMs) : null;
  let progress = 0;
  /** Per router, what was last seen of its sessions: set by 'await-up'. */
  const upSince: Array<{ init: boolean; sub: boolean }> = fleet.routers.map(() => ({ init: false, sub: false }));
  fleet.routers.forEach((r, k) => {
    r.rib.on('change', (c: RibChange) => {
      const slot = Number(c.entry.prefix.split('.')[2]);
      const q = pending[k][slot];
      const head = q?.[0];
      if (!head || (head.op === 'add') !== putsIn(c.op)) return;
      progress++;
      if (--head.left > 0) return;
      q.shift();
      onSample?.(performance.now() - head.t0, head.t0);
    });
    r.grpc.on('call', (call) => {
      if (call.method === 'RouteInitialize') upSince[k].init = true;
    });
    r.broker.on('subscribe', (topics) => {
      if (topics.includes(RMON_TOPIC)) upSince[k].sub = true;
    });
  });
  const list = (q: Question): number[] => q.routers ?? fleet.routers.map((_r, k) => k);

  const setLevel = async (k: number, slot: number, up: boolean, timed: boolean): Promise<void> => {
    high[k][slot] = up;
    if (timed) pending[k][slot].push({ t0: performance.now(), op: up ? 'add' : 'delete', left: P });
    await fleet.router(k).rmon.setRate(ifIndexes[slot], up ? HIGH_RATE : 0, true);
  };

  /** Waits until `done()`, giving up `timeoutMs` after the question; resolves with whether it happened. */
  const until = async (done: () => boolean, timeoutMs: number): Promise<boolean> => {
    const t0 = performance.now();
    while (!done()) {
      if (performance.now() - t0 > timeoutMs) return false;
      await sleep(5);
    }
    return true;
  };

  const answers: Record<string, (q: Question) => Promise<Record<string, unknown>>> = {
    'await-up': async (q) => {
      const ks = list(q);
      for (const k of ks) upSince[k] = { init: false, sub: false };
      const t0 = performance.now();
      const ok = await until(() => ks.every((k) => upSince[k].init && upSince[k].sub), q.timeoutMs ?? 60000);
      return { ms: performance.now() - t0, ok, up: ks.filter((k) => upSince[k].init && upSince[k].sub).length };
    },
    events: async (q) => {
      const ks = list(q);
      const n = q.n ?? 0;
      const interval = 1000 / (q.rate ?? 1);
      const samples: number[] = [];
      const late: Array<[number, number]> = [];
      const lateMs = q.lateMs ?? Infinity;
      onSample = (ms, at) => {
        samples.push(ms);
        if (ms > lateMs) late.push([perfToHr(at), ms]);
      };
      const t0 = performance.now();
      for (let e = 0; e < n; e++) {
        const wait = t0 + e * interval - performance.now();
        if (wait > 1) await sleep(wait);
        const k = ks[e % ks.length];
        const slot = Math.floor(e / ks.length) % M;
        void setLevel(k, slot, !high[k][slot], true);
      }
      const seconds = (performance.now() - t0) / 1000;
      // Drain: until every event's routes came, giving up 5 s after the last progress.
      let last = -1;
      let still = performance.now();
      while (samples.length < n) {
        if (progress !== last) {
          last = progress;
          still = performance.now();
        } else if (performance.now() - still > 5000) break;
        await sleep(10);
      }
      onSample = null;
      let lost = 0;
      for (const k of ks) for (const q2 of pending[k]) lost += q2.splice(0).length;
      return { samples, lost, seconds, late };
    },
    'pauses-take': async () => ({ pauses: pauses ? pauses.take() : [] }),
    level: async (q) => {
      const ks = list(q);
      const up = q.high === true;
      const t0 = performance.now();
      await Promise.all(ks.flatMap((k) => ifIndexes.map((_x, slot) => (high[k][slot] === up ? undefined : setLevel(k, slot, up, false)))));
      const want = up ? M * P : 0;
      const ok = await until(() => ks.every((k) => fleet.router(k).rib.size === want), q.timeoutMs ?? 60000);
      return { ms: performance.now() - t0, ok, ribs: ks.map((k) => fleet.router(k).rib.size) };
    },
    restart: async (q) => {
      const ks = list(q);
      const want = ks.map((k) => fleet.router(k).rib.entries().map((e) => e.prefix).sort().join(' '));
      const calls0 = ks.map((k) => fleet.router(k).grpc.counters.calls.Login ?? 0);
      const logins0 = ks.map((k) => fleet.router(k).grpc.counters.logins);
      const perRouterMs: number[] = ks.map(() => NaN);
      const t0 = performance.now();
      await Promise.all(ks.map((k) => fleet.restart(k)));
      const back = (j: number): boolean => {
        if (!Number.isNaN(perRouterMs[j])) return true;
        const rib = fleet.router(ks[j]).rib;
        if (rib.size !== want[j].split(' ').filter(Boolean).length || rib.entries().map((e) => e.prefix).sort().join(' ') !== want[j]) return false;
        perRouterMs[j] = performance.now() - t0;
        return true;
      };
      const ok = await until(() => ks.map((_k, j) => back(j)).every(Boolean), q.timeoutMs ?? 60000);
      const ms = performance.now() - t0;
      // Logins that come after every route is back count too: a little longer for late ones.
      await sleep(2000);
      return {
        ms,
        ok,
        perRouterMs,
        loginCalls: ks.map((k, j) => (fleet.router(k).grpc.counters.calls.Login ?? 0) - calls0[j]),
        logins: ks.map((k, j) => fleet.router(k).grpc.counters.logins - logins0[j]),
        ribs: ks.map((k) => fleet.router(k).rib.size),
        routes: want.reduce((t, w) => t + w.split(' ').filter(Boolean).length, 0),
      };
    },
  };

  process.on('message', (q: Question) => {
    if (!q || typeof q.cmd !== 'string') return;
    if (q.cmd === 'stop') {
      void fleet.stop().then(() => process.exit(0));
      return;
    }
    const answer = answers[q.cmd];
    if (!answer) {
      send({ id: q.id, error: `unknown question ${q.cmd}` });
      return;
    }
    answer(q).then(
      (a) => send({ id: q.id, ...a }),
      (err: Error) => send({ id: q.id, error: err.message }),
    );
  });
  send({ ready: true, routers: fleet.endpoints() });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err.stack || err.message);
    process.exit(1);
  });
}
