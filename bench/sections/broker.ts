/**
 * Section 1: event → route latency behind a real broker (issue 12), the setup users meet:
 *  - broker: Debian's Mosquitto started as `mosquitto -p <port>`, its default configuration (no
 *    config file: Mosquitto 2 then listens on localhost only, anonymous allowed, Nagle on
 *    (set_tcp_nodelay false), max_inflight_messages 20);
 *  - router: dist/sim's Thrift and gRPC servers in their own process (router-proc.ts), where each
 *    RIB change (route added or deleted) is timestamped;
 *  - publisher: an MQTT.js client in its own process (publisher-proc.ts) publishing
 *    SNMPD_RMON_EVENTLOG events at QoS 1, paced by absolute schedule, round CYCLE interfaces per
 *    implementation, rising then falling in turn (each event a RouteAdd or a RouteDelete);
 *  - latency = RIB change time − publish time, both from CLOCK_MONOTONIC (process.hrtime), which
 *    every process of the machine shares;
 *  - implementations, each its own process, each subscribed at QoS 1 to its own topic: the sample
 *    flow's chain in Node-RED 4 (jet-rmon-event → jet-threshold → function → jet-route-add) on a
 *    Thrift router node and on a gRPC one, the bare mqtt.js + npm thrift client, the Python
 *    replica (paho + Apache Thrift), the bare mqtt.js + grpc-js client, and for reference the
 *    bare Thrift client inside a Node-RED of its own behind the core mqtt in node and a function
 *    node (Node-RED's floor for the same work: what Node-RED itself costs a message).
 * Every repeat is one chunk of events for one implementation, in rotating order; a repeat is
 * disturbed when CPU time outside the bench's own processes exceeded the outside-load rule
 * (lib/outside.ts, as in the throughput section); disturbed repeats are run again (up to 3 times)
 * and reported. The section starts and stops all of its processes itself, before the shared ones.
 */
import { ChildProcess, fork } from 'child_process';
import { fmtInt, fmtMs, sleep, summarize, type Summary } from '../lib/util';
import { startMosquitto } from '../lib/mosquitto';
import { NodeRed } from '../lib/nodered';
import { stopChild, waitReady } from '../lib/children';
import { brokerFlow, brokerTopic, NODE_RED_BARE_GLOBALS, nodeRedBareFlow, splitCredentials, type FlowNode } from '../lib/flows';
import { startPython } from '../lib/python';
import { benchModule } from '../lib/paths';
import { LATE_MS, measureRepeat, type Repeat } from './broker-repeat';
import type { PublishAnswer, RibChanges, RouterReady } from '../lib/ipc';
import { section, target, type SectionContext, type Table, type Verdict } from './section';

export { LATE_MS } from './broker-repeat';
const QOS = 1;
/**
 * Interfaces per implementation: event k is about interface k % CYCLE, rising then falling in turn
 * (the original app's two halves: RouteAdd on rising, RouteDelete on falling), so the routes and
 * keys in play stay bounded as on a router (at most CYCLE of each). A chunk never holds the same
 * interface twice (chunks are at most CYCLE events).
 */
const CYCLE = 1000;
const BASE: Record<string, number> = { plugin: 1 << 20, 'plugin-grpc': 2 << 20, node: 3 << 20, python: 4 << 20, grpc: 5 << 20, 'plugin-ab': 6 << 20, 'plugin-grpc-ab': 7 << 20, 'node-red': 8 << 20 };

export interface Impl {
  key: string;
  api: 'Thrift' | 'gRPC';
  label: string;
}
const IMPLS: readonly Impl[] = [
  { key: 'plugin', api: 'Thrift', label: 'plugin in Node-RED (sample flow chain)' },
  { key: 'node', api: 'Thrift', label: 'bare client: mqtt.js + npm thrift' },
  { key: 'python', api: 'Thrift', label: 'Python replica: paho + Apache Thrift' },
  { key: 'node-red', api: 'Thrift', label: "bare client in Node-RED: core mqtt in → function node (Node-RED's floor)" },
  { key: 'plugin-grpc', api: 'gRPC', label: 'plugin in Node-RED (sample flow chain)' },
  { key: 'grpc', api: 'gRPC', label: 'bare client: mqtt.js + @grpc/grpc-js' },
];

/** One repeat as the results file keeps it. */
export interface RepeatRecord extends Summary {
  impl: string;
  rate: number;
  repeat: number;
  attempt: number;
  late: number;
  lost: number;
  n: number;
  outsideMs: number;
  wallMs: number;
  disturbed: boolean;
  load: number;
  cpuS: number;
}

