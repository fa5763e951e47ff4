/**
 * Section 6 (burst, only with --only burst): many alarms on one sampling tick. RMON alarms sample on
 * a shared interval, so congestion fires many of them in the same second. The setup is section 1's:
 * Debian's Mosquitto with its default configuration, the router (router-proc.ts, every RIB change
 * timestamped) and a QoS-1 publisher (publisher-proc.ts) each in its own process. A burst is N rising
 * events for N interfaces of one router published back to back, then (once every route came) the N
 * falling ones; its time runs from the first publish to the last route call at the router (the last
 * RIB change of the burst), both read from CLOCK_MONOTONIC. Implementations, all up for the whole
 * section, each its own process on its own topic, bursts in rotating order: the plugin's chain in
 * Node-RED (section 1's flow) on a Thrift router node and on a gRPC one, the bare clients (mqtt.js +
 * npm thrift, mqtt.js + @grpc/grpc-js: a route call per event, not awaited, i.e. pipelined) and the
 * Python replicas (paho + Apache Thrift, paho + grpcio: one call at a time, in paho's callback), and
 * for reference the bare Thrift client inside a Node-RED of its own behind the core mqtt in node and
 * a function node (Node-RED's floor, section 1). Every route is checked added by its rising burst
 * and deleted by its falling one, and the router's RIB empty after each implementation's bursts;
 * each burst is marked disturbed by the outside-load rule (lib/outside.ts).
 */
import { ChildProcess, fork } from 'child_process';
import * as os from 'os';
import { cpuSeconds, fmtInt, median, sleep, type Log } from '../lib/util';
import { NodeRed } from '../lib/nodered';
import { stopChild, waitReady } from '../lib/children';
import { brokerFlow, brokerTopic, NODE_RED_BARE_GLOBALS, nodeRedBareFlow, splitCredentials } from '../lib/flows';
import { startPython, startPythonGrpc } from '../lib/python';
import { startMosquitto } from '../lib/mosquitto';
import { benchModule } from '../lib/paths';
import { isDisturbed, watchOutside } from '../lib/outside';
import { prefixOf } from '../lib/events';
import type { PublishAnswer, RibChanges, RibSize, RouterReady } from '../lib/ipc';
import { section, target, type SectionContext, type Table, type Verdict } from './section';

const QOS = 1;
/** The burst's topic of implementation `key` (its flow is section 1's, with this suffix). */
const SUFFIX = '-burst';
const topicOf = (key: string): string => brokerTopic(`${key}${SUFFIX}`);

interface Impl {
  key: string;
  api: 'Thrift' | 'gRPC';
  label: string;
  /** Its interfaces: base .. base + N - 1 (prefix = ifIndex, lib/events.ts). */
  base: number;
}
const IMPLS: readonly Impl[] = [
  { key: 'plugin', api: 'Thrift', label: 'plugin in Node-RED (sample flow chain)', base: 1 << 20 },
  { key: 'node', api: 'Thrift', label: 'bare client: mqtt.js + npm thrift (pipelines)', base: 2 << 20 },
  { key: 'python', api: 'Thrift', label: 'Python replica: paho + Apache Thrift (one call at a time)', base: 3 << 20 },
  { key: 'node-red', api: 'Thrift', label: "bare client in Node-RED: core mqtt in → function node (Node-RED's floor, pipelines)", base: 7 << 20 },
  { key: 'plugin-grpc', api: 'gRPC', label: 'plugin in Node-RED (sample flow chain)', base: 4 << 20 },
  { key: 'grpc', api: 'gRPC', label: 'bare client: mqtt.js + @grpc/grpc-js (a request per event, pipelined)', base: 5 << 20 },
  { key: 'python-grpc', api: 'gRPC', label: 'Python replica: paho + grpcio (one call at a time)', base: 6 << 20 },
];

