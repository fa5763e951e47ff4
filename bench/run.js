#!/usr/bin/env node
'use strict';
/*
 * `npm run bench`: measures the plugin in a real Node-RED 4 process against baselines, in one run,
 * everything on 127.0.0.1, and writes BENCHMARKS.md.
 *
 *   node bench/run.js [--quick] [--only latency,throughput,idle,leaks] [--profile] [--logs]
 *                     [--nagle] [--red-flags "--trace-gc ..."] [--repeats N] [--plugin-qos 0|1|2] [--out FILE]
 *
 *   node bench/run.js --only broker --out /tmp/b.md   # latency behind Mosquitto alone, about 4 minutes
 *
 *   node bench/run.js --only throughput --out /tmp/tp.md   # the throughput section alone, about a minute
 *
 *  1. event → route latency (publish of a rising RMON event → its RouteAdd in the simulator's
 *     route handler) at 1, 100 and 1000 events/s: the plugin (the sample flow's chain in Node-RED)
 *     vs (a) a minimal mqtt.js + npm thrift app and (b) a Python replica of the original app;
 *  2. route programming throughput: 10,000 prefixes in one message and in 10,000 messages through
 *     jet-route-add vs the baseline client awaiting each RouteAdd and pipelining them, on a Thrift
 *     router node and on a gRPC one (api 'grpc'); the gRPC baseline is a bare @grpc/grpc-js client
 *     (bench/baseline-grpc.js) sending RouteAdd in requests of 1,000 routes;
 *  3. idle cost: CPU % and RSS with the sample flow deployed and connected, next to Node-RED alone
 *     and the two baselines, measured in the same window;
 *  4. leaks: memory after a full GC and active handles before/after 100,000 events and after 50
 *     full redeploys (and the same redeploys of Node-RED alone).
 *
 * The simulated router (dist/sim: Thrift and gRPC servers, embedded aedes MQTT broker) and the publisher (an
 * MQTT.js client) run in this process; every implementation under test is a child process, and all
 * of them stay connected for the whole run, each on its own topic, so that the measurements of the
 * three can be interleaved in rounds (slow changes in the machine's load then hit all three alike).
 *
 * --profile  starts the plugin's Node-RED (and the Node baseline) with --cpu-prof; the profiles are
 *            written when they stop (summarize with bench/profile-summary.js)
 * --logs     writes the Node-RED logs to the temp directory
 * --nagle    leaves Nagle's algorithm on in the broker and the publisher (see the report)
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, fork, execFileSync } = require('child_process');
const { performance } = require('perf_hooks');
const mqtt = require('mqtt');

const U = require('./lib/util');
const { NodeRed, ROOT, spawned } = require('./lib/nodered');
const { prefixOf, rmonPayload, cycledEvent } = require('./lib/events');
const { sampleFlow, coreOnly, benchFlow, benchTopic, splitCredentials } = require('./lib/flows');
const { JetSimulator, RMON_TOPIC } = require(path.join(ROOT, 'dist', 'sim'));
const { brokerLatency, LATE_MS } = require('./lib/broker-latency');

// ------------------------------------------------------------------ options and sizes

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
if (flag('--help') || flag('-h')) {
  console.log('node bench/run.js [--quick] [--only latency,throughput,idle,leaks] [--profile] [--logs] [--nagle] [--red-flags "--node-flag ..."] [--repeats N] [--dump FILE] [--out FILE]');
  process.exit(0);
}
const QUICK = flag('--quick');
const NODELAY = !flag('--nagle');
const ONLY = new Set(value('--only', 'broker,latency,throughput,idle,leaks').split(','));
const PROFILE_DIR = flag('--profile') ? path.join(os.tmpdir(), `jet-bench-profiles-${Date.now()}`) : null;
const OUT = path.resolve(value('--out', path.join(ROOT, 'BENCHMARKS.md')));
/** --repeats N: rounds of the throughput section (default 3, 1 with --quick). */
const REPEATS = Number(value('--repeats', '0')) || 0;
/** --dump FILE: every latency sample as [implementation, rate, publish time (epoch ms), latency ms]. */
const DUMP = value('--dump', '') ? [] : null;

// Latency: per rate, `rounds` chunks of `chunk` events for each implementation, in rotating order.
const SIZES = QUICK
  ? {
      warmup: 200,
      rates: [
        { rate: 1, chunk: 5, rounds: 1 },
        { rate: 100, chunk: 150, rounds: 2 },
        { rate: 1000, chunk: 1000, rounds: 2 },
      ],
      broker: [
        { rate: 100, chunk: 50, repeats: 6 },
        { rate: 500, chunk: 250, repeats: 6 },
      ],
      routes: 10000,
      throughputRounds: 1,
      idleSeconds: 30,
      leakEvents: 20000,
      redeploys: 10,
    }
  : {
      warmup: 200,
      rates: [
        { rate: 1, chunk: 5, rounds: 2 },
        { rate: 100, chunk: 200, rounds: 5 },
        { rate: 1000, chunk: 1000, rounds: 5 },
      ],
      // Short repeats (0.5 s), many of them, implementations in rotating order: each one meets the
      // machine's slow and fast spells alike (they last seconds on this shared VM).
      broker: [
        { rate: 100, chunk: 50, repeats: 20 },
        { rate: 500, chunk: 250, repeats: 16 },
      ],
      routes: 10000,
      throughputRounds: 3,
      idleSeconds: 60,
      leakEvents: 100000,
      redeploys: 50,
    };
if (REPEATS > 0) SIZES.throughputRounds = REPEATS;
const LEAK_INTERFACES = 100;
const LEAK_WINDOW = 100;
const LEAK_KEYS = 30000;
const IDLE_SETTLE_S = 25;
const IDLE_SLICE_S = 10;

// ifIndex ranges (prefix 10.x.y.z/32 = ifIndex, so every event of the run has its own route)
const BASE = { python: 1 << 20, node: 2 << 20, plugin: 3 << 20, leak: 5 << 20 };
const PHASE_OFFSET = (phase) => phase * 100000; // 0 = warm-up, 1.. = the rates
const IMPLS = [
  { key: 'plugin', label: 'plugin in Node-RED (sample flow chain)' },
  { key: 'node', label: 'baseline (a): mqtt.js + npm thrift' },
  { key: 'python', label: 'baseline (b): Python replica (paho + Apache Thrift)' },
];

const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);
const started = Date.now();
const LOAD_START = os.loadavg()[0];
const children = [];

// ------------------------------------------------------------------ environment

function versions() {
  const pkgVersion = (name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return 'n/a';
    }
  };
  const run = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
    } catch {
      return 'n/a';
    }
  };
  const py = '/usr/bin/python3';
  return {
    node: process.version,
    nodeRed: pkgVersion('node-red'),
    thrift: pkgVersion('thrift'),
    grpcJs: pkgVersion('@grpc/grpc-js'),
    protoLoader: pkgVersion('@grpc/proto-loader'),
    mqtt: pkgVersion('mqtt'),
    aedes: pkgVersion('aedes'),
    python: run(py, ['-c', 'import platform; print(platform.python_version())']),
    paho: run(py, ['-c', 'import paho.mqtt; print(paho.mqtt.__version__)']),
    pythonThrift: run('dpkg-query', ['-W', '-f=${Version}', 'python3-thrift']),
    thriftCompiler: run('thrift', ['--version']).replace(/^Thrift version /, ''),
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    model: (cpus[0] && cpus[0].model.trim()) || 'n/a',
    mhz: cpus[0] ? cpus[0].speed : 0,
    memory: `${(os.totalmem() / 1073741824).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

// ------------------------------------------------------------------ simulator side

let sim;
let publisher;
let ribChanges = 0;
/** prefix → publish time (ms, performance.now()) of events waiting for their route call. */
const pending = new Map();
let onArrival = null;

async function startSim() {
  sim = await JetSimulator.start({ host: '127.0.0.1', sampling: false });
  if (NODELAY) {
    // Nagle off on the broker's client sockets (aedes and MQTT.js leave it on): see the report.
    sim.broker.server.on('connection', (socket) => socket.setNoDelay(true));
  }
  // The measuring point: inside the simulator's RouteAdd / RouteDelete handler (the RIB change).
  sim.rib.on('change', (c) => {
    const t = pending.get(c.entry.prefix);
    if (t === undefined) return;
    pending.delete(c.entry.prefix);
    if (onArrival) onArrival(performance.now() - t, c);
  });
  publisher = mqtt.connect(`mqtt://127.0.0.1:${sim.mqttPort}`, { clientId: 'bench-publisher', clean: true, protocolVersion: 4 });
  await new Promise((resolve, reject) => {
    publisher.once('connect', resolve);
    publisher.once('error', reject);
  });
  if (NODELAY) publisher.stream.setNoDelay(true);
  // Routes the RIB changed (add, modify, delete), counted for the throughput rows.
  sim.rib.on('change', () => ribChanges++);
  log(`simulator: Thrift ${sim.thriftPort}, gRPC ${sim.grpcPort}, MQTT (aedes) ${sim.mqttPort}, HTTP ${sim.httpPort}${NODELAY ? '' : ' (Nagle on)'}`);
}

