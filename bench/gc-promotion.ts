/**
 * Diagnostic (not part of `npm run bench`): how much of what the plugin's Node-RED allocates per
 * event lives long enough to be promoted to V8's old generation, and how long the young-generation
 * collections (scavenges) pause it, with the route and threshold state each event creates living
 * two ways:
 *   - "1,000 interfaces": events go round 1,000 interfaces, rising then falling in turn (as section
 *     1 of the bench): each route and jet-threshold key lives until that interface's next event;
 *   - "1 interface": every event is the same interface, rising then falling: that state lives one
 *     event.
 * Each run starts a fresh Node-RED with the bench flow and `--trace-gc-nvp` (the simulator and
 * the publisher run in this process, the broker is the simulator's), publishes at RATE events/s
 * (QoS 1) for SECONDS, and reads V8's own account of each scavenge. The two workloads alternate,
 * REPEATS runs each, in one invocation; the load average is printed with each run.
 *   npm run build && node dist/bench/gc-promotion.js [RATE=500] [SECONDS=15] [REPEATS=2]
 */
import * as os from 'os';
import { parseArgs } from 'util';
import { fmtInt, percentile, sleep, textTable } from './lib/util';
import { benchTopic } from './lib/flows';
import { cycledEvent, rmonPayload } from './lib/events';
import { startEventRig } from './lib/event-rig';

interface Result {
  events: number;
  scavenges: number;
  allocatedKB: number;
  promotedKB: number;
  survivedKB: number;
  pauseMedian: number;
  pauseMax: number;
  load: number;
}

async function run(rate: number, seconds: number, cycle: number): Promise<Result> {
  const rig = await startEventRig({ name: 'gc-promotion', nodeFlags: ['--trace-gc-nvp'] });
  const { nr, pub } = rig;
  try {
    const topic = benchTopic('plugin');
    const perTick = Math.max(1, Math.round(rate / 100)); // per 10 ms
    let k = 0;
    const publish = async (ms: number): Promise<void> => {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        for (let i = 0; i < perTick; i++) {
          const e = cycledEvent(k++, cycle, 1000);
          pub.publish(topic, rmonPayload(e.ifIndex, e.direction), { qos: 1 });
        }
        await sleep(10);
      }
    };
    await publish(3000); // warm-up: the young generation grows to its working size
    const from = nr.log.length;
    const events = k;
    const load = os.loadavg()[0];
    await publish(seconds * 1000);
    await sleep(500);
    const field = (line: string, name: string): number => Number((line.match(new RegExp(`\\b${name}=([0-9.]+)`)) || [])[1] || 0);
    const scavenges = nr.log.slice(from).split('\n').filter((l) => /\bgc=s\b/.test(l));
    const n = k - events;
    const sum = (name: string): number => scavenges.reduce((a, l) => a + field(l, name), 0);
    const pauses = scavenges.map((l) => field(l, 'pause')).sort((a, b) => a - b);
    return {
      events: n,
      scavenges: scavenges.length,
      allocatedKB: sum('allocated') / n / 1024,
      promotedKB: sum('promoted') / n / 1024,
      survivedKB: sum('new_space_survived') / n / 1024,
      pauseMedian: percentile(pauses, 50),
      pauseMax: pauses[pauses.length - 1] ?? 0,
      load: Math.max(load, os.loadavg()[0]),
    };
  } finally {
    await rig.stop();
  }
}

async function main(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  const [rate, seconds, repeats] = [500, 15, 2].map((d, i) => Number(positionals[i]) || d);
  console.log(`${rate} events/s for ${seconds} s per run, ${repeats} run(s) per workload, alternating; per event: V8's bytes allocated, promoted to the old generation, and copied within the young one`);
  const rows: string[][] = [];
  for (let r = 0; r < repeats; r++) {
    const order: Array<[string, number]> = r % 2 === 0 ? [['1,000 interfaces', 1000], ['1 interface', 1]] : [['1 interface', 1], ['1,000 interfaces', 1000]];
    for (const [label, cycle] of order) {
      const x = await run(rate, seconds, cycle);
      rows.push([label, fmtInt(x.events), String(x.scavenges), x.allocatedKB.toFixed(1), x.promotedKB.toFixed(2), x.survivedKB.toFixed(2), x.pauseMedian.toFixed(1), x.pauseMax.toFixed(1), x.load.toFixed(1)]);
      console.log(`run ${rows.length}: ${label}: promoted ${x.promotedKB.toFixed(2)} KB/event, scavenge pause p50 ${x.pauseMedian.toFixed(1)} ms (load ${x.load.toFixed(1)})`);
    }
  }
  console.log(`\n${textTable(['workload', 'events', 'scavenges', 'allocated KB/event', 'promoted KB/event', 'young survivors KB/event', 'pause p50 ms', 'pause max ms', 'load ≤'], rows)}`);
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
