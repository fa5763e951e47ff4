#!/usr/bin/env node
'use strict';
// Profiling aid (not part of `npm run bench`): the route path of the plugin without Node-RED:
// a backend (gRPC or Thrift) + JetRoutes + route validation against the simulator in another
// process, N routes added in one call, then deleted.
// Run with `node --cpu-prof bench/micro-routes.js [N] [rounds] [grpc|thrift]`.
const path = require('path');
const { fork } = require('child_process');
const { performance } = require('perf_hooks');
const DIST = path.join(__dirname, '..', 'dist');
const { createBackend } = require(path.join(DIST, 'lib/jet/backends'));
const { JetRoutes } = require(path.join(DIST, 'lib/jet/routes'));
const { RouteState } = require(path.join(DIST, 'lib/jet/route-state'));
const { buildRouteSpecs } = require(path.join(DIST, 'lib/routes/validate'));

if (process.argv[2] === '--sim') {
  require(path.join(DIST, 'sim'))
    .JetSimulator.start({ host: '127.0.0.1', sampling: false })
    .then((sim) => process.send({ thrift: sim.thriftPort, grpc: sim.grpcPort }));
  return;
}

async function main() {
  const n = Number(process.argv[2]) || 10000;
  const rounds = Number(process.argv[3]) || 5;
  const simProc = fork(__filename, ['--sim'], { execArgv: [] });
  const api = process.argv[4] === 'thrift' ? 'thrift' : 'grpc';
  const ports = await new Promise((r) => simProc.once('message', r));
  const port = ports[api];
  const session = createBackend(api, { host: '127.0.0.1', port, username: 'lab', password: 'lab123', clientId: 'micro', requestTimeoutMs: 30000, queueLimit: 1000 });
  const routes = new JetRoutes(session, new RouteState({ api, host: '127.0.0.1', port }));
  session.start();
  await new Promise((r) => session.once('ready', r));
  const prefixes = Array.from({ length: n }, (_, k) => `30.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}/32`);
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    const specs = buildRouteSpecs({ prefixes, nexthops: '10.1.1.2' }, true);
    const t1 = performance.now();
    const added = await routes.add(specs);
    const t2 = performance.now();
    await routes.delete(specs);
    const t3 = performance.now();
    console.log(
      `${api} round ${round}: validate ${(t1 - t0).toFixed(0)} ms, add ${(t2 - t1).toFixed(0)} ms (${Math.round((n / (t2 - t1)) * 1000)}/s, ${added.filter((a) => a.status === 'added').length} added), delete ${(t3 - t2).toFixed(0)} ms`,
    );
  }
  await session.close();
  simProc.kill();
}
main();
