/**
 * Profiling aid (the micro section runs it too): the route path of the plugin without Node-RED:
 * a backend (gRPC or Thrift) + JetRoutes + route validation against the simulator in another
 * process, N routes added in one call, then deleted.
 *   npm run build && node --cpu-prof dist/bench/micro-routes.js [N] [rounds] [grpc|thrift] [--ab DIR]
 * --ab DIR: the same rounds, alternating in this one process (order rotating, same simulator), on the
 * route path of another checkout of this package at DIR (built); the medians of both after a warm-up round.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { median } from './lib/util';
import { routePath, startSimProcess, type RoutePathRound } from './lib/micro';

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { ab: { type: 'string' } }, allowPositionals: true });
  const n = Number(positionals[0]) || 10000;
  const rounds = Number(positionals[1]) || 5;
  const api = positionals[2] === 'thrift' ? 'thrift' : 'grpc';
  const abDir = values.ab ? path.resolve(values.ab) : null;
  const sim = await startSimProcess();
  try {
    const show = (r: RoutePathRound, trees: number): void =>
      console.log(
        `${api} ${trees > 1 ? `${r.tree} ` : ''}round ${r.round}: validate ${r.validateMs.toFixed(0)} ms, add ${r.addMs.toFixed(0)} ms (${Math.round((n / r.addMs) * 1000)}/s, ${r.added} added), delete ${r.deleteMs.toFixed(0)} ms`,
      );
    const all = await routePath(sim, api, n, rounds, show, abDir ? { name: abDir, dist: path.join(abDir, 'dist') } : null);
    if (abDir) {
      for (const tree of ['this tree', abDir]) {
        const xs = all.filter((r) => r.tree === tree && (r.round > 0 || rounds === 1));
        const m = [median(xs.map((x) => x.validateMs)), median(xs.map((x) => x.addMs)), median(xs.map((x) => x.deleteMs))].map((v) => v.toFixed(0));
        console.log(`${api} ${tree}: median of ${xs.length} rounds (first round not counted): validate ${m[0]} ms, add ${m[1]} ms, delete ${m[2]} ms`);
      }
    }
  } finally {
    await sim.stop();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
