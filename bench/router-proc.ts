/**
 * The simulated router in its own process, for the latency section behind a real broker
 * (sections/broker.ts) and the micro section: dist/sim's Thrift and gRPC servers (its embedded
 * aedes broker is not used there: the events go through Mosquitto). Every RIB change is reported
 * over IPC as {c: [[prefix, t, op], ...]}, t = process.hrtime (CLOCK_MONOTONIC, shared by every
 * process of the machine) in ms, op the change (add, modify, delete, purge), batched per event-loop
 * turn; with --quiet nothing is reported (the micro section times the client side only).
 *   node dist/bench/router-proc.js [--quiet]  → IPC {ready, thriftPort, grpcPort}; IPC {cmd: 'stop'} stops it;
 *   IPC {cmd: 'rib'} → {rib: the number of routes in the RIB}
 */
import { parseArgs } from 'util';
import { JetSimulator } from '../sim';
import type { RibChanges, RibSize, RouterReady } from './lib/ipc';

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { quiet: { type: 'boolean', default: false } } });
  const send = process.send?.bind(process);
  if (!send) throw new Error('router-proc runs with an IPC channel (forked by the bench)');
  const sim = await JetSimulator.start({ host: '127.0.0.1', sampling: false });
  if (!values.quiet) {
    let batch: RibChanges['c'] | null = null;
    sim.rib.on('change', (c) => {
      const t = Number(process.hrtime.bigint()) / 1e6;
      if (!batch) {
        batch = [];
        setImmediate(() => {
          const b = batch;
          batch = null;
          send({ c: b });
        });
      }
      batch.push([c.entry.prefix, t, c.op]);
    });
  }
  process.on('message', async (m: { cmd?: string }) => {
    if (m && m.cmd === 'rib') {
      const answer: RibSize = { rib: sim.rib.size };
      send(answer);
    }
    if (m && m.cmd === 'stop') {
      await sim.stop();
      process.exit(0);
    }
  });
  const ready: RouterReady = { ready: true, thriftPort: sim.thriftPort, grpcPort: sim.grpcPort };
  send(ready);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err.stack || err.message);
    process.exit(1);
  });
}