function publishEvent(topic, ifIndex, direction = 'rising') {
  const payload = rmonPayload(ifIndex, direction);
  pending.set(prefixOf(ifIndex), performance.now());
  publisher.publish(topic, payload, { qos: 0 });
}

/** Calls fire(i) for i < n at `rate` per second (by absolute schedule, several per timer tick when due). */
function paced(n, rate, fire) {
  return new Promise((resolve) => {
    const interval = 1000 / rate;
    const t0 = performance.now();
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < n && t0 + i * interval <= now) fire(i++);
      if (i >= n) {
        resolve((performance.now() - t0) / 1000);
        return;
      }
      setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
    };
    tick();
  });
}

/** Publishes n rising events (ifIndex first..first+n-1) on `topic` at `rate`; latencies of their RouteAdds. */
async function latencyChunk(topic, first, rate, n, pid) {
  const samples = [];
  const cpu0 = pid ? U.cpuSeconds(pid) : 0;
  const self0 = process.cpuUsage();
  onArrival = (ms) => {
    samples.push(ms);
    if (DUMP) DUMP.push([topic.split('/')[2], rate, Math.round(performance.timeOrigin + performance.now() - ms), +ms.toFixed(3)]);
  };
  const seconds = await paced(n, rate, (i) => publishEvent(topic, first + i, 'rising'));
  // Drain: wait for the rest, giving up after 5 s without progress.
  let last = samples.length;
  let still = Date.now();
  while (samples.length < n) {
    await U.sleep(20);
    if (samples.length !== last) {
      last = samples.length;
      still = Date.now();
    } else if (Date.now() - still > 5000) break;
  }
  onArrival = null;
  for (let i = 0; i < n; i++) pending.delete(prefixOf(first + i));
  const self = process.cpuUsage(self0);
  return { samples, lost: n - samples.length, seconds, cpuS: pid ? U.cpuSeconds(pid) - cpu0 : NaN, benchCpuS: (self.user + self.system) / 1e6 };
}

async function latencySection(impls) {
  for (const im of impls) {
    log(`latency: warm-up of ${im.key} (${SIZES.warmup} events at 200/s)`);
    await latencyChunk(im.topic, BASE[im.key] + PHASE_OFFSET(0), 200, SIZES.warmup, im.pid);
    await U.sleep(300);
  }
  for (const [k, { rate, chunk, rounds }] of SIZES.rates.entries()) {
    const acc = Object.fromEntries(impls.map((im) => [im.key, { samples: [], lost: 0, n: 0, seconds: 0, cpuS: 0, benchCpuS: 0, loads: [] }]));
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < impls.length; j++) {
        const im = impls[(j + r) % impls.length]; // rotate the order every round
        const first = BASE[im.key] + PHASE_OFFSET(k + 1) + r * chunk;
        const c = await latencyChunk(im.topic, first, rate, chunk, im.pid);
        const a = acc[im.key];
        a.samples.push(...c.samples);
        a.lost += c.lost;
        a.n += chunk;
        a.seconds += c.seconds;
        a.cpuS += c.cpuS;
        a.benchCpuS += c.benchCpuS;
        a.loads.push(os.loadavg()[0]);
        await U.sleep(rate >= 100 ? 300 : 0);
      }
    }
    for (const im of impls) {
      const a = acc[im.key];
      const s = U.summarize(a.samples);
      const row = { rate, n: a.n, achieved: a.n / a.seconds, lost: a.lost, cpuUs: (a.cpuS * 1e6) / a.n, benchCpuUs: (a.benchCpuS * 1e6) / a.n, load: Math.max(...a.loads), ...s };
      (results.latency[im.key] = results.latency[im.key] || []).push(row);
      log(
        `latency: ${im.key} ${rate}/s × ${a.n}: p50 ${U.fmtMs(s.p50)} ms, p99 ${U.fmtMs(s.p99)} ms, max ${U.fmtMs(s.max)} ms, ` +
          `CPU ${row.cpuUs.toFixed(0)} µs/event (bench process ${row.benchCpuUs.toFixed(0)})${a.lost ? `, ${a.lost} LOST` : ''}, load ≤ ${row.load.toFixed(1)}`,
      );
    }
  }
}

// ------------------------------------------------------------------ implementations under test

let pyGenDir = '';
function pythonGen() {
  if (!pyGenDir) {
    pyGenDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-bench-py-'));
    execFileSync('thrift', ['--gen', 'py', '-out', pyGenDir, path.join(ROOT, 'idl', 'jet.thrift')]);
  }
  return pyGenDir;
}

function startPython(topic) {
  const proc = spawn('/usr/bin/python3', [path.join(__dirname, 'baseline_python.py'), pythonGen(), String(sim.thriftPort), String(sim.mqttPort), topic], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let err = '';
  proc.stderr.on('data', (d) => {
    err += d.toString();
    if (err.length > 1e5) err = err.slice(-5e4);
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`python replica not ready within 20 s: ${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      if (/ready/.test(d.toString())) {
        clearTimeout(t);
        resolve(proc);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`python replica exited (${code}): ${err}`));
    });
  });
}

function startNodeBaseline(topic) {
  const execArgv = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'node-baseline.cpuprofile'] : [];
  const proc = fork(path.join(__dirname, 'baseline-node.js'), [String(sim.thriftPort), String(sim.mqttPort), topic], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('node baseline not ready within 20 s')), 20000);
    proc.once('message', (m) => {
      clearTimeout(t);
      if (m && m.ready) resolve(proc);
      else reject(new Error(`node baseline: ${JSON.stringify(m)}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`node baseline exited (${code})`));
    });
  });
}

