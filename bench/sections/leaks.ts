/**
 * Section 4: leaks. Memory after a full GC and active handles (through the probe preloaded in
 * Node-RED) before and after many events through the plugin, before and after many prefixes and
 * jet-threshold keys at once (peak, deleted, reset), and before and after full redeploys of the
 * sample flow, with the same redeploys of Node-RED alone for reference.
 */
import { performance } from 'perf_hooks';
import { benchTopic, coreOnly, FlowNode } from '../lib/flows';
import { cycledEvent, Direction, RMON_TOPIC } from '../lib/events';
import { cpuSeconds, fmtInt, fmtMiB, rssBytes, sleep } from '../lib/util';
import type { NodeRed } from '../lib/nodered';
import type { LocalRouter } from '../lib/local-router';
import type { Sizes } from '../lib/sizes';
import { section, target, type SectionContext, type Table, type Verdict } from './section';

/** ifIndex range of the leak events (prefix 10.x.y.z/32 = ifIndex). */
const LEAK_BASE = 5 << 20;

export interface Reading {
  heapUsed: number;
  rss: number;
  vmRss: number;
  handles: number;
  resources: Record<string, number>;
}

interface Burst {
  count: number;
  done: number;
  seconds: number;
  cpuS: number;
}

export interface LeakResult {
  events?: Burst & { before: Reading; after: Reading };
  keys?: { keys: number; done: number; count: number; seconds: number; before: Reading; peak: Reading; deleted: Reading; reset: Reading };
  redeploys?: Redeploys;
  coreRedeploys?: Redeploys;
}

interface Redeploys {
  count: number;
  seconds: number;
  before: Reading;
  after: Reading;
}

async function reading(nr: NodeRed): Promise<Reading> {
  const m = await nr.probe(true);
  return { heapUsed: m.mem.heapUsed, rss: m.mem.rss, vmRss: rssBytes(nr.pid), handles: m.handles, resources: m.resources };
}

/**
 * Publishes `count` events through the plugin, at most sizes.leakWindow in flight: event j is about
 * interface first + j % K, rising in even rounds of K, falling in odd ones, so that every event is
 * a transition (a RouteAdd or a RouteDelete) and an even number of rounds ends with every route deleted.
 */
async function leakBurst(ctx: SectionContext, count: number, label: string, K: number, first = LEAK_BASE, direction: Direction | null = null): Promise<Burst> {
  const router: LocalRouter = ctx.fixture.router;
  const plugin = ctx.fixture.plugin;
  const window = ctx.sizes.leakWindow;
  const topic = benchTopic('plugin');
  let published = 0;
  let done = 0;
  let last = performance.now();
  const t0 = performance.now();
  const cpu0 = cpuSeconds(plugin.pid);
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (published < count && published - done < window) {
        const e = cycledEvent(published++, K, first);
        router.publishEvent(topic, e.ifIndex, direction || e.direction);
      }
    };
    const stall = setInterval(() => {
      if (performance.now() - last > 10000) {
        clearInterval(stall);
        ctx.log(`leaks: ${label}: stalled at ${done} of ${count}`);
        resolve();
      }
    }, 1000);
    router.onArrival = () => {
      done++;
      last = performance.now();
      if (done >= count) {
        clearInterval(stall);
        resolve();
      } else setImmediate(pump);
    };
    pump();
  });
  router.onArrival = null;
  router.forget();
  return { count, done, seconds: (performance.now() - t0) / 1000, cpuS: cpuSeconds(plugin.pid) - cpu0 };
}

async function leakEvents(ctx: SectionContext): Promise<LeakResult['events']> {
  const { log, sizes } = ctx;
  const plugin = ctx.fixture.plugin;
  const K = sizes.leakInterfaces;
  await plugin.post('/bench/reset', {});
  log(`leaks: events: warm-up (${20 * K} events)`);
  await leakBurst(ctx, 20 * K, 'warm-up', K);
  await sleep(1000);
  const before = await reading(plugin);
  log(`leaks: events: ${fmtInt(sizes.leakEvents)} events over ${K} interfaces, at most ${sizes.leakWindow} in flight`);
  const run = await leakBurst(ctx, sizes.leakEvents, 'events', K);
  await sleep(2000);
  const after = await reading(plugin);
  log(`leaks: events: ${run.done}/${run.count} in ${run.seconds.toFixed(1)} s; heap ${fmtMiB(before.heapUsed)} → ${fmtMiB(after.heapUsed)} MiB, handles ${before.handles} → ${after.handles}`);
  return { ...run, before, after };
}

