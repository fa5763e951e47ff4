#!/usr/bin/env node
'use strict';
// Profiling aid (not part of `npm run bench`): bytes allocated per event in the plugin's Node-RED,
// by function and by file. Starts the simulator and Node-RED with the bench flow, warms up with
// 1,000 rising events, then samples every allocation (V8's sampling heap profiler through
// bench/probe.js, collected objects included) over N more (default 3,000) at RATE events/s
// (default 500), published at QoS 1 (the event node's default QoS).
// Events go round 1,000 interfaces, rising then falling in turn (as section 1 of the bench).
// --survivors: only what outlived a scavenge (what is promoted to the old generation and makes the
// major GCs), instead of every allocation.
// --ab DIR: only the totals, of this tree and of another checkout (built, as for run.js --ab-dir),
// alternating, two profiles each, in one run.
//   npm run build && node bench/alloc-profile.js [N] [RATE] [--survivors] [--ab DIR]
const path = require('path');
const fs = require('fs');
const os = require('os');
const mqtt = require('mqtt');
const { NodeRed, ROOT } = require('./lib/nodered');
const U = require('./lib/util');
const { benchFlow, benchTopic, splitCredentials } = require('./lib/flows');
const { rmonPayload, cycledEvent } = require('./lib/events');
const { JetSimulator } = require(path.join(ROOT, 'dist', 'sim'));

const nums = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--ab');
const N = Number(nums[0]) || 3000;
const RATE = Number(nums[1]) || 500;
const SURVIVORS = process.argv.includes('--survivors');
const AB = process.argv.includes('--ab') ? path.resolve(process.argv[process.argv.indexOf('--ab') + 1]) : null;

/** One Node-RED with the plugin of `pluginDir`: the sampled profile over N events, per function and per file. */
async function profileOnce(pluginDir) {
  const perTick = Math.max(1, Math.round(RATE / 100)); // per 10 ms
  const file = path.join(os.tmpdir(), `jet-bench-alloc-${Date.now()}.heapprofile`);
  const sim = await JetSimulator.start({ host: '127.0.0.1', sampling: false });
  sim.broker.server.on('connection', (s) => s.setNoDelay(true));
  const nr = new NodeRed({ name: 'alloc', pluginDir });
  const { nodes, creds } = splitCredentials(benchFlow(sim));
  await nr.start(nodes, creds);
  await U.sleep(2000);
  const pub = mqtt.connect(`mqtt://127.0.0.1:${sim.mqttPort}`);
  await new Promise((r) => pub.once('connect', r));
  pub.stream.setNoDelay(true);
  const topic = benchTopic('plugin');
  let k = 0;
  const burst = async (count) => {
    for (let i = 0; i < count; i++) {
      const e = cycledEvent(k++, 1000, 1000);
      pub.publish(topic, rmonPayload(e.ifIndex, e.direction), { qos: 1 });
      if (i % perTick === perTick - 1) await U.sleep(10);
    }
    await U.sleep(500);
  };
  try {
    await burst(1000);
    await nr.ask('alloc-start', { interval: 4096, survivors: SURVIVORS }, 120000);
    await burst(N);
    await nr.ask('alloc-stop', { file }, 120000);
  } finally {
    await nr.stop();
    nr.remove();
    pub.end(true);
    await sim.stop();
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const perFn = new Map();
  const perFile = new Map();
  let total = 0;
  const short = (url) => url.replace(/.*node_modules\//, 'nm/').replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
  (function walk(node) {
    const cf = node.callFrame;
    const f = short(cf.url);
    const key = `${cf.functionName || '(anonymous)'} ${f}:${cf.lineNumber + 1}`;
    total += node.selfSize;
    perFn.set(key, (perFn.get(key) || 0) + node.selfSize);
    perFile.set(f || '(native)', (perFile.get(f || '(native)') || 0) + node.selfSize);
    for (const c of node.children) walk(c);
  })(profile.head);
  return { file, kbPerEvent: total / N / 1024, perFn, perFile };
}

const WHAT = SURVIVORS ? 'outlived a scavenge' : 'allocated';

async function main() {
  if (AB) {
    // This tree and the other checkout, alternating, two profiles each, in this one run.
    const rows = [];
    for (const [label, dir] of [['this tree', ROOT], ['--ab', AB], ['--ab', AB], ['this tree', ROOT]]) {
      const r = await profileOnce(dir);
      rows.push([label, dir, `${r.kbPerEvent.toFixed(1)} KB`, String(os.loadavg()[0].toFixed(1))]);
      console.log(`${label}: ${r.kbPerEvent.toFixed(1)} KB ${WHAT} per event`);
    }
    console.log(`\n${U.fmtInt(N)} events at ${RATE}/s per profile, ${WHAT} per event:\n${U.textTable(['tree', 'checkout', 'per event', 'load'], rows)}`);
    return;
  }
  const r = await profileOnce(ROOT);
  console.log(`${U.fmtInt(N)} events at ${RATE}/s: ${r.kbPerEvent.toFixed(1)} KB ${WHAT} per event (profile: ${r.file})`);
  for (const [title, m] of [['by function', r.perFn], ['by file', r.perFile]]) {
    console.log(`\n${title}`);
    for (const [key, bytes] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${((bytes / N) / 1024).toFixed(2).padStart(7)} KB/event  ${key}`);
  }
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
