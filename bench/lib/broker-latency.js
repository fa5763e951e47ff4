'use strict';
// Event → route latency behind a real broker (issue 12), the setup users meet:
//  - broker: Debian's Mosquitto started as `mosquitto -p <port>`, its default configuration (no
//    config file: Mosquitto 2 then listens on localhost only, anonymous allowed, Nagle on
//    (set_tcp_nodelay false), max_inflight_messages 20);
//  - router: dist/sim's Thrift and gRPC servers in their own process (bench/router-proc.js), where
//    each RIB change (route added or deleted) is timestamped;
//  - publisher: an MQTT.js client in its own process (bench/publisher-proc.js) publishing
//    SNMPD_RMON_EVENTLOG events at QoS 1, paced by absolute schedule, round CYCLE interfaces per
//    implementation, rising then falling in turn (each event a RouteAdd or a RouteDelete);
//  - latency = RIB change time − publish time, both from CLOCK_MONOTONIC (process.hrtime), which
//    every process of the machine shares;
//  - implementations, each its own process, each subscribed at QoS 1 to its own topic: the sample
//    flow's chain in Node-RED 4 (jet-rmon-event → jet-threshold → function → jet-route-add) on a
//    Thrift router node and on a gRPC one, the bare mqtt.js + npm thrift client, the Python
//    replica (paho + Apache Thrift), the bare mqtt.js + grpc-js client.
// Every repeat is one chunk of events for one implementation, in rotating order; a repeat is
// disturbed when CPU time outside the bench's own processes exceeded 60 ms + 20 % of one core over
// it (as in the throughput section); disturbed repeats are run again (up to 3 times) and reported.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, fork, execFileSync } = require('child_process');
const U = require('./util');
const { NodeRed, ROOT } = require('./nodered');
const { prefixOf } = require('./events');
const { CREDS, QUEUE_LIMIT, splitCredentials } = require('./flows');

const BENCH = path.join(__dirname, '..');
const QOS = 1;
/** Diagnostic: JET_BENCH_GC_TRACE=<ms> logs Node-RED's GC pauses per repeat and how many events slower than <ms> had one inside. */
const GC_TRACE = Number(process.env.JET_BENCH_GC_TRACE) || 0;
const LATE_MS = 20;
/**
 * Interfaces per implementation: event k is about interface k % CYCLE, rising then falling in turn
 * (the original app's two halves: RouteAdd on rising, RouteDelete on falling), so the routes and
 * keys in play stay bounded as on a router (at most CYCLE of each). A chunk never holds the same
 * interface twice (chunks are at most CYCLE events).
 */
const CYCLE = 1000;
const DISTURBED_BASE_MS = 60;
const DISTURBED_SHARE = 0.2;
const BASE = { plugin: 1 << 20, 'plugin-grpc': 2 << 20, node: 3 << 20, python: 4 << 20, grpc: 5 << 20, 'plugin-ab': 6 << 20, 'plugin-grpc-ab': 7 << 20 };
const IMPLS = [
  { key: 'plugin', api: 'Thrift', label: 'plugin in Node-RED (sample flow chain)' },
  { key: 'node', api: 'Thrift', label: 'bare client: mqtt.js + npm thrift' },
  { key: 'python', api: 'Thrift', label: 'Python replica: paho + Apache Thrift' },
  { key: 'plugin-grpc', api: 'gRPC', label: 'plugin in Node-RED (sample flow chain)' },
  { key: 'grpc', api: 'gRPC', label: 'bare client: mqtt.js + @grpc/grpc-js' },
];
const topicOf = (key) => `/bench/mosq/${key}/junos/events/syslog/SNMPD_RMON_EVENTLOG`;

function machineBusySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) / U.ticksPerSecond();
}

function waitReady(proc, what, test = (m) => m && m.ready) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} not ready within 30 s`)), 30000);
    const on = (m) => {
      if (!test(m)) return;
      clearTimeout(t);
      proc.off('message', on);
      resolve(m);
    };
    proc.on('message', on);
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${what} exited (${code})`));
    });
  });
}