/**
 * State that grows with the number of prefixes and keys: sizes.leakKeys interfaces, each its own
 * prefix and its own jet-threshold key, more keys than the threshold's maxKeys (default 10,000).
 * A rising round adds them all as routes (the router node's desired set holds them all: that is its
 * job), a falling round deletes them all; then the threshold is reset. Heap after a full GC before,
 * at the peak, after the deletes and after the reset.
 */
async function leakKeys(ctx: SectionContext): Promise<LeakResult['keys']> {
  const { log } = ctx;
  const plugin = ctx.fixture.plugin;
  const K = ctx.sizes.leakKeys;
  const first = LEAK_BASE + 1000000;
  await plugin.post('/bench/reset', {});
  await sleep(500);
  const before = await reading(plugin);
  log(`leaks: keys: ${fmtInt(K)} prefixes and threshold keys, rising`);
  const up = await leakBurst(ctx, K, 'keys rising', K, first, 'rising');
  await sleep(1000);
  const peak = await reading(plugin);
  log(`leaks: keys: ${fmtInt(K)} falling`);
  const down = await leakBurst(ctx, K, 'keys falling', K, first, 'falling');
  await sleep(1000);
  const deleted = await reading(plugin);
  await plugin.post('/bench/reset', {});
  await sleep(1000);
  const reset = await reading(plugin);
  log(`leaks: keys: heap ${fmtMiB(before.heapUsed)} → peak ${fmtMiB(peak.heapUsed)} → deleted ${fmtMiB(deleted.heapUsed)} → reset ${fmtMiB(reset.heapUsed)} MiB`);
  return { keys: K, done: up.done + down.done, count: 2 * K, seconds: up.seconds + down.seconds, before, peak, deleted, reset };
}

async function redeploys(ctx: SectionContext, nr: NodeRed, flow: FlowNode[], count: number, waitTopic: string | null): Promise<Redeploys> {
  const once = async (): Promise<void> => {
    const connected = waitTopic ? ctx.fixture.router.routerConnected(waitTopic) : null;
    await nr.deploy(flow);
    if (connected) await connected;
  };
  for (let i = 0; i < 3; i++) await once(); // warm-up
  await sleep(1000);
  const before = await reading(nr);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await once();
  const seconds = (performance.now() - t0) / 1000;
  await sleep(2000);
  const after = await reading(nr);
  return { count, seconds, before, after };
}

async function run(ctx: SectionContext): Promise<LeakResult> {
  const { log, sizes, fixture } = ctx;
  const result: LeakResult = {};
  result.events = await leakEvents(ctx);
  result.keys = await leakKeys(ctx);
  log(`leaks: ${sizes.redeploys} full redeploys of the sample flow`);
  await fixture.deploySampleFlow();
  const x = await redeploys(ctx, fixture.plugin, fixture.sampleFlow, sizes.redeploys, RMON_TOPIC);
  result.redeploys = x;
  log(`leaks: redeploys: ${x.seconds.toFixed(1)} s; heap ${fmtMiB(x.before.heapUsed)} → ${fmtMiB(x.after.heapUsed)} MiB, handles ${x.before.handles} → ${x.after.handles}`);
  log(`leaks: ${sizes.redeploys} full redeploys on Node-RED alone`);
  result.coreRedeploys = await redeploys(ctx, fixture.core, coreOnly(fixture.sampleFlow), sizes.redeploys, null);
  return result;
}

