/**
 * Profiling aid (not part of `npm run bench`): bytes allocated per event in the plugin's Node-RED,
 * by function and by file. Starts the simulator and Node-RED with the bench flow, warms up with
 * 1,000 rising events, then samples every allocation (V8's sampling heap profiler through the
 * bench's probe, collected objects included) over N more (default 3,000) at RATE events/s
 * (default 500), published at QoS 1 (the event node's default QoS).
 * Events go round 1,000 interfaces, rising then falling in turn (as section 1 of the bench).
 * --survivors: only what outlived a scavenge (what is promoted to the old generation and makes the
 * major GCs), instead of every allocation.
 * --ab DIR: only the totals, of this tree and of another checkout (built, as for run.js --ab-dir),
 * alternating, two profiles each, in one run.
 *   npm run build && node dist/bench/alloc-profile.js [N] [RATE] [--survivors] [--ab DIR]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { fmtInt, sleep, textTable } from './lib/util';
import { benchTopic } from './lib/flows';
import { cycledEvent, rmonPayload } from './lib/events';
import { ROOT } from './lib/paths';
import { startEventRig } from './lib/event-rig';

interface Options {
  n: number;
  rate: number;
  survivors: boolean;
  ab: string | null;
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** One Node-RED with the plugin of `pluginDir`: the sampled profile over N events, per function and per file. */
async function profileOnce(o: Options, pluginDir: string): Promise<{ file: string; kbPerEvent: number; perFn: Map<string, number>; perFile: Map<string, number> }> {
  const perTick = Math.max(1, Math.round(o.rate / 100)); // per 10 ms
  const file = path.join(os.tmpdir(), `jet-bench-alloc-${Date.now()}.heapprofile`);
  const rig = await startEventRig({ name: 'alloc', pluginDir, nodelay: true });
  const { nr, pub } = rig;
  const topic = benchTopic('plugin');
  let k = 0;
  const burst = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const e = cycledEvent(k++, 1000, 1000);
      pub.publish(topic, rmonPayload(e.ifIndex, e.direction), { qos: 1 });
      if (i % perTick === perTick - 1) await sleep(10);
    }
    await sleep(500);
  };
  try {
    await sleep(2000);
    await burst(1000);
    await nr.ask('alloc-start', { interval: 4096, survivors: o.survivors }, 120000);
    await burst(o.n);
    await nr.ask('alloc-stop', { file }, 120000);
  } finally {
    await rig.stop();
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { head: ProfileNode };
  const perFn = new Map<string, number>();
  const perFile = new Map<string, number>();
  let total = 0;
  const short = (url: string): string => url.replace(/.*node_modules\//, 'nm/').replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
  const walk = (node: ProfileNode): void => {
    const cf = node.callFrame;
    const f = short(cf.url);
    const key = `${cf.functionName || '(anonymous)'} ${f}:${cf.lineNumber + 1}`;
    total += node.selfSize;
    perFn.set(key, (perFn.get(key) || 0) + node.selfSize);
    perFile.set(f || '(native)', (perFile.get(f || '(native)') || 0) + node.selfSize);
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  return { file, kbPerEvent: total / o.n / 1024, perFn, perFile };
}

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { survivors: { type: 'boolean' }, ab: { type: 'string' } }, allowPositionals: true });
  const o: Options = { n: Number(positionals[0]) || 3000, rate: Number(positionals[1]) || 500, survivors: !!values.survivors, ab: values.ab ? path.resolve(values.ab) : null };
  const what = o.survivors ? 'outlived a scavenge' : 'allocated';
  if (o.ab) {
    // This tree and the other checkout, alternating, two profiles each, in this one run.
    const rows: string[][] = [];
    for (const [label, dir] of [['this tree', ROOT], ['--ab', o.ab], ['--ab', o.ab], ['this tree', ROOT]]) {
      const r = await profileOnce(o, dir);
      rows.push([label, dir, `${r.kbPerEvent.toFixed(1)} KB`, String(os.loadavg()[0].toFixed(1))]);
      console.log(`${label}: ${r.kbPerEvent.toFixed(1)} KB ${what} per event`);
    }
    console.log(`\n${fmtInt(o.n)} events at ${o.rate}/s per profile, ${what} per event:\n${textTable(['tree', 'checkout', 'per event', 'load'], rows)}`);
    return;
  }
  const r = await profileOnce(o, ROOT);
  console.log(`${fmtInt(o.n)} events at ${o.rate}/s: ${r.kbPerEvent.toFixed(1)} KB ${what} per event (profile: ${r.file})`);
  for (const [title, m] of [['by function', r.perFn], ['by file', r.perFile]] as const) {
    console.log(`\n${title}`);
    for (const [key, bytes] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(bytes / o.n / 1024).toFixed(2).padStart(7)} KB/event  ${key}`);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