const PREFIX_FN = [
  '// after jet-threshold: ifIndex i (from the event, or the key host/i) -> 10.<i>>16>.<i>>8>.<i>/32',
  "const i = (msg.payload && msg.payload.ifIndex) || Number(String(msg.topic).split('/').pop());",
  "msg.payload.prefixes = '10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255) + '/32';",
  'return msg;',
].join('\n');

function flow(ports, mqttPort, pluginQos = QOS, suffix = '') {
  const z = 'm000000000000001';
  const nodes = [{ id: z, type: 'tab', label: 'JET bench behind Mosquitto', disabled: false, info: '' }];
  for (const [tag, api, port] of [['t', 'thrift', ports.thriftPort], ['g', 'grpc', ports.grpcPort]]) {
    const r = `m00000000000r${tag}0`;
    const key = (api === 'grpc' ? 'plugin-grpc' : 'plugin') + suffix;
    nodes.push(
      { id: r, type: 'jet-router', name: `router (${api})`, api, host: '127.0.0.1', port: String(port), clientId: `bench-mosq-${api}${suffix}`, useTls: false, tls: '', requestTimeout: '10', queueLimit: String(QUEUE_LIMIT), notificationHost: '', notificationPort: String(mqttPort), notificationTls: false, credentials: { ...CREDS } },
      { id: `m00000000000e${tag}0`, type: 'jet-rmon-event', z, name: '', router: r, topic: topicOf(key), ifIndex: '', alarmIndex: '', eventIndex: '', subtag: '', direction: 'both', qos: String(pluginQos), wires: [[`m00000000000t${tag}0`]] },
      { id: `m00000000000t${tag}0`, type: 'jet-threshold', z, name: '', mode: 'event', property: 'payload', key: 'topic', rising: '1024', falling: '1023', sampleType: 'absolute', startup: 'both', holdDown: '0', wires: [[`m00000000000f${tag}0`], [`m00000000000f${tag}1`], []] },
      { id: `m00000000000f${tag}0`, type: 'function', z, name: 'prefix of ifIndex', func: PREFIX_FN, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[`m00000000000a${tag}0`]] },
      { id: `m00000000000f${tag}1`, type: 'function', z, name: 'prefix of ifIndex (falling)', func: PREFIX_FN, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[`m00000000000d${tag}0`]] },
      { id: `m00000000000a${tag}0`, type: 'jet-route-add', z, name: '', router: r, prefixes: '', nexthops: '10.1.1.2', preference: '5', metric: api === 'grpc' ? '' : '3', table: '', appId: '111:222', verify: false, wires: [[]] },
      { id: `m00000000000d${tag}0`, type: 'jet-route-delete', z, name: '', router: r, prefixes: '', table: '', appId: '111:222', wires: [[]] },
    );
  }
  return nodes;
}

/**
 * Runs the section; returns {rows, repeats, meta}. opts: {rates: [{rate, chunk, repeats}], warmup, log, pythonGen,
 * pluginQos (the plugin's event nodes' qos; default 1, for A/B runs: `bench/run.js --plugin-qos 0`)}.
 */
