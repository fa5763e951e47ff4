#!/usr/bin/env node
'use strict';
// Diagnostic (not part of `npm run bench`): how much of what the plugin's Node-RED allocates per
// event lives long enough to be promoted to V8's old generation, and how long the young-generation
// collections (scavenges) pause it, with the route and threshold state each event creates living
// two ways:
//   - "1,000 interfaces": events go round 1,000 interfaces, rising then falling in turn (as section
//     1 of the bench): each route and jet-threshold key lives until that interface's next event;
//   - "1 interface": every event is the same interface, rising then falling: that state lives one
//     event.
// Each run starts a fresh Node-RED with the bench flow and `--trace-gc-nvp` (the simulator and
// the publisher run in this process, the broker is the simulator's), publishes at RATE events/s
// (QoS 1) for SECONDS, and reads V8's own account of each scavenge. The two workloads alternate,
// REPEATS runs each, in one invocation; the load average is printed with each run.
//   npm run build && node bench/gc-promotion.js [RATE=500] [SECONDS=15] [REPEATS=2]
const os = require('os');
const path = require('path');
const mqtt = require('mqtt');
const { NodeRed, ROOT } = require('./lib/nodered');
const U = require('./lib/util');
const { benchFlow, benchTopic, splitCredentials } = require('./lib/flows');
const { rmonPayload, cycledEvent } = require('./lib/events');
const { JetSimulator } = require(path.join(ROOT, 'dist', 'sim'));

const [RATE, SECONDS, REPEATS] = [500, 15, 2].map((d, i) => Number(process.argv[2 + i]) || d);

async function run(cycle) {
  const sim = await JetSimulator.start({ host: '127.0.0.1', sampling: false });
  const nr = new NodeRed({ name: 'gc-promotion', nodeFlags: ['--trace-gc-nvp'] });
  let pub = null;
  try {
    const { nodes, creds } = splitCredentials(benchFlow(sim));
    await nr.start(nodes, creds);
    pub = mqtt.connect(`mqtt://127.0.0.1:${sim.mqttPort}`);
    await new Promise((r) => pub.once('connect', r));
    const topic = benchTopic('plugin');
    const perTick = Math.max(1, Math.round(RATE / 100)); // per 10 ms
    let k = 0;
    const publish = async (ms) => {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        for (let i = 0; i < perTick; i++) {
          const e = cycledEvent(k++, cycle, 1000);
          pub.publish(topic, rmonPayload(e.ifIndex, e.direction), { qos: 1 });
        }
        await U.sleep(10);
      }
    };
    await publish(3000); // warm-up: the young generation grows to its working size
    const from = nr.log.length;
    const events = k;
    const load = os.loadavg()[0];
    await publish(SECONDS * 1000);
    await U.sleep(500);
    const field = (line, name) => Number((line.match(new RegExp(`\\b${name}=([0-9.]+)`)) || [])[1] || 0);
    const scavenges = nr.log.slice(from).split('\n').filter((l) => /\bgc=s\b/.test(l));
    const n = k - events;
    const sum = (name) => scavenges.reduce((a, l) => a + field(l, name), 0);
    const pauses = scavenges.map((l) => field(l, 'pause')).sort((a, b) => a - b);
    return {
      events: n,
      scavenges: scavenges.length,
      allocatedKB: sum('allocated') / n / 1024,
      promotedKB: sum('promoted') / n / 1024,
      survivedKB: sum('new_space_survived') / n / 1024,
      pauseMedian: U.percentile(pauses, 50),
      pauseMax: pauses[pauses.length - 1] ?? 0,
      load: Math.max(load, os.loadavg()[0]),
    };
  } finally {
    pub?.end(true);
    await nr.stop();
    nr.remove();
    await sim.stop();
  }
}

async function main() {
  console.log(`${RATE} events/s for ${SECONDS} s per run, ${REPEATS} run(s) per workload, alternating; per event: V8's bytes allocated, promoted to the old generation, and copied within the young one`);
  const rows = [];
  for (let r = 0; r < REPEATS; r++) {
    for (const [label, cycle] of r % 2 === 0 ? [['1,000 interfaces', 1000], ['1 interface', 1]] : [['1 interface', 1], ['1,000 interfaces', 1000]]) {
      const x = await run(cycle);
      rows.push([label, U.fmtInt(x.events), String(x.scavenges), x.allocatedKB.toFixed(1), x.promotedKB.toFixed(2), x.survivedKB.toFixed(2), x.pauseMedian.toFixed(1), x.pauseMax.toFixed(1), x.load.toFixed(1)]);
      console.log(`run ${rows.length}: ${label}: promoted ${x.promotedKB.toFixed(2)} KB/event, scavenge pause p50 ${x.pauseMedian.toFixed(1)} ms (load ${x.load.toFixed(1)})`);
    }
  }
  console.log(`\n${U.textTable(['workload', 'events', 'scavenges', 'allocated KB/event', 'promoted KB/event', 'young survivors KB/event', 'pause p50 ms', 'pause max ms', 'load ≤'], rows)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
