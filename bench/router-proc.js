'use strict';
// The simulated router in its own process, for the latency section behind a real broker
// (bench/lib/broker-latency.js): dist/sim's Thrift and gRPC servers (its embedded aedes broker is
// not used there: the events go through Mosquitto). Every RIB change is reported over IPC as
// {c: [[prefix, t], ...]}, t = process.hrtime (CLOCK_MONOTONIC, shared by every process of the
// machine) in ms, batched per event-loop turn.
//   node bench/router-proc.js  → IPC {ready, thriftPort, grpcPort}
const path = require('path');
const { JetSimulator } = require(path.join(__dirname, '..', 'dist', 'sim'));

async function main() {
  const sim = await JetSimulator.start({ host: '127.0.0.1', sampling: false });
  let batch = null;
  sim.rib.on('change', (c) => {
    const t = Number(process.hrtime.bigint()) / 1e6;
    if (!batch) {
      batch = [];
      setImmediate(() => {
        const b = batch;
        batch = null;
        process.send({ c: b });
      });
    }
    batch.push([c.entry.prefix, t]);
  });
  process.on('message', async (m) => {
    if (m && m.cmd === 'stop') {
      await sim.stop();
      process.exit(0);
    }
  });
  process.send({ ready: true, thriftPort: sim.thriftPort, grpcPort: sim.grpcPort });
}
main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