function startGrpcBaseline() {
  const execArgv = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'grpc-baseline.cpuprofile'] : [];
  const proc = fork(path.join(__dirname, 'baseline-grpc.js'), [String(sim.grpcPort)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('grpc baseline not ready within 20 s')), 20000);
    proc.once('message', (m) => {
      clearTimeout(t);
      if (m && m.ready) resolve(proc);
      else reject(new Error(`grpc baseline: ${JSON.stringify(m)}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`grpc baseline exited (${code})`));
    });
  });
}

function ask(proc, msg) {
  return new Promise((resolve) => {
    proc.once('message', resolve);
    proc.send(msg);
  });
}

async function stopChild(proc, signal = 'SIGTERM') {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

/** Resolves once the simulator saw a login and a subscription to `topic` after this call (a deployed router connected). */
function routerConnected(topic, timeoutMs = 15000) {
  // A login on either server: the sample flow's router may speak Thrift or gRPC.
  const loginCount = () => sim.thrift.counters.logins + sim.grpc.counters.logins;
  const logins = loginCount();
  let subscribed = false;
  const onSub = (topics) => {
    if (topics.includes(topic)) subscribed = true;
  };
  sim.broker.on('subscribe', onSub);
  return U.until(() => loginCount() > logins && subscribed, 'the router node to log in and subscribe', timeoutMs, 5).finally(() =>
    sim.broker.off('subscribe', onSub),
  );
}

// ------------------------------------------------------------------ sections

const results = { broker: null, latency: {}, throughput: {}, idle: null, leaks: {} };

async function idleSection(plugin, core, nb, py) {
  const procs = [
    { key: 'plugin', label: 'Node-RED + plugin, sample flow deployed and connected', pid: plugin.pid },
    { key: 'core', label: 'Node-RED alone, sample flow without the jet-* nodes', pid: core.pid },
    { key: 'node', label: 'baseline (a): mqtt.js + npm thrift, connected', pid: nb.pid },
    { key: 'python', label: 'baseline (b): Python replica (paho loop_forever), connected', pid: py.pid },
  ];
  // Settle: startup work done, then one full GC in both Node-RED processes and time for V8's
  // memory reducer, which follows a full GC with a few more within ~15 s (a one-off of about
  // 0.2 s CPU that would otherwise land in the window at a random time after startup).
  log(`idle: settling (${5 + IDLE_SETTLE_S} s)`);
  await U.sleep(5000);
  await Promise.all([plugin.probe(true), core.probe(true)]);
  await U.sleep(IDLE_SETTLE_S * 1000);
  const cpu0 = procs.map((p) => U.cpuSeconds(p.pid));
  const t0 = performance.now();
  const slices = procs.map(() => []);
  log(`idle: measuring ${SIZES.idleSeconds} s`);
  let last = cpu0.slice();
  for (let left = SIZES.idleSeconds; left > 0; left -= IDLE_SLICE_S) {
    await U.sleep(Math.min(left, IDLE_SLICE_S) * 1000);
    const now = procs.map((p) => U.cpuSeconds(p.pid));
    now.forEach((c, i) => slices[i].push(Math.round((c - last[i]) * 1000)));
    last = now;
  }
  const wall = (performance.now() - t0) / 1000;
  results.idle = {
    seconds: wall,
    rows: procs.map((p, i) => {
      const cpu = last[i] - cpu0[i];
      return { ...p, cpuSeconds: cpu, cpuPercent: (cpu / wall) * 100, rss: U.rssBytes(p.pid), slices: slices[i] };
    }),
  };
  for (const r of results.idle.rows) log(`idle: ${r.key}: ${r.cpuPercent.toFixed(3)} % CPU, RSS ${U.fmtMiB(r.rss)} MiB`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/** Busy CPU time of the whole machine (all cores, steal included) in seconds, from /proc/stat. */
function machineBusySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
  return { busy: busy / U.ticksPerSecond(), steal: (f[7] || 0) / U.ticksPerSecond() };
}

/**
 * A repeat is marked disturbed when CPU time not spent by the bench's own processes (the bench
 * with the simulator, Node-RED, the baselines) was used on the machine during it: more than
 * DISTURBED_BASE_MS plus DISTURBED_SHARE of one core over the repeat's wall time (steal included;
 * /proc counts in 10 ms ticks per process, hence the base). The load average is shown as before.
 */
const DISTURBED_BASE_MS = 60;
const DISTURBED_SHARE = 0.2;

async function throughputSection(plugin, nb, gb) {
  const N = SIZES.routes;
  const ours = [process.pid, plugin.pid, nb.pid, gb.pid];
  const ourCpu = () => ours.reduce((t, pid) => t + U.cpuSeconds(pid), 0);
  /** Runs fn() and adds the outside CPU (machine busy minus the bench's processes) over it. */
  const watched = async (fn) => {
    const m0 = machineBusySeconds();
    const o0 = ourCpu();
    const t0 = performance.now();
    const x = await fn();
    const wallMs = performance.now() - t0;
    const m1 = machineBusySeconds();
    const outsideMs = Math.max(0, (m1.busy - m0.busy - (ourCpu() - o0)) * 1000);
    const stealMs = (m1.steal - m0.steal) * 1000;
    return { ...x, wallMs, outsideMs, stealMs, disturbed: outsideMs > DISTURBED_BASE_MS + DISTURBED_SHARE * wallMs, load: os.loadavg()[0] };
  };
  const counters = (api) => (api === 'grpc' ? sim.grpc.counters : sim.thrift.counters);
  /** One generator run in Node-RED (see lib/flows.js) on the Thrift or the gRPC router node; Node-RED's CPU over it from /proc. */
  const viaFlow = (op, mode, n, octet, api = 'thrift') =>
    watched(async () => {
      const counter = op === 'delete' ? 'RouteDelete' : 'RouteAdd';
      const before = counters(api).calls[counter] || 0;
      const rib0 = ribChanges;
      const cpu0 = U.cpuSeconds(plugin.pid);
      const res = await plugin.post(api === 'grpc' ? '/bench/routes-grpc' : '/bench/routes', { op, mode, n, start: 0, octet }, 180000);
      const cpuMs = (U.cpuSeconds(plugin.pid) - cpu0) * 1000;
      if (res.status !== 200 || !res.json) throw new Error(`POST /bench/routes: ${res.status} ${res.text}`);
      const calls = (counters(api).calls[counter] || 0) - before;
      const st = res.json.statuses || {};
      return { elapsedMs: res.json.elapsedMs, cpuMs, calls, rib: ribChanges - rib0, ok: (op === 'add' ? st.added : op === 'delete' ? st.deleted : 0) || 0, statuses: st };
    });
  const viaBaseline = (mode, n, octet) =>
    watched(async () => {
      const before = sim.thrift.counters.calls.RouteAdd || 0;
      const rib0 = ribChanges;
      const cpu0 = U.cpuSeconds(nb.pid);
      const r = await ask(nb, { cmd: 'throughput', mode, n, start: 0, octet });
      const cpuMs = (U.cpuSeconds(nb.pid) - cpu0) * 1000;
      return { elapsedMs: r.elapsedMs, cpuMs, calls: (sim.thrift.counters.calls.RouteAdd || 0) - before, rib: ribChanges - rib0, ok: r.statuses['0'] || 0, statuses: r.statuses };
    });
  /** The bare grpc-js client: RouteAdd of n routes in requests of 1,000, then RouteDelete of them (timed apart). */
  const viaGrpcBaseline = (mode, n, octet) =>
    watched(async () => {
      const before = sim.grpc.counters.calls.RouteAdd || 0;
      const rib0 = ribChanges;
      const cpu0 = U.cpuSeconds(gb.pid);
      const r = await ask(gb, { cmd: 'throughput', mode, n, start: 0, octet });
      if (r.error) throw new Error(`grpc baseline: ${r.error}`);
      const cpuMs = (U.cpuSeconds(gb.pid) - cpu0) * 1000;
      return {
        elapsedMs: r.elapsedMs,
        deleteMs: r.deleteMs,
        cpuMs,
        calls: (sim.grpc.counters.calls.RouteAdd || 0) - before,
        rib: (ribChanges - rib0) / 2, // the adds (the deletes that follow change as many)
        ok: r.statuses.SUCCESS || 0,
        statuses: r.statuses,
        deleteStatuses: r.deleteStatuses,
      };
    });
  log('throughput: warm-up');
  for (const api of ['thrift', 'grpc']) {
    await viaFlow('add', 'one', 2000, 25, api);
    await viaFlow('delete', 'many', 2000, 25, api);
    await viaFlow('add', 'many', 2000, 25, api);
    await viaFlow('delete', 'one', 2000, 25, api);
  }
  await viaFlow('none', 'many', 2000, 0);
  await viaBaseline('pipe', 2000, 26);
  await viaBaseline('seq', 2000, 27);
  await viaGrpcBaseline('pipe', 2000, 28);
  await viaGrpcBaseline('seq', 2000, 29);
  // Each round: every kind once, in rotating order; the plugin's routes are deleted again after
  // each add run (that delete is measured too) so that its desired state does not grow.
  const kinds = [
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
  const deleteAfter = {
    'plugin-one': ['plugin-delete-one', (r) => viaFlow('delete', 'one', N, 40 + r)],
    'plugin-many': ['plugin-delete-one', (r) => viaFlow('delete', 'one', N, 50 + r)],
    'grpc-one': ['grpc-delete-one', (r) => viaFlow('delete', 'one', N, 80 + r, 'grpc')],
    'grpc-many': ['grpc-delete-one', (r) => viaFlow('delete', 'one', N, 90 + r, 'grpc')],
  };
  const runs = {};
  const push = (key, x) => (runs[key] = runs[key] || []).push(x);
  for (let r = 0; r < SIZES.throughputRounds; r++) {
    for (let j = 0; j < kinds.length; j++) {
      const [key, fn] = kinds[(j + r) % kinds.length];
      await U.sleep(300);
      const x = await fn(r);
      push(key, x);
      log(
        `throughput: round ${r + 1}: ${key}: ${U.fmtInt(x.elapsedMs)} ms${key === 'harness-many' ? '' : ` = ${U.fmtInt((N / x.elapsedMs) * 1000)} routes/s`}, ` +
          `CPU ${U.fmtInt(x.cpuMs)} ms, ${JSON.stringify(x.statuses)}, calls ${x.calls}, RIB changes ${x.rib}, ` +
          `outside CPU ${U.fmtInt(x.outsideMs)} ms (steal ${U.fmtInt(x.stealMs)}) over ${U.fmtInt(x.wallMs)} ms${x.disturbed ? ' DISTURBED' : ''}, load ${x.load.toFixed(1)}`,
      );
      if (x.deleteMs !== undefined) {
        push(`${key}-delete`, { ...x, elapsedMs: x.deleteMs, cpuMs: NaN, calls: NaN, ok: x.deleteStatuses.SUCCESS || 0, statuses: x.deleteStatuses });
        log(`throughput: round ${r + 1}: ${key}-delete: ${U.fmtInt(x.deleteMs)} ms = ${U.fmtInt((N / x.deleteMs) * 1000)} routes/s, ${JSON.stringify(x.deleteStatuses)}`);
      }
      if (deleteAfter[key]) {
        await U.sleep(300);
        const [dkey, dfn] = deleteAfter[key];
        push(dkey, await dfn(r));
      }
    }
  }
  for (const [key, xs] of Object.entries(runs)) {
    results.throughput[key] = {
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
}

function stats(m, pid) {
  return { heapUsed: m.mem.heapUsed, rss: m.mem.rss, vmRss: U.rssBytes(pid), handles: m.handles, resources: m.resources };
}

/**
 * Publishes `count` events through the plugin, at most LEAK_WINDOW in flight: event j is about
 * interface first + j % K, rising in even rounds of K, falling in odd ones, so that every event is
 * a transition (a RouteAdd or a RouteDelete) and an even number of rounds ends with every route deleted.
 */
async function leakBurst(plugin, count, label, K, first = BASE.leak, direction = null) {
  const topic = benchTopic('plugin');
  let published = 0;
  let done = 0;
  let last = performance.now();
  const t0 = performance.now();
  const cpu0 = U.cpuSeconds(plugin.pid);
  await new Promise((resolve) => {
    const pump = () => {
      while (published < count && published - done < LEAK_WINDOW) {
        const e = cycledEvent(published++, K, first);
        publishEvent(topic, e.ifIndex, direction || e.direction);
      }
    };
    const stall = setInterval(() => {
      if (performance.now() - last > 10000) {
        clearInterval(stall);
        log(`leaks: ${label}: stalled at ${done} of ${count}`);
        resolve();
      }
    }, 1000);
    onArrival = () => {
      done++;
      last = performance.now();
      if (done >= count) {
        clearInterval(stall);
        resolve();
      } else setImmediate(pump);
    };
    pump();
  });
  onArrival = null;
  pending.clear();
  return { count, done, seconds: (performance.now() - t0) / 1000, cpuS: U.cpuSeconds(plugin.pid) - cpu0 };
}

async function leakEvents(plugin) {
  const K = LEAK_INTERFACES;
  await plugin.post('/bench/reset', {});
  log(`leaks: events: warm-up (${20 * K} events)`);
  await leakBurst(plugin, 20 * K, 'warm-up', K);
  await U.sleep(1000);
  const before = stats(await plugin.probe(true), plugin.pid);
  log(`leaks: events: ${U.fmtInt(SIZES.leakEvents)} events over ${K} interfaces, at most ${LEAK_WINDOW} in flight`);
  const run = await leakBurst(plugin, SIZES.leakEvents, 'events', K);
  await U.sleep(2000);
  const after = stats(await plugin.probe(true), plugin.pid);
  results.leaks.events = { ...run, before, after };
  log(`leaks: events: ${run.done}/${run.count} in ${run.seconds.toFixed(1)} s; heap ${U.fmtMiB(before.heapUsed)} → ${U.fmtMiB(after.heapUsed)} MiB, handles ${before.handles} → ${after.handles}`);
}

/**
 * State that grows with the number of prefixes and keys: LEAK_KEYS interfaces, each its own
 * prefix and its own jet-threshold key, more keys than the threshold's maxKeys (default 10,000).
 * A rising round adds LEAK_KEYS routes (the router node's desired set holds them all: that is its
 * job), a falling round deletes them all; then the threshold is reset. Heap after a full GC before,
 * at the peak, after the deletes and after the reset.
 */
async function leakKeys(plugin) {
  const K = LEAK_KEYS;
  const first = BASE.leak + 1000000;
  await plugin.post('/bench/reset', {});
  await U.sleep(500);
  const before = stats(await plugin.probe(true), plugin.pid);
  log(`leaks: keys: ${U.fmtInt(K)} prefixes and threshold keys, rising`);
  const up = await leakBurst(plugin, K, 'keys rising', K, first, 'rising');
  await U.sleep(1000);
  const peak = stats(await plugin.probe(true), plugin.pid);
  log(`leaks: keys: ${U.fmtInt(K)} falling`);
  const down = await leakBurst(plugin, K, 'keys falling', K, first, 'falling');
  await U.sleep(1000);
  const deleted = stats(await plugin.probe(true), plugin.pid);
  await plugin.post('/bench/reset', {});
  await U.sleep(1000);
  const reset = stats(await plugin.probe(true), plugin.pid);
  results.leaks.keys = { keys: K, done: up.done + down.done, count: 2 * K, seconds: up.seconds + down.seconds, before, peak, deleted, reset };
  log(`leaks: keys: heap ${U.fmtMiB(before.heapUsed)} → peak ${U.fmtMiB(peak.heapUsed)} → deleted ${U.fmtMiB(deleted.heapUsed)} → reset ${U.fmtMiB(reset.heapUsed)} MiB`);
}

async function redeploys(nr, flow, count, waitTopic) {
  const once = async () => {
    const connected = waitTopic ? routerConnected(waitTopic) : null;
    await nr.deploy(flow);
    if (connected) await connected;
  };
  for (let i = 0; i < 3; i++) await once(); // warm-up
  await U.sleep(1000);
  const before = stats(await nr.probe(true), nr.pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await once();
  const seconds = (performance.now() - t0) / 1000;
  await U.sleep(2000);
  const after = stats(await nr.probe(true), nr.pid);
  return { count, seconds, before, after };
}

// ------------------------------------------------------------------ report

function target(pass, text) {
  return `${pass ? 'PASS' : 'MISS'}: ${text}`;
}

/** The latency section behind Mosquitto (bench/lib/broker-latency.js): one row per API, rate and implementation. */
function brokerTable() {
  const B = results.broker;
  if (!B) return null;
  const head = ['API', 'events/s', 'implementation', 'events', 'p50 ms', 'p99 ms', 'max ms', `> ${LATE_MS} ms`, 'lost', 'repeats: p99 of each (min–median–max), late events by repeat', 'disturbed repeats (run again): how many, their p99 (min–max), late', 'CPU µs/event', 'load ≤'];
  const rep = (xs) => {
    if (xs.length === 0) return '';
    const p99s = xs.map((x) => x.p99).sort((a, b) => a - b);
    const late = xs.filter((x) => x.late > 0).map((x) => x.late);
    const still = xs.filter((x) => x.disturbed).length;
    return `${xs.length}: ${U.fmtMs(p99s[0])}–${U.fmtMs(p99s[Math.floor((p99s.length - 1) / 2)])}–${U.fmtMs(p99s[p99s.length - 1])}; late: ${late.length ? late.join(' + ') : 'none'}${still ? `; ${still} still disturbed after 3 reruns` : ''}`;
  };
  const rows = B.rows.map((r) => [r.api, r.rate, r.label, U.fmtInt(r.events), U.fmtMs(r.p50), U.fmtMs(r.p99), U.fmtMs(r.max), r.late, r.lost, rep(r.repeats), rep(r.disturbed) || '–', U.fmtInt(r.cpuUs), r.load.toFixed(1)]);
  const verdicts = [];
  const get = (impl, rate) => B.rows.find((r) => r.impl === impl && r.rate === rate);
  for (const rate of [...new Set(B.rows.map((r) => r.rate))]) {
    for (const [plugin, bare, api] of [['plugin', 'node', 'Thrift'], ['plugin-grpc', 'grpc', 'gRPC']]) {
      const p = get(plugin, rate);
      const b = get(bare, rate);
      if (!p || !b) continue;
      verdicts.push(target(p.p99 <= 1.5 * b.p99, `${api} ${rate}/s: plugin p99 ${U.fmtMs(p.p99)} ms ≤ 1.5 × bare p99 ${U.fmtMs(b.p99)} ms (${(p.p99 / b.p99).toFixed(2)}×)`));
      verdicts.push(target(p.p50 <= 1.5 * b.p50, `${api} ${rate}/s: plugin p50 ${U.fmtMs(p.p50)} ms ≤ 1.5 × bare p50 ${U.fmtMs(b.p50)} ms (${(p.p50 / b.p50).toFixed(2)}×)`));
      if (api === 'Thrift') {
        const y = get('python', rate);
        if (y) verdicts.push(target(p.p99 <= y.p99, `${api} ${rate}/s: plugin p99 ${U.fmtMs(p.p99)} ms ≤ Python replica p99 ${U.fmtMs(y.p99)} ms (${(p.p99 / y.p99).toFixed(2)}×)`));
      }
      verdicts.push(target(p.late * 1000 < p.events, `${api} ${rate}/s: plugin events later than ${LATE_MS} ms: ${p.late} of ${U.fmtInt(p.events)} < 1 in 1,000 (bare: ${b.late})`));
      verdicts.push(target(p.lost === 0, `${api} ${rate}/s: plugin lost ${p.lost}`));
    }
  }
  if (B.meta.ab) {
    for (const rate of [...new Set(B.rows.map((r) => r.rate))]) {
      for (const [plugin, api] of [['plugin', 'Thrift'], ['plugin-grpc', 'gRPC']]) {
        const p = get(plugin, rate);
        const a = get(`${plugin}-ab`, rate);
        if (p && a) verdicts.push(`(A/B) ${api} ${rate}/s: this tree p50 ${U.fmtMs(p.p50)} / p99 ${U.fmtMs(p.p99)} / late ${p.late}; ${B.meta.ab}: p50 ${U.fmtMs(a.p50)} / p99 ${U.fmtMs(a.p99)} / late ${a.late}`);
      }
    }
  }
  const disturbed = B.repeats.filter((x) => x.disturbed).length;
  verdicts.push(`(reference) repeats disturbed by outside load and run again: ${disturbed} of ${B.repeats.length}; ${B.meta.mosquitto}, \`mosquitto -p ${B.meta.mqttPort}\` (no configuration file), QoS ${B.meta.qos} everywhere${B.meta.pluginQos !== B.meta.qos ? ` except the plugin's event nodes: QoS ${B.meta.pluginQos} (--plugin-qos)` : ''}`);
  return { head, rows, verdicts };
}

function latencyTable() {
  const L = results.latency;
  const impls = IMPLS.filter(({ key }) => L[key]);
  const head = ['events/s', 'implementation', 'events', 'achieved/s', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'CPU µs/event', 'load ≤'];
  const rows = [];
  const verdicts = [];
  SIZES.rates.forEach(({ rate }, i) => {
    for (const { key, label } of impls) {
      const r = L[key][i];
      rows.push([rate, label, r.n, r.achieved.toFixed(rate < 10 ? 2 : 0), U.fmtMs(r.p50), U.fmtMs(r.p99), U.fmtMs(r.max), r.lost, rate < 1000 ? '–' : U.fmtInt(r.cpuUs), r.load.toFixed(1)]);
    }
    if (L.plugin && L.node) {
      const p = L.plugin[i];
      const n = L.node[i];
      const ratio = p.p99 / n.p99;
      verdicts.push(target(ratio <= 1.5 && p.lost === 0, `${rate}/s: plugin p99 ${U.fmtMs(p.p99)} ms ≤ 1.5 × Node baseline p99 ${U.fmtMs(n.p99)} ms (${ratio.toFixed(2)}×)${p.lost ? `; ${p.lost} lost` : ''}`));
    }
    if (L.plugin && L.python) {
      const p = L.plugin[i];
      const y = L.python[i];
      verdicts.push(target(p.p99 <= y.p99 && p.lost === 0, `${rate}/s: plugin p99 ${U.fmtMs(p.p99)} ms ≤ Python replica p99 ${U.fmtMs(y.p99)} ms (${(p.p99 / y.p99).toFixed(2)}×)`));
    }
  });
  return { head, rows, verdicts };
}

function throughputTable() {
  const T = results.throughput;
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
  const rows = [];
  const n = (v) => U.fmtInt(v);
  const NN = n(SIZES.routes);
  const label = {
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
  const rps = (r, ms) => (r.routes / ms) * 1000;
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
  const verdicts = [];
  for (const k of ['plugin-one', 'plugin-many', 'grpc-one', 'grpc-many']) {
    const r = T[k];
    if (!r) continue;
    const v = rps(r, r.elapsedMs);
    const dist = r.disturbed ? `; ${r.disturbed} of ${r.runs} repeats disturbed by outside load` : '';
    verdicts.push(target(v >= 10000 && r.ok === r.routes, `${label[k][0]} ${label[k][1]}: ${U.fmtInt(v)} routes/s ≥ 10,000 routes/s (median of ${r.runs}${dist})`));
  }
  for (const [k, b] of [
    ['grpc-one', 'grpc-bare-pipe'],
    ['grpc-many', 'grpc-bare-pipe'],
  ]) {
    if (!T[k] || !T[b]) continue;
    const p = rps(T[k], T[k].elapsedMs);
    const q = rps(T[b], T[b].elapsedMs);
    verdicts.push(`(reference) gRPC ${label[k][1]}: ${U.fmtInt(p)} routes/s = ${(p / q).toFixed(2)} × the bare grpc-js client (${U.fmtInt(q)} routes/s, requests of 1,000 all at once)`);
  }
  return { head, rows, verdicts };
}

function idleTable() {
  const I = results.idle;
  if (!I) return null;
  const head = ['process', 'CPU s', 'CPU %', 'RSS MiB', `CPU ms per ${IDLE_SLICE_S} s`];
  const rows = I.rows.map((r) => [r.label, r.cpuSeconds.toFixed(2), r.cpuPercent.toFixed(3), U.fmtMiB(r.rss), r.slices.join(' ')]);
  const p = I.rows.find((r) => r.key === 'plugin');
  const verdicts = [target(p.cpuPercent < 0.5, `Node-RED with the sample flow: ${p.cpuPercent.toFixed(3)} % CPU < 0.5 % over ${I.seconds.toFixed(0)} s`)];
  return { head, rows, verdicts };
}

function leakTable() {
  const Lk = results.leaks;
  const head = ['what', 'heap used MiB (after GC)', 'RSS MiB', 'active handles', 'active resources by type'];
  const rows = [];
  const verdicts = [];
  const res = (r) =>
    Object.entries(r)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const add = (label, x) => {
    rows.push([`${label}: before`, U.fmtMiB(x.before.heapUsed), U.fmtMiB(x.before.vmRss), x.before.handles, res(x.before.resources)]);
    rows.push([`${label}: after`, U.fmtMiB(x.after.heapUsed), U.fmtMiB(x.after.vmRss), x.after.handles, res(x.after.resources)]);
  };
  const sign = (v, d) => `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;
  const delta = (x) => {
    const dHeap = (x.after.heapUsed - x.before.heapUsed) / 1048576;
    const dHandles = x.after.handles - x.before.handles;
    const dRss = (x.after.vmRss - x.before.vmRss) / 1048576;
    // "flat": the heap after a full GC within 2 MiB of where it was, no handle more.
    return { ok: dHeap <= 2 && dHandles <= 0, text: `heap ${sign(dHeap, 2)} MiB, RSS ${sign(dRss, 1)} MiB, handles ${sign(dHandles, 0)}` };
  };
  if (Lk.events) {
    const e = Lk.events;
    add(`plugin, ${U.fmtInt(e.count)} events`, e);
    const d = delta(e);
    verdicts.push(target(d.ok && e.done === e.count, `${U.fmtInt(e.done)} of ${U.fmtInt(e.count)} events handled (${U.fmtInt(e.done / e.seconds)}/s, Node-RED CPU ${U.fmtInt((e.cpuS * 1e6) / e.count)} µs/event): ${d.text}`));
  }
  if (Lk.keys) {
    const k = Lk.keys;
    const mib = (x) => x.heapUsed / 1048576;
    rows.push([`plugin, ${U.fmtInt(k.keys)} prefixes and keys: before`, U.fmtMiB(k.before.heapUsed), U.fmtMiB(k.before.vmRss), k.before.handles, res(k.before.resources)]);
    rows.push([`plugin, ${U.fmtInt(k.keys)} routes added (peak)`, U.fmtMiB(k.peak.heapUsed), U.fmtMiB(k.peak.vmRss), k.peak.handles, res(k.peak.resources)]);
    rows.push([`plugin, all ${U.fmtInt(k.keys)} deleted`, U.fmtMiB(k.deleted.heapUsed), U.fmtMiB(k.deleted.vmRss), k.deleted.handles, res(k.deleted.resources)]);
    rows.push([`plugin, then jet-threshold reset`, U.fmtMiB(k.reset.heapUsed), U.fmtMiB(k.reset.vmRss), k.reset.handles, res(k.reset.resources)]);
    const perRoute = ((mib(k.peak) - mib(k.before)) * 1048576) / k.keys;
    const left = mib(k.deleted) - mib(k.before);
    const afterReset = mib(k.reset) - mib(k.before);
    verdicts.push(
      target(
        k.done === k.count && afterReset <= 2 && k.reset.handles <= k.before.handles,
        `${U.fmtInt(k.keys)} prefixes, each its own jet-threshold key (maxKeys 10,000): ${U.fmtInt(perRoute)} bytes per route at the peak (the desired set holds every added route: replayed after a reconnect); after their deletes heap ${sign(left, 2)} MiB (jet-threshold keeps at most maxKeys keys), after a threshold reset ${sign(afterReset, 2)} MiB; ${U.fmtInt(k.done)} of ${U.fmtInt(k.count)} events handled`,
      ),
    );
  }
  if (Lk.redeploys) {
    const x = Lk.redeploys;
    add(`plugin, ${x.count} full redeploys`, x);
    const d = delta(x);
    verdicts.push(target(d.ok, `${x.count} full redeploys of the sample flow (${(x.seconds / x.count).toFixed(2)} s each, until the new router node logged in and subscribed): ${d.text}`));
  }
  if (Lk.coreRedeploys) {
    const x = Lk.coreRedeploys;
    add(`Node-RED alone, ${x.count} full redeploys`, x);
    verdicts.push(`(reference) Node-RED alone, ${x.count} full redeploys of the sample flow without its jet-* nodes: ${delta(x).text}`);
  }
  return { head, rows, verdicts };
}

function report(env, mach) {
  const sections = [
    ['1. Event → route latency behind Mosquitto (QoS 1)', brokerTable(), results.broker],
    ['1b. Event → route latency, in-process aedes broker (second table)', latencyTable(), Object.keys(results.latency).length],
    ['2. Route programming throughput', throughputTable(), Object.keys(results.throughput).length],
    ['3. Idle cost', idleTable(), results.idle],
    ['4. Leaks', leakTable(), Object.keys(results.leaks).length],
  ];
  for (const [title, t, ran] of sections) {
    if (!ran || !t) continue;
    console.log(`\n${title}\n${U.textTable(t.head, t.rows)}`);
    for (const v of t.verdicts) console.log(`  ${v}`);
  }
  const seconds = (Date.now() - started) / 1000;
  const lat = SIZES.rates.map((r) => `${U.fmtInt(r.chunk * r.rounds)} at ${r.rate}/s (${r.rounds} × ${r.chunk})`).join(', ');
  const md = [];
  md.push('# Benchmarks', '');
  md.push(
    `Generated by \`npm run bench${QUICK ? ' -- --quick' : ''}\` (bench/run.js) on ${new Date().toISOString()}, in ${seconds.toFixed(0)} s. ` +
      'Every figure below was measured in that one run, next to its baseline; everything ran on 127.0.0.1 of one machine. ' +
      'Targets are checked here, not in the unit tests. The machine is shared: its load average is given with each figure.',
    '',
  );
  md.push('## Targets', '');
  for (const [title, t, ran] of sections) {
    if (!ran || !t) continue;
    const v = t.verdicts.filter((x) => /^(PASS|MISS)/.test(x));
    const miss = v.filter((x) => x.startsWith('MISS')).length;
    md.push(`- ${title.replace(/^\d+\. /, '')}: ${miss === 0 ? 'PASS' : `MISS (${miss} of ${v.length})`}`);
  }
  md.push('', 'Each MISS is explained under Findings.', '');
  md.push('## Machine and versions', '');
  md.push(
    U.mdTable(
      ['', ''],
      [
        ['CPU', `${mach.cores} × ${mach.model}${mach.mhz ? ` (${mach.mhz} MHz)` : ''}`],
        ['memory', mach.memory],
        ['OS', mach.kernel],
        ['Node.js', env.node],
        ['Node-RED', env.nodeRed],
        ['npm thrift', env.thrift],
        ['@grpc/grpc-js / @grpc/proto-loader', `${env.grpcJs} / ${env.protoLoader}`],
        ['mqtt (MQTT.js)', env.mqtt],
        ['aedes (the simulator\'s MQTT broker)', env.aedes],
        ...(results.broker ? [['Mosquitto (section 1)', `${results.broker.meta.mosquitto}, started as \`mosquitto -p <port>\`: default configuration`]] : []),
        ['Python / paho-mqtt / python3-thrift', `${env.python} / ${env.paho} / ${env.pythonThrift}`],
        ['Thrift compiler (Python baseline)', env.thriftCompiler],
        ['run', `${QUICK ? '--quick (smaller counts)' : 'full'}${NODELAY ? '' : ', --nagle'}`],
        ['load average (1 min) at start / end', `${LOAD_START.toFixed(2)} / ${os.loadavg()[0].toFixed(2)}`],
      ],
    ),
    '',
  );
  md.push('## How it is measured', '');
  md.push(
    [
      `- **Latency behind Mosquitto (section 1)**, the setup users meet: Debian's Mosquitto (${results.broker ? results.broker.meta.mosquitto : 'mosquitto'}) started as \`mosquitto -p <port>\` with its **default configuration** (no configuration file: localhost only, anonymous, \`set_tcp_nodelay false\` i.e. Nagle on, \`max_inflight_messages 20\`); the router (the simulator's Thrift and gRPC servers, \`bench/router-proc.js\`) in its own process; a **QoS-1** publisher (MQTT.js, \`bench/publisher-proc.js\`) in its own process; every implementation its own process, subscribed at **QoS 1** to its own topic: the plugin's sample flow chain in Node-RED 4 (\`jet-rmon-event\` (qos 1) → \`jet-threshold\` → function "prefix of ifIndex" → \`jet-route-add\`, verify off) on a Thrift router node and on a gRPC one, the bare mqtt.js + npm thrift client, the Python replica (paho + Apache Thrift), the bare mqtt.js + @grpc/grpc-js client (\`bench/baseline-grpc.js --events\`, one RouteAdd of one route per event). Events: each implementation's events go round 1,000 interfaces, rising then falling in turn, so that each is a RouteAdd or a RouteDelete (the original app's two halves) and the routes and jet-threshold keys in play stay bounded (at most 1,000), as on a router (section 4 grows them instead). Latency = RIB change (route added or deleted) in the router process − \`publish()\` in the publisher process, both read from CLOCK_MONOTONIC (\`process.hrtime\`). Each repeat is one short chunk of events (0.5 s) for one implementation, implementations in rotating order, so that each meets the machine's slow and fast spells (they last seconds on this shared VM) alike (${SIZES.broker.map((r) => `${r.repeats} × ${U.fmtInt(r.chunk)} at ${r.rate}/s`).join(', ')}), after a ${SIZES.warmup}-event warm-up each. Figures are over **every** undisturbed repeat (not the best one); a repeat is disturbed when the CPU time outside the bench's processes (Mosquitto, router, publisher, Node-RED, baselines, bench) exceeded ${DISTURBED_BASE_MS} ms + ${DISTURBED_SHARE * 100} % of one core over it; it is shown, then run again (at most 3 times). "> ${LATE_MS} ms" = events later than ${LATE_MS} ms; lost = no route within 5 s of the last progress. The aedes table (1b) is kept as a second table.`,
      "- **Router**: the package's simulator (`dist/sim`) in the bench process: its Thrift server (buffered transport, binary protocol, multiplexed) and its embedded **aedes** MQTT broker stand in for the router's JET service and Mosquitto. The publisher is an MQTT.js client in the same process. Every implementation under test is its own process; all three stay connected for the whole run, each subscribed to its own topic (`/bench/<impl>/junos/events/syslog/SNMPD_RMON_EVENTLOG`), so only the one being measured gets events.",
      `- **Events**: \`SNMPD_RMON_EVENTLOG\` notifications in the router's JSON shape (the simulator's builder), each a rising event of its own ifIndex *i*, so each is a real transition that gives exactly one RouteAdd, of the host route \`10.<i>>16>.<i>>8>.<i>/32\` (next hop 10.1.1.2, preference 5, metric 3).`,
      `- **Latency** = from the call of \`publish()\` in the bench to the RouteAdd reaching the simulator's route handler (the RIB change, timestamped there with the same clock). Paced by absolute schedule; p50/p99 are nearest-rank over ${lat} events per implementation, measured in rounds that alternate the three implementations (rotating order), after a ${SIZES.warmup}-event warm-up each. "lost" = no RouteAdd within 5 s of the last progress. CPU µs/event = the process's utime+stime over its chunks divided by its events, shown at 1000/s only: the kernel's tick-based accounting and this VM's costly wake-ups (about 1 ms of CPU charged per wake-up, to every implementation) make it meaningless at lower rates.`,
      `- **Nagle**: aedes and MQTT.js leave Nagle's algorithm on; with Linux's delayed ACKs that holds a burst's next message up to 40 ms, which hid every difference at 1000/s (all three had p50 ≈ 40 ms). The bench turns it off on the broker's client sockets and the publisher (\`--nagle\` leaves it on). A router's Mosquitto has \`set_tcp_nodelay false\` by default, so the same 40 ms can show on a real router at high event rates, whatever the client.`,
      "- **Plugin**: Node-RED 4 started as `npm start` does (user directory with this package symlinked into node_modules), the bench flow deployed through the admin API: `jet-rmon-event` (no ifIndex filter) → function \"prefix of ifIndex\" (sets `msg.payload.prefixes`, the route nodes' documented override) → `jet-threshold` (event mode, key = topic = router/ifIndex) → `jet-route-add` / `jet-route-delete` → debug nodes, plus the catch node: the sample flow's chain for every interface. Read-back (`verify`) is off on the bench's route node so that all three implementations do the same work per event (one RouteAdd); the sample flow has it on, which adds a RouteGet after the measured point.",
      '- **Baseline (a)** `bench/baseline-node.js`: mqtt.js subscriber, `JSON.parse` + one regex, then `RouteAdd` through the client generated from idl/ (dist/lib/gen) on npm thrift `createConnection` + one `Multiplexer` (docs/protocol.md §5); no validation, no state, no reconnect.',
      `- **Baseline (b)** \`bench/baseline_python.py\`: the original app's structure in Python: paho-mqtt ${env.paho} (1.x callback API; 2.x is handled too) + Apache Thrift Python client generated by \`thrift --gen py\` from idl/, synchronous RouteAdd in \`on_message\`; without the original's RouteGet read-back, prints, mail and \`while 1: 1+1\` spin (which alone keeps one core at 100 %).`,
      `- **Throughput**: in Node-RED, an \`http in\` node triggers a function that builds ${U.fmtInt(SIZES.routes)} host routes and sends them to a \`jet-route-add\` node as one message or as ${U.fmtInt(SIZES.routes)} messages (\`node.send(msg, false)\`); a collector function answers the HTTP request when the last result message arrived. Time = from just before the first send to the last result (Date.now() inside Node-RED). The same chain exists twice, on a Thrift router node and on a gRPC one (\`api: 'grpc'\`, the simulator's jnx.jet port; the plugin sends up to 1,000 routes per request, at most 8 requests in flight); both stay deployed and logged in for the whole section. The simulator (Thrift and gRPC servers, one RIB) runs in the bench process, apart from Node-RED and the baselines, which are each their own process. The harness row is the same messages from the generator straight to the collector: what the two function nodes cost. Thrift baseline: the generated client on npm thrift, RouteAdd awaited one by one, and all issued at once (pipelined). gRPC baseline \`bench/baseline-grpc.js\`: a bare @grpc/grpc-js client (protos loaded as the plugin loads them), Login and RouteInitialize once, then RouteAdd of the routes in requests of 1,000 (all at once, or one at a time), then RouteDelete of them (timed apart). Every kind runs once per round, ${SIZES.throughputRounds} round(s) in rotating order after a warm-up; median and min–max of the repeats shown. A repeat is marked disturbed (*) when the machine's CPU time not used by the bench's own processes (from /proc/stat, steal included, minus the bench, Node-RED and baseline processes) exceeded ${DISTURBED_BASE_MS} ms + ${DISTURBED_SHARE * 100} % of one core over it; the 1-minute load average is shown as for the other sections. CPU = utime+stime of Node-RED or of the baseline process over the run.`,
      `- **Idle**: utime+stime from \`/proc/<pid>/stat\` and VmRSS of all four processes in the same ${SIZES.idleSeconds} s window: Node-RED with the sample flow (flows/traffic-management.json, as \`npm start\` deploys it) connected to the simulator, Node-RED alone with the same flow minus its jet-* nodes, and both baselines connected. Before the window: 5 s, one forced full GC in both Node-RED processes, then ${IDLE_SETTLE_S} s for V8's memory reducer to finish the GCs it schedules after startup (a one-off of ~0.2 s CPU per process that otherwise lands in the window at random).`,
      `- **Leaks**: memory after a full GC (\`--expose-gc\`; bench/probe.js, preloaded in Node-RED, answers over IPC) and active handles (\`process._getActiveHandles()\`; by type from \`process.getActiveResourcesInfo()\`), before and after ${U.fmtInt(SIZES.leakEvents)} events over ${LEAK_INTERFACES} interfaces (rising then falling rounds, so each event is a RouteAdd or a RouteDelete; at most ${LEAK_WINDOW} in flight; the threshold's state reset first) then ${U.fmtInt(LEAK_KEYS)} events each rising on an interface of its own (${U.fmtInt(LEAK_KEYS)} routes desired and as many jet-threshold keys asked for, more than its maxKeys of 10,000), the same falling (every route deleted), and a jet-threshold reset, the heap after a full GC at each step; and ${SIZES.redeploys} full redeploys (\`POST /flows\`, \`Node-RED-Deployment-Type: full\`) of the sample flow, each waiting until the new router node logged in and subscribed; the same redeploys on Node-RED alone for reference. A warm-up precedes each "before".`,
    ].join('\n'),
    '',
  );
  md.push('## Results', '');
  for (const [title, t, ran] of sections) {
    md.push(`### ${title}`, '');
    if (!ran || !t) {
      md.push('_not run_', '');
      continue;
    }
    md.push(U.mdTable(t.head, t.rows), '');
    for (const v of t.verdicts) md.push(`- ${v}`);
    md.push('');
  }
  md.push('## Findings', '');
  md.push(findings(), '');
  md.push('## Running it', '');
  md.push(
    [
      '```sh',
      'npm run bench               # full run, about 5 minutes on 2 cores; writes BENCHMARKS.md',
      'npm run bench -- --quick    # smaller counts, about 2 minutes',
      'node bench/run.js --only throughput --repeats 5 --out /tmp/tp.md   # after npm run build; the throughput section alone, about 2 minutes',
      'node bench/baseline-grpc.js <grpcPort> 10000 3   # the bare grpc-js client alone, against a running simulator',
      'node bench/run.js --only latency,throughput --profile   # after npm run build; CPU profiles of Node-RED',
      'node bench/profile-summary.js /tmp/jet-bench-profiles-*/plugin-*.cpuprofile',
      'node bench/run.js --only broker --out /tmp/b.md   # latency behind Mosquitto alone (about 4 minutes); --plugin-qos 0 for the A/B',
      'node bench/alloc-profile.js 3000 500  # bytes allocated per event in Node-RED at 500 events/s, by function and file',
      'node --cpu-prof bench/micro-routes.js 10000 5 grpc   # the route path without Node-RED (grpc or thrift)',
      'node --cpu-prof bench/micro-calls.js   # gRPC one-route calls: bare grpc-js vs the plugin route path',
      'node bench/micro-routes.js 10000 9 thrift --ab /tmp/ab   # the route path of this tree and of another checkout, alternating in one process',
      'node bench/micro-lone.js grpc   # one awaited route call at a time (the latency path): CPU and p50, bare grpc-js vs the plugin (thrift: the plugin alone)',
      'node bench/alloc-profile.js 4000 500 --survivors   # what outlives a scavenge (promotion to the old generation), per event',
      'node bench/alloc-profile.js 4000 500 --ab /tmp/ab   # bytes allocated per event, this tree and another checkout alternating in one run',
      'node bench/gc-promotion.js 500 15 2   # V8\'s account of each scavenge: bytes promoted per event and pauses, state over 1,000 interfaces vs one',
      'git worktree add /tmp/ab <commit> && ln -s \"$PWD/node_modules\" /tmp/ab/ && (cd /tmp/ab && npm run build)',
      'node bench/run.js --only broker --ab-dir /tmp/ab --ab-label "<commit>"   # A/B: that checkout as a second Node-RED in the same run',
      'JET_BENCH_GC_TRACE=20 JET_BENCH_HOP_TRACE=1 node bench/run.js --only broker --quick   # per repeat: Node-RED GC pauses and late events with one inside; median time per stage',
      'JET_BENCH_NR_LOG=/tmp/logs node bench/run.js --only broker --red-flags "--trace-gc"   # keeps Node-RED\'s output (here V8\'s GC trace)',
      '```',
    ].join('\n'),
    '',
  );
  fs.writeFileSync(OUT, `${md.join('\n')}\n`);
  log(`wrote ${path.relative(process.cwd(), OUT) || OUT} (${seconds.toFixed(0)} s)`);
}

/** Hand-written notes on profiling and what was changed, kept in bench/FINDINGS.md and copied into the report. */
function findings() {
  const f = path.join(__dirname, 'FINDINGS.md');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : '_none recorded_';
}

// ------------------------------------------------------------------ main

async function main() {
  const env = versions();
  const mach = machine();
  log(`${mach.cores} × ${mach.model}, ${mach.memory}; node ${env.node}, node-red ${env.nodeRed}, thrift ${env.thrift}, mqtt ${env.mqtt}${QUICK ? ' (quick)' : ''}`);
  await startSim();
  const want = (s) => ONLY.has(s);
  if (want('broker')) {
    // First, before this run's other Node-RED processes start: its own broker, router, publisher and processes.
    results.broker = await brokerLatency({ rates: SIZES.broker, warmup: SIZES.warmup, log, pythonGen, pluginQos: value('--plugin-qos', '') === '' ? undefined : Number(value('--plugin-qos', '')), redFlags: value('--red-flags', '').split(' ').filter(Boolean), profileDir: PROFILE_DIR, abDir: value('--ab-dir', '') ? path.resolve(value('--ab-dir', '')) : null, abLabel: value('--ab-label', '') });
  }
  const sample = sampleFlow(sim);
  const { nodes, creds } = splitCredentials(sample);

  log('starting Node-RED with the plugin and the sample flow');
  const plugin = new NodeRed({ name: 'plugin', profileDir: PROFILE_DIR, nodeFlags: value('--red-flags', '').split(' ').filter(Boolean) });
  {
    const connected = routerConnected(RMON_TOPIC, 30000);
    await plugin.start(nodes, creds);
    await connected;
  }
  let core = null;
  if (want('idle') || want('leaks')) {
    log('starting Node-RED alone (the sample flow without jet-* nodes)');
    core = new NodeRed({ name: 'core', withPlugin: false });
    await core.start(coreOnly(nodes), {});
  }
  let py = null;
  let nb = null;
  if (want('idle') || want('latency')) py = await startPython(benchTopic('python'));
  if (want('idle') || want('latency') || want('throughput')) nb = await startNodeBaseline(benchTopic('node'));
  let gb = null;
  if (want('throughput')) gb = await startGrpcBaseline();

  if (want('idle')) await idleSection(plugin, core, nb, py);

  if (want('latency') || want('throughput') || want('leaks')) {
    log('deploying the bench flow');
    const connected = routerConnected(benchTopic('plugin'));
    // The gRPC router node of the throughput chain: ready once its RouteInitialize was answered.
    const inits = sim.grpc.counters.calls.RouteInitialize || 0;
    await plugin.deploy(benchFlow(sim));
    await connected;
    await U.until(() => (sim.grpc.counters.calls.RouteInitialize || 0) > inits, 'the gRPC router node to log in and initialize', 15000, 5);
    await U.sleep(500);
  }
  if (want('latency')) {
    await latencySection(
      IMPLS.map(({ key }) => ({ key, topic: benchTopic(key), pid: key === 'plugin' ? plugin.pid : key === 'node' ? nb.pid : py.pid })),
    );
  }
  if (want('throughput')) await throughputSection(plugin, nb, gb);
  await stopChild(py);
  await stopChild(nb);
  await stopChild(gb);

  if (want('leaks')) {
    await leakEvents(plugin);
    await leakKeys(plugin);
    log(`leaks: ${SIZES.redeploys} full redeploys of the sample flow`);
    {
      const c = routerConnected(RMON_TOPIC);
      await plugin.deploy(sample);
      await c;
    }
    results.leaks.redeploys = await redeploys(plugin, sample, SIZES.redeploys, RMON_TOPIC);
    const x = results.leaks.redeploys;
    log(`leaks: redeploys: ${x.seconds.toFixed(1)} s; heap ${U.fmtMiB(x.before.heapUsed)} → ${U.fmtMiB(x.after.heapUsed)} MiB, handles ${x.before.handles} → ${x.after.handles}`);
    log(`leaks: ${SIZES.redeploys} full redeploys on Node-RED alone`);
    results.leaks.coreRedeploys = await redeploys(core, coreOnly(sample), SIZES.redeploys, null);
  }

  await plugin.stop();
  if (core) await core.stop();
  if (flag('--logs')) {
    for (const nr of [plugin, core].filter(Boolean)) {
      const f = path.join(os.tmpdir(), `jet-bench-${nr.name}.log`);
      fs.writeFileSync(f, nr.log);
      log(`Node-RED log: ${f}`);
    }
  }
  if (PROFILE_DIR) log(`CPU profiles in ${PROFILE_DIR}`);
  report(env, mach);
  if (DUMP) fs.writeFileSync(path.resolve(value('--dump', '')), JSON.stringify(DUMP));
  publisher.end(true);
  await sim.stop();
  plugin.remove();
  if (core) core.remove();
  if (pyGenDir) fs.rmSync(pyGenDir, { recursive: true, force: true });
}

let exiting = false;
function cleanup(code) {
  if (exiting) return;
  exiting = true;
  for (const c of [...children, ...spawned]) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  process.exit(code);
}
process.on('SIGINT', () => cleanup(130));

main().then(
  () => cleanup(0),
  (err) => {
    console.error(`[bench] failed: ${err.stack || err.message}`);
    cleanup(1);
  },
);