function table(Lk: LeakResult): Table | null {
  if (!Lk.events && !Lk.keys && !Lk.redeploys && !Lk.coreRedeploys) return null;
  const head = ['what', 'heap used MiB (after GC)', 'RSS MiB', 'active handles', 'active resources by type'];
  const rows: Table['rows'] = [];
  const verdicts: Verdict[] = [];
  const res = (r: Record<string, number>): string =>
    Object.entries(r)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const add = (label: string, x: { before: Reading; after: Reading }): void => {
    rows.push([`${label}: before`, fmtMiB(x.before.heapUsed), fmtMiB(x.before.vmRss), x.before.handles, res(x.before.resources)]);
    rows.push([`${label}: after`, fmtMiB(x.after.heapUsed), fmtMiB(x.after.vmRss), x.after.handles, res(x.after.resources)]);
  };
  const sign = (v: number, d: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;
  const delta = (x: { before: Reading; after: Reading }): { ok: boolean; text: string } => {
    const dHeap = (x.after.heapUsed - x.before.heapUsed) / 1048576;
    const dHandles = x.after.handles - x.before.handles;
    const dRss = (x.after.vmRss - x.before.vmRss) / 1048576;
    // "flat": the heap after a full GC within 2 MiB of where it was, no handle more.
    return { ok: dHeap <= 2 && dHandles <= 0, text: `heap ${sign(dHeap, 2)} MiB, RSS ${sign(dRss, 1)} MiB, handles ${sign(dHandles, 0)}` };
  };
  if (Lk.events) {
    const e = Lk.events;
    add(`plugin, ${fmtInt(e.count)} events`, e);
    const d = delta(e);
    verdicts.push(target('events', d.ok && e.done === e.count, `${fmtInt(e.done)} of ${fmtInt(e.count)} events handled (${fmtInt(e.done / e.seconds)}/s, Node-RED CPU ${fmtInt((e.cpuS * 1e6) / e.count)} µs/event): ${d.text}`));
  }
  if (Lk.keys) {
    const k = Lk.keys;
    const mib = (x: Reading): number => x.heapUsed / 1048576;
    rows.push([`plugin, ${fmtInt(k.keys)} prefixes and keys: before`, fmtMiB(k.before.heapUsed), fmtMiB(k.before.vmRss), k.before.handles, res(k.before.resources)]);
    rows.push([`plugin, ${fmtInt(k.keys)} routes added (peak)`, fmtMiB(k.peak.heapUsed), fmtMiB(k.peak.vmRss), k.peak.handles, res(k.peak.resources)]);
    rows.push([`plugin, all ${fmtInt(k.keys)} deleted`, fmtMiB(k.deleted.heapUsed), fmtMiB(k.deleted.vmRss), k.deleted.handles, res(k.deleted.resources)]);
    rows.push([`plugin, then jet-threshold reset`, fmtMiB(k.reset.heapUsed), fmtMiB(k.reset.vmRss), k.reset.handles, res(k.reset.resources)]);
    const perRoute = ((mib(k.peak) - mib(k.before)) * 1048576) / k.keys;
    const left = mib(k.deleted) - mib(k.before);
    const afterReset = mib(k.reset) - mib(k.before);
    verdicts.push(
      target(
        'keys',
        k.done === k.count && afterReset <= 2 && k.reset.handles <= k.before.handles,
        `${fmtInt(k.keys)} prefixes, each its own jet-threshold key (maxKeys 10,000): ${fmtInt(perRoute)} bytes per route at the peak (the desired set holds every added route: replayed after a reconnect); after their deletes heap ${sign(left, 2)} MiB (jet-threshold keeps at most maxKeys keys), after a threshold reset ${sign(afterReset, 2)} MiB; ${fmtInt(k.done)} of ${fmtInt(k.count)} events handled`,
      ),
    );
  }
  if (Lk.redeploys) {
    const x = Lk.redeploys;
    add(`plugin, ${x.count} full redeploys`, x);
    const d = delta(x);
    verdicts.push(target('redeploys', d.ok, `${x.count} full redeploys of the sample flow (${(x.seconds / x.count).toFixed(2)} s each, until the new router node logged in and subscribed): ${d.text}`));
  }
  if (Lk.coreRedeploys) {
    const x = Lk.coreRedeploys;
    add(`Node-RED alone, ${x.count} full redeploys`, x);
    verdicts.push(`(reference) Node-RED alone, ${x.count} full redeploys of the sample flow without its jet-* nodes: ${delta(x).text}`);
  }
  return { head, rows, verdicts };
}

export const leaks = section<LeakResult>({
  name: 'leaks',
  title: '4. Leaks',
  stage: 'bench-flow',
  needs: ['plugin', 'core'],
  byDefault: true,
  run,
  table,
  vars: (_L, doc: { sizes: Sizes }) => ({
    leakEvents: fmtInt(doc.sizes.leakEvents),
    leakInterfaces: String(doc.sizes.leakInterfaces),
    leakWindow: String(doc.sizes.leakWindow),
    leakKeys: fmtInt(doc.sizes.leakKeys),
    redeploys: String(doc.sizes.redeploys),
  }),
});
