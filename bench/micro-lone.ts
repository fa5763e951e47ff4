/**
 * Profiling aid (the micro section runs it too): the latency path's route call, one at a time.
 * 3 rounds of 3,000 calls of one route, each awaited, 1 ms apart, against the simulator in another
 * process: CPU per call and p50 answer time, a bare grpc-js unary RouteAdd (gRPC only) and then the
 * plugin's JetRoutes.add of one spec.
 *   npm run build && node dist/bench/micro-lone.js [grpc|thrift] [N] [rounds]
 */
import { parseArgs } from 'util';
import { loneCalls, startSimProcess } from './lib/micro';

async function main(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  const api = positionals[0] === 'thrift' ? 'thrift' : 'grpc';
  const n = Number(positionals[1]) || 3000;
  const rounds = Number(positionals[2]) || 3;
  const sim = await startSimProcess();
  try {
    await loneCalls(sim, api, n, rounds, (r) =>
      console.log(`${r.who === 'bare' ? 'bare lone call: client CPU' : 'plugin lone JetRoutes.add: CPU'} ${r.cpuUs.toFixed(0)} µs/call, p50 ${r.p50Ms.toFixed(3)} ms`),
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