async function brokerLatency(opts) {
  const log = opts.log;
  // A/B (opts.abDir): the same chain in a second Node-RED, on another checkout of this package.
  const ab = opts.abDir ? { dir: opts.abDir, label: opts.abLabel || opts.abDir } : null;
  const IMPLS_RUN = ab
    ? IMPLS.flatMap((im) => (im.key.startsWith('plugin') ? [im, { key: `${im.key}-ab`, api: im.api, label: `plugin in Node-RED, A/B: ${ab.label}` }] : [im]))
    : IMPLS;
  const children = [];
  const ownPids = () => children.filter((c) => c && c.pid).map((c) => c.pid).concat([process.pid]);
  const cleanup = async () => {
    for (const c of children.reverse()) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  };
  const meta = {};
  let nr = null;
  let nrAb = null;
  try {
    // --- Mosquitto, default configuration
    const mqttPort = await U.freePort();
    const mosq = spawn('/usr/sbin/mosquitto', ['-p', String(mqttPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(mosq);
    let mosqLog = '';
    for (const s of [mosq.stdout, mosq.stderr]) s.on('data', (d) => (mosqLog += d.toString()));
    try {
      execFileSync('/usr/sbin/mosquitto', ['-h'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      meta.mosquitto = String(err.stdout || '').split('\n')[0].trim() || 'mosquitto';
    }
    await U.until(() => /running|Opening ipv4 listen socket/.test(mosqLog) || mosq.exitCode !== null, 'mosquitto to listen', 10000, 20).catch(() => undefined);
    if (mosq.exitCode !== null) throw new Error(`mosquitto exited: ${mosqLog}`);
    meta.mosquittoLog = mosqLog.trim().split('\n').slice(0, 4).join(' | ');
    meta.mqttPort = mqttPort;

    // --- router in its own process
    const router = fork(path.join(BENCH, 'router-proc.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(router);
    const ports = await waitReady(router, 'router');
    const arrivals = new Map(); // prefix -> t
    let onArrive = null;
    router.on('message', (m) => {
      if (!m || !m.c) return;
      for (const [prefix, t] of m.c) {
        arrivals.set(prefix, t);
        if (onArrive) onArrive();
      }
    });

    // --- publisher in its own process
    const pub = fork(path.join(BENCH, 'publisher-proc.js'), [String(mqttPort), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(pub);
    await waitReady(pub, 'publisher');

    // --- implementations
    log(`broker latency: Mosquitto (default config) on ${mqttPort}, router Thrift ${ports.thriftPort} / gRPC ${ports.grpcPort}`);
    nr = new NodeRed({ name: 'plugin-mosq', nodeFlags: opts.redFlags || [], profileDir: opts.profileDir || null });
    const pluginQos = opts.pluginQos === undefined ? QOS : opts.pluginQos;
    const start = (red, nodes) => {
      const { nodes: plain, creds } = splitCredentials(nodes);
      return red.start(plain, creds);
    };
    await start(nr, flow(ports, mqttPort, pluginQos));
    if (ab) {
      nrAb = new NodeRed({ name: 'plugin-mosq-ab', pluginDir: ab.dir, nodeFlags: opts.redFlags || [] });
      await start(nrAb, flow(ports, mqttPort, pluginQos, '-ab'));
    }
    const py = spawn('/usr/bin/python3', [path.join(BENCH, 'baseline_python.py'), opts.pythonGen(), String(ports.thriftPort), String(mqttPort), topicOf('python'), String(QOS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(py);
    const pyReady = new Promise((resolve, reject) => {
      py.stdout.on('data', (d) => /ready/.test(d.toString()) && resolve());
      py.once('exit', (c) => reject(new Error(`python replica exited ${c}`)));
    });
    const nb = fork(path.join(BENCH, 'baseline-node.js'), [String(ports.thriftPort), String(mqttPort), topicOf('node'), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(nb);
    const gb = fork(path.join(BENCH, 'baseline-grpc.js'), [String(ports.grpcPort), '--events', String(mqttPort), topicOf('grpc'), String(QOS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(gb);
    await Promise.all([pyReady, waitReady(nb, 'node baseline'), waitReady(gb, 'grpc baseline')]);
    const pids = { plugin: nr.pid, 'plugin-grpc': nr.pid, node: nb.pid, python: py.pid, grpc: gb.pid, 'plugin-ab': nrAb && nrAb.pid, 'plugin-grpc-ab': nrAb && nrAb.pid };
    const allPids = () => ownPids().concat([nr.pid], nrAb ? [nrAb.pid] : []);

    /** One repeat: n events on impl's topic at rate; latencies (ms) and the outside CPU over it. */
    const chunk = async (im, first, rate, n, drainMs = 5000, cycle = null) => {
      const m0 = machineBusySeconds();
      const o0 = allPids().reduce((t, p) => t + U.cpuSeconds(p), 0);
      const c0 = U.cpuSeconds(pids[im.key]);
      const f0 = U.minorFaults(pids[im.key]);
      const w0 = Date.now();
      const res = await new Promise((resolve) => {
        pub.once('message', resolve);
        pub.send({ cmd: 'publish', topic: topicOf(im.key), first, n, rate, cycle });
      });
      const want = res.sent.map(([k]) => prefixOf(k));
      const done = () => want.every((p) => arrivals.has(p));
      // Drain: until every route came, giving up 5 s after the last progress.
      let last = arrivals.size;
      let still = Date.now();
      while (!done()) {
        await U.sleep(20);
        if (arrivals.size !== last) {
          last = arrivals.size;
          still = Date.now();
        } else if (Date.now() - still > drainMs) break;
      }
      const wallMs = Date.now() - w0;
      const faults = U.minorFaults(pids[im.key]) - f0;
      const outsideMs = Math.max(0, (machineBusySeconds() - m0 - (allPids().reduce((t, p) => t + U.cpuSeconds(p), 0) - o0)) * 1000);
      const samples = [];
      let lost = 0;
      const spans = [];
      const sentArrivals = new Map();
      for (const [k, t] of res.sent) {
        const a = arrivals.get(prefixOf(k));
        if (a === undefined) lost++;
        else {
          samples.push(a - t);
          spans.push([t, a]);
          sentArrivals.set(k, a);
        }
        arrivals.delete(prefixOf(k));
      }
      const nrOf = im.key.endsWith('-ab') ? nrAb : nr;
      if (process.env.JET_BENCH_HOP_TRACE && im.key.startsWith('plugin')) {
        // Diagnostic: median time per stage, publish → event node's send → each node's receive → RIB.
        const hops = new Map((await nrOf.ask('hops-take')).hops);
        const stages = new Map();
        const add = (name, v) => (stages.has(name) ? stages.get(name).push(v) : stages.set(name, [v]));
        for (const [k, t] of res.sent) {
          const h = hops.get(k);
          const a = sentArrivals.get(k);
          if (!h || a === undefined) continue;
          let prev = ['publish', t];
          for (const x of h) {
            add(`${prev[0]}→${x[0]}`, x[1] - prev[1]);
            prev = x;
          }
          add(`${prev[0]}→RIB`, a - prev[1]);
        }
        const line = ([n, xs]) => {
          xs.sort((x, y) => x - y);
          return `${n} ${U.percentile(xs, 50).toFixed(3)}/${U.percentile(xs, 90).toFixed(3)}/${U.percentile(xs, 99).toFixed(2)}`;
        };
        log('  stages (p50 / p90 / p99 ms): ' + [...stages].map(line).join(', '));
      }
      if (GC_TRACE && im.key.startsWith('plugin')) {
        // Diagnostic: which slow events had one of Node-RED's GC pauses inside their span.
        const gcs = (await nrOf.ask('gc-take')).gcs;
        const slow = spans.filter(([t, a]) => a - t > GC_TRACE);
        const hit = slow.filter(([t, a]) => gcs.some(([s, d]) => s < a && s + d > t));
        const sum = gcs.reduce((x, g) => x + g[1], 0);
        const kinds = {};
        for (const g of gcs) kinds[g[2]] = (kinds[g[2]] || 0) + 1;
        log(`  gc: ${gcs.length} pauses (${JSON.stringify(kinds)}), ${sum.toFixed(1)} ms, max ${Math.max(0, ...gcs.map((g) => g[1])).toFixed(2)} ms; events > ${GC_TRACE} ms: ${slow.length}, ${hit.length} with a GC inside`);
      }
      return { samples, lost, faults, seconds: res.seconds, cpuS: U.cpuSeconds(pids[im.key]) - c0, outsideMs, wallMs, disturbed: outsideMs > DISTURBED_BASE_MS + DISTURBED_SHARE * wallMs, load: os.loadavg()[0] };
    };

    // Ready: one event gets through each implementation (Node-RED's router nodes log in and subscribe).
    for (const im of IMPLS_RUN) {
      for (let i = 0; ; i++) {
        const c = await chunk(im, BASE[im.key] + 150000 + i, 10, 1, 1000);
        if (c.samples.length === 1) break;
        if (i > 30) throw new Error(`${im.key}: no route for an event within 30 s`);
      }
    }
    log(`broker latency: warm-up (${opts.warmup} events at 200/s each)`);
    // Each implementation's events: numbered on, interface by interface over CYCLE interfaces
    // (rising, then falling, ...): every event a RouteAdd or a RouteDelete, state bounded.
    const next = Object.fromEntries(IMPLS_RUN.map((im) => [im.key, 0]));
    const cycled = (im, rate, n) => {
      const first = next[im.key];
      next[im.key] += n;
      return chunk(im, first, rate, n, 5000, { base: BASE[im.key], K: CYCLE });
    };
    for (const im of IMPLS_RUN) await cycled(im, 200, opts.warmup);
    const rows = [];
    const repeats = [];
    for (const { rate, chunk: n, repeats: R } of opts.rates) {
      const acc = Object.fromEntries(IMPLS_RUN.map((im) => [im.key, { kept: [], disturbed: [] }]));
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < IMPLS_RUN.length; j++) {
          const im = IMPLS_RUN[(j + r) % IMPLS_RUN.length];
          for (let attempt = 0; attempt < 4; attempt++) {
            const c = await cycled(im, rate, n);
            const s = U.summarize(c.samples);
            const late = c.samples.filter((x) => x > LATE_MS).length;
            const rec = { impl: im.key, rate, repeat: r + 1, attempt, ...s, late, lost: c.lost, n, outsideMs: c.outsideMs, wallMs: c.wallMs, disturbed: c.disturbed, load: c.load, cpuS: c.cpuS, samples: c.samples };
            repeats.push(rec);
            log(`broker latency: ${im.key} ${rate}/s repeat ${r + 1}${attempt ? ` (again, ${attempt})` : ''}: p50 ${U.fmtMs(s.p50)} p99 ${U.fmtMs(s.p99)} max ${U.fmtMs(s.max)} ms, > ${LATE_MS} ms: ${late}, lost ${c.lost}, page faults/event ${(c.faults / n).toFixed(1)}, outside CPU ${Math.round(c.outsideMs)} ms over ${c.wallMs} ms${c.disturbed ? ' DISTURBED' : ''}, load ${c.load.toFixed(1)}`);
            // The last attempt of a repeat counts (undisturbed, or still disturbed after 3 reruns: flagged).
            if (!c.disturbed || attempt === 3) {
              acc[im.key].kept.push(rec);
              break;
            }
            acc[im.key].disturbed.push(rec);
            await U.sleep(200);
          }
          await U.sleep(200);
        }
      }
      for (const im of IMPLS_RUN) {
        const a = acc[im.key];
        // Every repeat: its undisturbed run (or its last attempt, flagged, when all were disturbed).
        const used = a.kept;
        const all = used.flatMap((x) => x.samples);
        const s = U.summarize(all);
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
    return { rows, repeats, meta: { ...meta, qos: QOS, pluginQos, lateMs: LATE_MS, nodeRed: nr.pid, ab: ab && ab.label } };
  } finally {
    if (nr) await nr.stop().catch(() => undefined);
    if (nrAb) await nrAb.stop().catch(() => undefined);
    if (nrAb) nrAb.remove();
    await cleanup();
    if (nr) nr.remove();
  }
}

module.exports = { brokerLatency, LATE_MS, QOS, IMPLS };
