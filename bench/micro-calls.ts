/**
 * Profiling aid (the micro section runs it too): the gRPC cost of many one-route calls, the shape of
 * 10,000 Node-RED messages of one prefix each: a bare grpc-js client (one-route RouteAdd, 8 in
 * flight, the plugin's window) vs the plugin's route path without Node-RED (JetRoutes.add of one
 * spec, 10,000 at once), the simulator in another process.
 *   npm run build && node --cpu-prof dist/bench/micro-calls.js [N]
 */
import { parseArgs } from 'util';
import { calls, startSimProcess } from './lib/micro';

async function main(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  const n = Number(positionals[0]) || 10000;
  const sim = await startSimProcess();
  try {
    await calls(sim, n, (r) =>
      console.log(
        r.who === 'bare'
          ? `bare 1-route calls, 8 in flight: ${Math.round((n / r.ms) * 1000)}/s, client CPU ${r.cpuMs.toFixed(0)} ms`
          : `JetRoutes.add x ${n} one-spec calls: ${Math.round((n / r.ms) * 1000)}/s, CPU ${r.cpuMs.toFixed(0)} ms, ok ${r.ok}`,
      ),
    );
  } finally {
    await sim.stop();
  }
  process.exit(0);
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
