#!/usr/bin/env node
'use strict';
// Profiling aid (not part of npm run bench): the latency path's route call, one at a time. 3 rounds of
// 3,000 calls of one route, each awaited, 1 ms apart, against the simulator in another process:
// CPU per call and p50 answer time, a bare grpc-js unary RouteAdd (gRPC only) and then the plugin's
// JetRoutes.add of one spec.   node bench/micro-lone.js [grpc|thrift]   (after npm run build)
const path = require('path');
const { fork } = require('child_process');
const U = require('./lib/util');
const { connect, entry } = require('./lib/bare-grpc');

const DIST = path.join(__dirname, '..', 'dist');
const { createBackend } = require(path.join(DIST, 'lib', 'router', 'backends'));
const { JetRoutes } = require(path.join(DIST, 'lib', 'core', 'route-client'));
const { RouteState } = require(path.join(DIST, 'lib', 'core', 'route-state'));
const { buildRouteSpecs } = require(path.join(DIST, 'lib', 'core', 'route-spec'));

const api = process.argv[2] || 'grpc';
const N = 3000;
const ROUNDS = 3;

/** Awaits call(k) for k < N, 1 ms apart; CPU per call (µs) and the p50 answer time (ms). */
async function lone(call) {
  const c0 = process.cpuUsage();
  const lat = [];
  for (let k = 0; k < N; k++) {
    const t0 = performance.now();
    await call(k);
    lat.push(performance.now() - t0);
    await U.sleep(1);
  }
  const c = process.cpuUsage(c0);
  lat.sort((a, b) => a - b);
  return `${((c.user + c.system) / N).toFixed(0)} µs/call, p50 ${U.percentile(lat, 50).toFixed(3)} ms`;
}

(async () => {
  const simProc = fork(path.join(__dirname, 'micro-routes.js'), ['--sim']);
  const ports = await new Promise((r) => simProc.once('message', r));
  const port = api === 'grpc' ? ports.grpc : ports.thrift;
  if (api === 'grpc') {
    const { rib, unary } = await connect(port, 'bare');
    const addr = (k) => `31.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`bare lone call: client CPU ${await lone((k) => unary(rib, 'RouteAdd', { routes: [entry(addr(k + round * N))] }))}`);
    }
    rib.close();
  }
  const session = createBackend(api, { host: '127.0.0.1', port, username: 'lab', password: 'lab123', clientId: 'micro', requestTimeoutMs: 30000, queueLimit: 100000 });
  const routes = new JetRoutes(session, new RouteState({ api, host: '127.0.0.1', port }));
  session.start();
  await new Promise((r) => session.once('ready', r));
  for (let round = 0; round < ROUNDS; round++) {
    const specs = Array.from({ length: N }, (_, k) => buildRouteSpecs({ prefixes: `32.${round}.${(k >> 8) & 255}.${k & 255}/32`, nexthops: '10.1.1.2' }, true));
    console.log(`plugin lone JetRoutes.add: CPU ${await lone((k) => routes.add(specs[k]))}`);
  }
  await session.close();
  simProc.kill();
  process.exit(0);
})();
