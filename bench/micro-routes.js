#!/usr/bin/env node
'use strict';
// Profiling aid (not part of `npm run bench`): the route path of the plugin without Node-RED:
// JetSession + JetRoutes + route validation against the simulator in another process, N routes
// added pipelined, then deleted. Run with `node --cpu-prof bench/micro-routes.js [N] [rounds]`.
const path = require('path');
const { fork } = require('child_process');
const { performance } = require('perf_hooks');
const DIST = path.join(__dirname, '..', 'dist');
const { JetSession } = require(path.join(DIST, 'lib/jet/session'));
const { JetRoutes } = require(path.join(DIST, 'lib/jet/routes'));
const { buildRouteSpecs } = require(path.join(DIST, 'lib/routes/validate'));

if (process.argv[2] === '--sim') {
  require(path.join(DIST, 'sim'))
    .JetSimulator.start({ host: '127.0.0.1', sampling: false })
    .then((sim) => process.send({ port: sim.thriftPort }));
  return;
}

async function main() {
  const n = Number(process.argv[2]) || 10000;
  const rounds = Number(process.argv[3]) || 5;
  const simProc = fork(__filename, ['--sim'], { execArgv: [] });
  const { port } = await new Promise((r) => simProc.once('message', r));
  const session = new JetSession({ host: '127.0.0.1', port, username: 'lab', password: 'lab123', clientId: 'micro', requestTimeoutMs: 30000, queueLimit: 1000 });
  const routes = new JetRoutes(session);
  session.start();
  await new Promise((r) => session.once('ready', r));
  const prefixes = Array.from({ length: n }, (_, k) => `30.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}/32`);
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    const specs = buildRouteSpecs({ prefixes, nexthops: '10.1.1.2' }, true);
    const t1 = performance.now();
    const added = await Promise.all(specs.map((s) => routes.add(s)));
    const t2 = performance.now();
    await Promise.all(specs.map((s) => routes.delete(s)));
    const t3 = performance.now();
    console.log(
      `round ${round}: validate ${(t1 - t0).toFixed(0)} ms, add ${(t2 - t1).toFixed(0)} ms (${Math.round((n / (t2 - t1)) * 1000)}/s, ${added.filter((a) => a.status === 'added').length} added), delete ${(t3 - t2).toFixed(0)} ms`,
    );
  }
  await session.close();
  simProc.kill();
}
main();