/** One row of the table: an implementation at a rate, over every kept repeat. */
export interface BrokerRow extends Summary {
  impl: string;
  api: string;
  label: string;
  rate: number;
  events: number;
  late: number;
  lost: number;
  repeats: Array<{ p99: number; max: number; late: number; disturbed: boolean }>;
  disturbed: Array<{ p99: number; max: number; late: number; outsideMs: number }>;
  cpuUs: number;
  load: number;
}

export interface BrokerResult {
  rows: BrokerRow[];
  repeats: RepeatRecord[];
  meta: { mosquitto?: string; mosquittoLog?: string; mqttPort?: number; qos: number; pluginQos: number; lateMs: number; nodeRed: number; ab: string | null };
}

async function run(ctx: SectionContext): Promise<BrokerResult> {
  const { log, sizes, options } = ctx;
  // A/B (--ab-dir): the same chain in a second Node-RED, on another checkout of this package.
  const ab = options.abDir ? { dir: options.abDir, label: options.abLabel || options.abDir } : null;
  const impls: Impl[] = ab
    ? IMPLS.flatMap((im) => (im.key.startsWith('plugin') ? [im, { key: `${im.key}-ab`, api: im.api, label: `plugin in Node-RED, A/B: ${ab.label}` }] : [im]))
    : [...IMPLS];
  const children: ChildProcess[] = [];
  const own = <T extends ChildProcess>(c: T): T => {
    children.push(c);
    return ctx.children.add(c);
  };
  const ownPids = (): number[] => children.filter((c) => c.pid).map((c) => c.pid as number).concat([process.pid]);
  const meta: Partial<BrokerResult['meta']> = {};
  let nr: NodeRed | null = null;
  let nrAb: NodeRed | null = null;
  let nrBare: NodeRed | null = null;
  let router: ChildProcess | null = null;
  try {
    // --- Mosquitto, default configuration
    const mosq = await startMosquitto(own);
    const mqttPort = mosq.port;
    meta.mosquitto = mosq.version;
    meta.mosquittoLog = mosq.log;
    meta.mqttPort = mqttPort;

    // --- router in its own process
    router = own(fork(benchModule('router-proc'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const ports = await waitReady<RouterReady>(router, 'router');
    const arrivals = new Map<string, number>(); // prefix -> t
    router.on('message', (m: RibChanges) => {
      if (!m || !m.c) return;
      for (const [prefix, t] of m.c) arrivals.set(prefix, t);
    });

    // --- publisher in its own process
    const pub = own(fork(benchModule('publisher-proc'), [String(mqttPort), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await waitReady(pub, 'publisher');

    // --- implementations
    log(`broker latency: Mosquitto (default config) on ${mqttPort}, router Thrift ${ports.thriftPort} / gRPC ${ports.grpcPort}`);
    nr = new NodeRed({ name: 'plugin-mosq', nodeFlags: options.redFlags, profileDir: options.profileDir, children: ctx.children });
    const pluginQos = options.pluginQos === undefined ? QOS : options.pluginQos;
    const start = (red: NodeRed, nodes: FlowNode[]): Promise<void> => {
      const { nodes: plain, creds } = splitCredentials(nodes);
      return red.start(plain, creds);
    };
    await start(nr, brokerFlow(ports, mqttPort, pluginQos));
    if (ab) {
      nrAb = new NodeRed({ name: 'plugin-mosq-ab', pluginDir: ab.dir, nodeFlags: options.redFlags, children: ctx.children });
      await start(nrAb, brokerFlow(ports, mqttPort, pluginQos, '-ab'));
    }
    // Node-RED's floor: the bare Thrift client behind Node-RED's own mqtt in node, in a Node-RED of its own.
    nrBare = new NodeRed({ name: 'nr-bare', withPlugin: false, nodeFlags: options.redFlags, children: ctx.children, globals: NODE_RED_BARE_GLOBALS });
    await nrBare.start(nodeRedBareFlow(ports.thriftPort, mqttPort, brokerTopic('node-red')));
    const pyReady = startPython({ add: own }, { genDir: ctx.pythonGen.get(), thriftPort: ports.thriftPort, mqttPort, topic: brokerTopic('python'), qos: QOS });
    const nb = own(fork(benchModule('baseline-node'), [String(ports.thriftPort), String(mqttPort), brokerTopic('node'), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const gb = own(fork(benchModule('baseline-grpc'), [String(ports.grpcPort), '--events', String(mqttPort), brokerTopic('grpc'), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const [py] = await Promise.all([pyReady, waitReady(nb, 'node baseline'), waitReady(gb, 'grpc baseline')]);
    const red = nr;
    const redAb = nrAb;
    const redBare = nrBare;
    const pids: Record<string, number> = { plugin: red.pid, 'plugin-grpc': red.pid, node: nb.pid ?? 0, python: py.pid ?? 0, grpc: gb.pid ?? 0, 'plugin-ab': redAb?.pid ?? 0, 'plugin-grpc-ab': redAb?.pid ?? 0, 'node-red': redBare.pid };
    const allPids = (): number[] => ownPids().concat([red.pid, redBare.pid], redAb ? [redAb.pid] : []);
    const publish = (im: Impl, first: number, rate: number, n: number, cycle: { base: number; K: number } | null): Promise<PublishAnswer> =>
      new Promise((resolve) => {
        pub.once('message', (m) => resolve(m as PublishAnswer));
        pub.send({ cmd: 'publish', topic: brokerTopic(im.key), first, n, rate, cycle });
      });
    const chunk = (im: Impl, first: number, rate: number, n: number, drainMs = 5000, cycle: { base: number; K: number } | null = null): Promise<Repeat> =>
      measureRepeat({ log, arrivals, pid: pids[im.key], allPids, red: im.key.startsWith('plugin') ? (im.key.endsWith('-ab') ? redAb : red) : null, publish: () => publish(im, first, rate, n, cycle), drainMs });

    // Ready: one event gets through each implementation (Node-RED's router nodes log in and subscribe).
    for (const im of impls) {
      for (let i = 0; ; i++) {
        const c = await chunk(im, BASE[im.key] + 150000 + i, 10, 1, 1000);
        if (c.samples.length === 1) break;
        if (i > 30) throw new Error(`${im.key}: no route for an event within 30 s`);
      }
    }
    log(`broker latency: warm-up (${sizes.warmup} events at 200/s each)`);
    // Each implementation's events: numbered on, interface by interface over CYCLE interfaces
    // (rising, then falling, ...): every event a RouteAdd or a RouteDelete, state bounded.
    const next: Record<string, number> = Object.fromEntries(impls.map((im) => [im.key, 0]));
    const cycled = (im: Impl, rate: number, n: number): Promise<Repeat> => {
      const first = next[im.key];
      next[im.key] += n;
      return chunk(im, first, rate, n, 5000, { base: BASE[im.key], K: CYCLE });
    };
    for (const im of impls) await cycled(im, 200, sizes.warmup);
    const rows: BrokerRow[] = [];
    const repeats: Array<RepeatRecord & { samples?: number[] }> = [];
    for (const { rate, chunk: n, repeats: R } of sizes.broker) {
      const acc: Record<string, { kept: Array<RepeatRecord & { samples: number[] }>; disturbed: RepeatRecord[] }> = Object.fromEntries(impls.map((im) => [im.key, { kept: [], disturbed: [] }]));
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < impls.length; j++) {
          const im = impls[(j + r) % impls.length];
          for (let attempt = 0; attempt < 4; attempt++) {
            const c = await cycled(im, rate, n);
            const s = summarize(c.samples);
            const late = c.samples.filter((x) => x > LATE_MS).length;
            const rec = { impl: im.key, rate, repeat: r + 1, attempt, ...s, late, lost: c.lost, n, outsideMs: c.outsideMs, wallMs: c.wallMs, disturbed: c.disturbed, load: c.load, cpuS: c.cpuS, samples: c.samples };
            repeats.push(rec);
            log(`broker latency: ${im.key} ${rate}/s repeat ${r + 1}${attempt ? ` (again, ${attempt})` : ''}: p50 ${fmtMs(s.p50)} p99 ${fmtMs(s.p99)} max ${fmtMs(s.max)} ms, > ${LATE_MS} ms: ${late}, lost ${c.lost}, page faults/event ${(c.faults / n).toFixed(1)}, outside CPU ${Math.round(c.outsideMs)} ms over ${c.wallMs} ms${c.disturbed ? ' DISTURBED' : ''}, load ${c.load.toFixed(1)}`);
            // The last attempt of a repeat counts (undisturbed, or still disturbed after 3 reruns: flagged).
            if (!c.disturbed || attempt === 3) {
              acc[im.key].kept.push(rec);
              break;
            }
            acc[im.key].disturbed.push(rec);
            await sleep(200);
          }
          await sleep(200);
        }
      }
      for (const im of impls) {
        const a = acc[im.key];
        // Every repeat: its undisturbed run (or its last attempt, flagged, when all were disturbed).
        const used = a.kept;
        const all = used.flatMap((x) => x.samples);
        const s = summarize(all);
        rows.push({
          impl: im.key, api: im.api, label: im.label, rate, events: all.length + used.reduce((t, x) => t + x.lost, 0), ...s,
          late: all.filter((x) => x > LATE_MS).length, lost: used.reduce((t, x) => t + x.lost, 0),
          repeats: used.map((x) => ({ p99: x.p99, max: x.max, late: x.late, disturbed: x.disturbed })), disturbed: a.disturbed.map((x) => ({ p99: x.p99, max: x.max, late: x.late, outsideMs: x.outsideMs })),
          cpuUs: (used.reduce((t, x) => t + x.cpuS, 0) * 1e6) / Math.max(1, all.length),
          load: Math.max(...used.map((x) => x.load)),
        });
      }
    }
    for (const r of repeats) delete r.samples;
    return { rows, repeats, meta: { ...meta, qos: QOS, pluginQos, lateMs: LATE_MS, nodeRed: red.pid, ab: ab && ab.label } };
  } finally {
    if (nr) await nr.stop().catch(() => undefined);
    if (nrAb) await nrAb.stop().catch(() => undefined);
    if (nrAb) nrAb.remove();
    if (nrBare) await nrBare.stop().catch(() => undefined);
    if (nrBare) nrBare.remove();
    await Promise.all(children.reverse().map((c) => stopChild(c)));
    if (nr) nr.remove();
  }
}

/** The latency section behind Mosquitto: one row per API, rate and implementation. */
function table(B: BrokerResult): Table {
  const LATE = B.meta.lateMs;
  const head = ['API', 'events/s', 'implementation', 'events', 'p50 ms', 'p99 ms', 'max ms', `> ${LATE} ms`, 'lost', 'repeats: p99 of each (min–median–max), late events by repeat', 'disturbed repeats (run again): how many, their p99 (min–max), late', 'CPU µs/event', 'load ≤'];
  const rep = (xs: Array<{ p99: number; late: number; disturbed?: boolean }>): string => {
    if (xs.length === 0) return '';
    const p99s = xs.map((x) => x.p99).sort((a, b) => a - b);
    const late = xs.filter((x) => x.late > 0).map((x) => x.late);
    const still = xs.filter((x) => x.disturbed).length;
    return `${xs.length}: ${fmtMs(p99s[0])}–${fmtMs(p99s[Math.floor((p99s.length - 1) / 2)])}–${fmtMs(p99s[p99s.length - 1])}; late: ${late.length ? late.join(' + ') : 'none'}${still ? `; ${still} still disturbed after 3 reruns` : ''}`;
  };
  const rows = B.rows.map((r) => [r.api, r.rate, r.label, fmtInt(r.events), fmtMs(r.p50), fmtMs(r.p99), fmtMs(r.max), r.late, r.lost, rep(r.repeats), rep(r.disturbed) || '–', fmtInt(r.cpuUs), r.load.toFixed(1)]);
  const verdicts: Verdict[] = [];
  const get = (impl: string, rate: number): BrokerRow | undefined => B.rows.find((r) => r.impl === impl && r.rate === rate);
  const rates = [...new Set(B.rows.map((r) => r.rate))];
  // The targets, against the bare client of the same run (the replica is for reference): p50 ≤ 1.5 ×
  // at every rate; p99 ≤ 1.5 × at the lowest rate; at the highest rate late events ≤ max(1 in 1,000,
  // 2 × the bare client's) and CPU per event ≤ 1.5 ×, its p99 for reference; nothing lost anywhere.
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  for (const rate of rates) {
    for (const [plugin, bare, api] of [['plugin', 'node', 'Thrift'], ['plugin-grpc', 'grpc', 'gRPC']]) {
      const p = get(plugin, rate);
      const b = get(bare, rate);
      if (!p || !b) continue;
      const at = `${api} ${rate}/s`;
      verdicts.push(target(`${at} p50`, p.p50 <= 1.5 * b.p50, `${at}: plugin p50 ${fmtMs(p.p50)} ms ≤ 1.5 × bare p50 ${fmtMs(b.p50)} ms (${(p.p50 / b.p50).toFixed(2)}×)`));
      const p99 = `plugin p99 ${fmtMs(p.p99)} ms`;
      if (rate === low) verdicts.push(target(`${at} p99`, p.p99 <= 1.5 * b.p99, `${at}: ${p99} ≤ 1.5 × bare p99 ${fmtMs(b.p99)} ms (${(p.p99 / b.p99).toFixed(2)}×)`));
      else verdicts.push(`(reference) ${at}: ${p99}, bare p99 ${fmtMs(b.p99)} ms (${(p.p99 / b.p99).toFixed(2)}×)`);
      if (rate === high) {
        const bound = Math.max(p.events / 1000, 2 * b.late);
        verdicts.push(target(`${at} late`, p.late <= bound, `${at}: plugin events later than ${LATE} ms: ${p.late} of ${fmtInt(p.events)} ≤ ${bound.toFixed(1)}, the larger of 1 in 1,000 and 2 × the bare client's ${b.late}`));
        verdicts.push(target(`${at} CPU`, p.cpuUs <= 1.5 * b.cpuUs, `${at}: plugin CPU ${fmtInt(p.cpuUs)} µs/event ≤ 1.5 × bare ${fmtInt(b.cpuUs)} µs/event (${(p.cpuUs / b.cpuUs).toFixed(2)}×)`));
      } else verdicts.push(`(reference) ${at}: plugin events later than ${LATE} ms: ${p.late} of ${fmtInt(p.events)} (bare: ${b.late})`);
      verdicts.push(target(`${at} lost`, p.lost === 0, `${at}: plugin lost ${p.lost} of ${fmtInt(p.events)}`));
      if (api === 'Thrift') {
        const y = get('python', rate);
        if (y) verdicts.push(`(reference) ${at}: plugin p50 / p99 ${fmtMs(p.p50)} / ${fmtMs(p.p99)} ms, Python replica ${fmtMs(y.p50)} / ${fmtMs(y.p99)} ms`);
        const f = get('node-red', rate);
        if (f) {
          const cpu = rate === high ? `; CPU ${fmtInt(p.cpuUs)} against ${fmtInt(f.cpuUs)} µs/event (${(p.cpuUs / f.cpuUs).toFixed(2)}×), the bare client's own ${fmtInt(b.cpuUs)}` : '';
          verdicts.push(`(reference) ${at}: plugin against Node-RED's floor (the bare client behind core mqtt in and a function node): p50 ${fmtMs(p.p50)} against ${fmtMs(f.p50)} ms (${(p.p50 / f.p50).toFixed(2)}×)${cpu}`);
        }
      }
    }
  }
  if (B.meta.ab) {
    for (const rate of [...new Set(B.rows.map((r) => r.rate))]) {
      for (const [plugin, api] of [['plugin', 'Thrift'], ['plugin-grpc', 'gRPC']]) {
        const p = get(plugin, rate);
        const a = get(`${plugin}-ab`, rate);
        if (p && a) verdicts.push(`(A/B) ${api} ${rate}/s: this tree p50 ${fmtMs(p.p50)} / p99 ${fmtMs(p.p99)} / late ${p.late}; ${B.meta.ab}: p50 ${fmtMs(a.p50)} / p99 ${fmtMs(a.p99)} / late ${a.late}`);
      }
    }
  }
  const disturbed = B.repeats.filter((x) => x.disturbed).length;
  verdicts.push(`(reference) repeats disturbed by outside load and run again: ${disturbed} of ${B.repeats.length}; ${B.meta.mosquitto}, \`mosquitto -p ${B.meta.mqttPort}\` (no configuration file), QoS ${B.meta.qos} everywhere${B.meta.pluginQos !== B.meta.qos ? ` except the plugin's event nodes: QoS ${B.meta.pluginQos} (--plugin-qos)` : ''}`);
  return { head, rows, verdicts };
}

export const broker = section<BrokerResult>({
  name: 'broker',
  title: '1. Event → route latency behind Mosquitto (QoS 1)',
  stage: 'own',
  needs: [],
  byDefault: true,
  run,
  table,
  vars: (B, doc) => ({
    mosquitto: B?.meta.mosquitto ?? 'mosquitto',
    brokerCycle: fmtInt(CYCLE),
    brokerRepeats: doc.sizes.broker.map((r) => `${r.repeats} × ${fmtInt(r.chunk)} at ${r.rate}/s`).join(', '),
    lateMs: String(B?.meta.lateMs ?? doc.constants.lateMs),
  }),
  machineRows: (B) => [['Mosquitto (section 1)', `${B.meta.mosquitto}, started as \`mosquitto -p <port>\`: default configuration`]],
});