/** One burst (rising or falling) of one implementation. */
export interface BurstRun {
  impl: string;
  repeat: number;
  direction: 'rising' | 'falling';
  /** First publish → last route call at the router (ms); NaN when routes were missing. */
  ms: number;
  /** Publishing the N events (ms). */
  publishMs: number;
  /** Routes added (rising) or deleted (falling) at the router, of N. */
  done: number;
  n: number;
  cpuMs: number;
  outsideMs: number;
  wallMs: number;
  disturbed: boolean;
  load: number;
  /** 0 for the first run of a repeat, 1..3 for the runs again after a disturbed one. */
  attempt?: number;
  /** False: a disturbed pair that was run again (shown apart, not in the figures). */
  kept?: boolean;
}

export interface BurstRow {
  impl: string;
  api: string;
  label: string;
  n: number;
  /** Medians over the complete undisturbed bursts (over the complete ones when every one was disturbed). */
  risingMs: number;
  fallingMs: number;
  rising: Array<{ ms: number; disturbed: boolean }>;
  falling: Array<{ ms: number; disturbed: boolean }>;
  /** The bursts of disturbed pairs that were run again. */
  again: Array<{ ms: number; disturbed: boolean }>;
  /** Over every burst (those run again too): routes added by the rising ones, deleted by the falling ones, of N each. */
  added: number;
  deleted: number;
  bursts: number;
  /** Routes left in the router's RIB after this implementation's last burst. */
  ribAfter: number;
  cpuMs: number;
  load: number;
}

export interface BurstResult {
  rows: BurstRow[];
  runs: BurstRun[];
  meta: { mosquitto?: string; mqttPort?: number; qos: number; events: number; repeats: number };
}

/** The router's RIB size (router-proc answers {rib}). */
function ribSize(router: ChildProcess): Promise<number> {
  const answer = waitReady<RibSize>(router, 'router', 10000, (m) => typeof (m as RibSize)?.rib === 'number');
  router.send({ cmd: 'rib' });
  return answer.then((a) => a.rib);
}

interface Rig {
  log: Log;
  pub: ChildProcess;
  router: ChildProcess;
  /** prefix → [time, op] of the RIB changes since the last clear. */
  changes: Map<string, [number, string]>;
  pids: Record<string, number>;
  allPids: () => number[];
}

/** Publishes `n` events of `im` (from event number `first` of its cycle over n interfaces) and times their route calls. */
async function timeBurst(rig: Rig, im: Impl, first: number, n: number, repeat: number, drainMs = 10000): Promise<BurstRun> {
  const direction = Math.floor(first / n) % 2 === 0 ? 'rising' : 'falling';
  const op = direction === 'rising' ? 'add' : 'delete';
  rig.changes.clear();
  const outside = watchOutside(rig.allPids);
  const pid = rig.pids[im.key];
  const c0 = cpuSeconds(pid);
  const w0 = Date.now();
  const answered = new Promise<PublishAnswer>((resolve) => rig.pub.once('message', (m) => resolve(m as PublishAnswer)));
  rig.pub.send({ cmd: 'publish', topic: topicOf(im.key), first, n, rate: 1e12, cycle: { base: im.base, K: n } });
  const sent = (await answered).sent;
  const want = sent.map(([ifIndex]) => prefixOf(ifIndex));
  const arrived = (): number => want.filter((p) => rig.changes.get(p)?.[1] === op).length;
  let last = -1;
  let still = Date.now();
  for (let got = arrived(); got < n; got = arrived()) {
    if (got !== last) {
      last = got;
      still = Date.now();
    } else if (Date.now() - still > drainMs) break;
    await sleep(5);
  }
  const wallMs = Date.now() - w0;
  const { outsideMs } = outside();
  const times = want.map((p) => rig.changes.get(p)).filter((c): c is [number, string] => c !== undefined && c[1] === op).map((c) => c[0]);
  const done = times.length;
  return {
    impl: im.key,
    repeat,
    direction,
    ms: done === n ? Math.max(...times) - sent[0][1] : NaN,
    publishMs: sent[sent.length - 1][1] - sent[0][1],
    done,
    n,
    cpuMs: (cpuSeconds(pid) - c0) * 1000,
    outsideMs,
    wallMs,
    disturbed: isDisturbed(outsideMs, wallMs),
    load: os.loadavg()[0],
  };
}

async function run(ctx: SectionContext): Promise<BurstResult> {
  const { log, sizes, options } = ctx;
  const N = sizes.burstEvents;
  if (N < 1 || N > 100000) throw new Error('--size burstEvents: 1..100000');
  const children: ChildProcess[] = [];
  const own = <T extends ChildProcess>(c: T): T => {
    children.push(c);
    return ctx.children.add(c);
  };
  let red: NodeRed | null = null;
  let redBare: NodeRed | null = null;
  try {
    const mosq = await startMosquitto(own);
    const router = own(fork(benchModule('router-proc'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const ports = await waitReady<RouterReady>(router, 'router');
    const changes = new Map<string, [number, string]>();
    router.on('message', (m: RibChanges) => {
      if (!m || !m.c) return;
      for (const [prefix, t, op] of m.c) changes.set(prefix, [t, op ?? '']);
    });
    const pub = own(fork(benchModule('publisher-proc'), [String(mosq.port), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await waitReady(pub, 'publisher');
    log(`burst: Mosquitto (default config) on ${mosq.port}, router Thrift ${ports.thriftPort} / gRPC ${ports.grpcPort}`);
    red = new NodeRed({ name: 'plugin-burst', nodeFlags: options.redFlags, profileDir: options.profileDir, children: ctx.children });
    const { nodes, creds } = splitCredentials(brokerFlow(ports, mosq.port, QOS, SUFFIX));
    await red.start(nodes, creds);
    redBare = new NodeRed({ name: 'nr-bare-burst', withPlugin: false, nodeFlags: options.redFlags, children: ctx.children, globals: NODE_RED_BARE_GLOBALS });
    await redBare.start(nodeRedBareFlow(ports.thriftPort, mosq.port, topicOf('node-red')));
    const [py, pyGrpc] = await Promise.all([
      startPython({ add: own }, { genDir: ctx.pythonGen.get(), thriftPort: ports.thriftPort, mqttPort: mosq.port, topic: topicOf('python'), qos: QOS }),
      startPythonGrpc({ add: own }, { genDir: ctx.pythonGen.grpc(), grpcPort: ports.grpcPort, mqttPort: mosq.port, topic: topicOf('python-grpc'), qos: QOS }),
    ]);
    const nb = own(fork(benchModule('baseline-node'), [String(ports.thriftPort), String(mosq.port), topicOf('node'), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const gb = own(fork(benchModule('baseline-grpc'), [String(ports.grpcPort), '--events', String(mosq.port), topicOf('grpc'), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await Promise.all([waitReady(nb, 'node baseline'), waitReady(gb, 'grpc baseline')]);
    const nr = red;
    const nrBare = redBare;
    const pids: Record<string, number> = { plugin: nr.pid, 'plugin-grpc': nr.pid, node: nb.pid ?? 0, python: py.pid ?? 0, grpc: gb.pid ?? 0, 'python-grpc': pyGrpc.pid ?? 0, 'node-red': nrBare.pid };
    const allPids = (): number[] => children.filter((c) => c.pid).map((c) => c.pid as number).concat([process.pid, nr.pid, nrBare.pid]);
    const rig: Rig = { log, pub, router, changes, pids, allPids };

    // Ready and warm: a small burst up and down through each (Node-RED's router nodes log in and subscribe meanwhile).
    const warm = Math.min(N, 100);
    for (const im of IMPLS) {
      const w = { ...im, base: im.base + 500000 };
      for (let i = 0; ; i++) {
        const up = await timeBurst(rig, w, 2 * i * warm, warm, 0, 2000);
        const down = await timeBurst(rig, w, (2 * i + 1) * warm, warm, 0, 2000);
        if (up.done === warm && down.done === warm) break;
        if (i >= 15) throw new Error(`burst: ${im.key}: no routes for a warm-up burst within 30 s (${up.done} added, ${down.done} deleted)`);
      }
    }
    const runs: BurstRun[] = [];
    const ribAfter: Record<string, number> = {};
    const pairs: Record<string, number> = Object.fromEntries(IMPLS.map((im) => [im.key, 0]));
    for (let r = 0; r < sizes.burstRepeats; r++) {
      for (let j = 0; j < IMPLS.length; j++) {
        const im = IMPLS[(j + r) % IMPLS.length];
        // A rising burst and its falling one; run again (at most 3 times) while either was disturbed.
        for (let attempt = 0; attempt < 4; attempt++) {
          const pair: BurstRun[] = [];
          const k = pairs[im.key]++;
          for (const first of [2 * k * N, (2 * k + 1) * N]) {
            await sleep(300);
            const x = { ...(await timeBurst(rig, im, first, N, r + 1)), attempt };
            pair.push(x);
            log(
              `burst: ${im.key} repeat ${r + 1}${attempt ? ` (again, ${attempt})` : ''} ${x.direction}: ${Number.isFinite(x.ms) ? `${fmtInt(x.ms)} ms` : 'incomplete'} ` +
                `(published in ${fmtInt(x.publishMs)} ms), ${x.done}/${N} routes ${x.direction === 'rising' ? 'added' : 'deleted'}, CPU ${fmtInt(x.cpuMs)} ms, ` +
                `outside CPU ${fmtInt(x.outsideMs)} ms over ${fmtInt(x.wallMs)} ms${x.disturbed ? ' DISTURBED' : ''}, load ${x.load.toFixed(1)}`,
            );
          }
          const again = pair.some((x) => x.disturbed) && attempt < 3;
          runs.push(...pair.map((x) => ({ ...x, kept: !again })));
          if (!again) break;
        }
        ribAfter[im.key] = await ribSize(router);
      }
    }
    const rows: BurstRow[] = IMPLS.map((im) => {
      const all = runs.filter((x) => x.impl === im.key);
      const mine = all.filter((x) => x.kept !== false);
      const dir = (d: string): BurstRun[] => mine.filter((x) => x.direction === d);
      const med = (xs: BurstRun[]): number => {
        const complete = xs.filter((x) => Number.isFinite(x.ms));
        const quiet = complete.filter((x) => !x.disturbed);
        return median((quiet.length ? quiet : complete).map((x) => x.ms));
      };
      return {
        impl: im.key, api: im.api, label: im.label, n: N,
        risingMs: med(dir('rising')), fallingMs: med(dir('falling')),
        rising: dir('rising').map((x) => ({ ms: x.ms, disturbed: x.disturbed })), falling: dir('falling').map((x) => ({ ms: x.ms, disturbed: x.disturbed })),
        again: all.filter((x) => x.kept === false).map((x) => ({ ms: x.ms, disturbed: x.disturbed })),
        added: all.filter((x) => x.direction === 'rising').reduce((t, x) => t + x.done, 0),
        deleted: all.filter((x) => x.direction === 'falling').reduce((t, x) => t + x.done, 0),
        bursts: all.filter((x) => x.direction === 'rising').length,
        ribAfter: ribAfter[im.key] ?? NaN,
        cpuMs: median(mine.map((x) => x.cpuMs)), load: Math.max(...mine.map((x) => x.load)),
      };
    });
    return { rows, runs, meta: { mosquitto: mosq.version, mqttPort: mosq.port, qos: QOS, events: N, repeats: sizes.burstRepeats } };
  } finally {
    if (red) await red.stop().catch(() => undefined);
    if (redBare) await redBare.stop().catch(() => undefined);
    await Promise.all(children.reverse().map((c) => stopChild(c)));
    if (red) red.remove();
    if (redBare) redBare.remove();
  }
}

function table(B: BurstResult): Table {
  const N = fmtInt(B.meta.events);
  const ms = (v: number): string => (Number.isFinite(v) ? fmtInt(v) : '–');
  const each = (xs: Array<{ ms: number; disturbed: boolean }>): string => xs.map((x) => `${ms(x.ms)}${x.disturbed ? '*' : ''}`).join(' ');
  const head = ['API', 'implementation', `${N} rising: ms (median)`, `${N} falling: ms (median)`, 'rising, per burst (* still disturbed after 3 reruns)', 'falling, per burst', 'disturbed bursts, run again: ms', 'routes/s (rising)', 'routes added / deleted', 'RIB after', 'CPU ms per burst', 'load ≤'];
  const rows = B.rows.map((r) => [
    r.api, r.label, ms(r.risingMs), ms(r.fallingMs), each(r.rising), each(r.falling), each(r.again ?? []) || '–',
    Number.isFinite(r.risingMs) ? fmtInt((r.n / r.risingMs) * 1000) : '–',
    `${fmtInt(r.added)} / ${fmtInt(r.deleted)} of ${fmtInt(r.n * r.bursts)}`, r.ribAfter, fmtInt(r.cpuMs), r.load.toFixed(1),
  ]);
  const verdicts: Verdict[] = [];
  const get = (impl: string): BurstRow | undefined => B.rows.find((r) => r.impl === impl);
  for (const [plugin, bare, replica, api] of [['plugin', 'node', 'python', 'Thrift'], ['plugin-grpc', 'grpc', 'python-grpc', 'gRPC']]) {
    const p = get(plugin);
    const b = get(bare);
    const y = get(replica);
    if (!p || !b) continue;
    for (const d of ['rising', 'falling'] as const) {
      const pm = d === 'rising' ? p.risingMs : p.fallingMs;
      const bm = d === 'rising' ? b.risingMs : b.fallingMs;
      verdicts.push(target(`${api} ${d}`, pm <= 1.5 * bm, `${api}, ${N} ${d}: plugin ${ms(pm)} ms ≤ 1.5 × the bare client's ${ms(bm)} ms (${(pm / bm).toFixed(2)}×)`));
      const f = api === 'Thrift' ? get('node-red') : undefined;
      if (f) {
        const fm = d === 'rising' ? f.risingMs : f.fallingMs;
        verdicts.push(`(reference) ${api}, ${N} ${d}: plugin ${ms(pm)} ms against Node-RED's floor (the bare client behind core mqtt in and a function node) ${ms(fm)} ms (${(pm / fm).toFixed(2)}×)`);
      }
      if (!y) continue;
      const ym = d === 'rising' ? y.risingMs : y.fallingMs;
      const line = `${api}, ${N} ${d}: the Python replica ${ms(ym)} ms = ${(ym / pm).toFixed(2)} × the plugin's ${ms(pm)} ms`;
      verdicts.push(api === 'gRPC' ? target(`${api} ${d} vs replica`, ym >= 1.5 * pm, `${line} (the plugin at least 1.5× faster)`) : `(reference) ${line}`);
    }
    const all = p.n * p.bursts;
    verdicts.push(target(`${api} routes`, p.added === all && p.deleted === all && p.ribAfter === 0, `${api}: plugin added ${fmtInt(p.added)} and deleted ${fmtInt(p.deleted)} of ${fmtInt(all)} routes, RIB after: ${p.ribAfter}`));
  }
  const others = B.rows.filter((r) => !r.impl.startsWith('plugin') && (r.added !== r.n * r.bursts || r.deleted !== r.n * r.bursts));
  if (others.length) verdicts.push(`(reference) baselines with routes missing: ${others.map((r) => `${r.impl} ${r.added}/${r.deleted}`).join(', ')}`);
  const again = B.runs.filter((x) => x.kept === false).length;
  const still = B.runs.filter((x) => x.kept !== false && x.disturbed).length;
  verdicts.push(
    `(reference) bursts disturbed by outside load and run again (with their pair): ${again} of ${B.runs.length}; still disturbed after 3 reruns: ${still} (medians over the undisturbed ones when there are any); ` +
      `${B.meta.mosquitto}, \`mosquitto -p ${B.meta.mqttPort}\`, QoS ${B.meta.qos} everywhere`,
  );
  return { head, rows, verdicts };
}

export const burst = section<BurstResult>({
  name: 'burst',
  title: '6. Burst: many alarms on one sampling tick',
  stage: 'own',
  needs: [],
  byDefault: false,
  run,
  table,
  vars: (_B, doc) => ({ burstEvents: fmtInt(doc.sizes.burstEvents ?? 1000), burstRepeats: String(doc.sizes.burstRepeats ?? 5) }),
});
