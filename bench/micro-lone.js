#!/usr/bin/env node
'use strict';
// Profiling aid (not part of npm run bench): the latency path's route call, one at a time. 3 rounds of
// 3,000 calls of one route, each awaited, 1 ms apart, against the simulator in another process:
// CPU per call and p50 answer time, a bare grpc-js unary RouteAdd (gRPC only) and then the plugin's
// JetRoutes.add of one spec.   node bench/micro-lone.js [grpc|thrift]   (after npm run build)
const path = require('path').join(__dirname, '..', 'dist') + '/';
const { fork } = require('child_process');
const { createBackend } = require(path+'lib/jet/backends');
const { JetRoutes } = require(path+'lib/jet/routes');
const { RouteState } = require(path+'lib/jet/route-state');
const { buildRouteSpecs } = require(path+'lib/routes/validate');
const { connect, entry } = require(require('path').join(__dirname, 'lib', 'bare-grpc'));
const api = process.argv[2] || 'grpc';
(async () => {
  const simProc = fork(require('path').join(__dirname, 'micro-routes.js'), ['--sim']);
  const ports = await new Promise((r) => simProc.once('message', r));
  const port = api === 'grpc' ? ports.grpc : ports.thrift; const N = 3000;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  if (api === 'grpc') {
  const { rib, unary: u } = await connect(port, 'bare');
  const e = (k) => entry(`31.${(k>>16)&255}.${(k>>8)&255}.${k&255}`);
  for (let round=0; round<3; round++) {
    const c0 = process.cpuUsage(); const lat=[];
    for (let k=0;k<N;k++){ const t0=performance.now(); await u(rib,'RouteAdd',{routes:[e(k+round*N)]}); lat.push(performance.now()-t0); await sleep(1); }
    const c = process.cpuUsage(c0); lat.sort((a,b)=>a-b);
    console.log(`bare lone call: client CPU ${((c.user+c.system)/N).toFixed(0)} µs/call, p50 ${lat[N>>1].toFixed(3)} ms`);
  }
  rib.close();
  }
  const session = createBackend(api, { host: '127.0.0.1', port, username: 'lab', password: 'lab123', clientId: 'micro', requestTimeoutMs: 30000, queueLimit: 100000 });
  const routes = new JetRoutes(session, new RouteState({ api, host: '127.0.0.1', port }));
  session.start(); await new Promise((r) => session.once('ready', r));
  for (let round=0; round<3; round++) {
    const specs = Array.from({length: N}, (_, k) => buildRouteSpecs({ prefixes: `32.${round}.${(k>>8)&255}.${k&255}/32`, nexthops: '10.1.1.2' }, true));
    const c0 = process.cpuUsage(); const lat=[];
    for (let k=0;k<N;k++){ const t0=performance.now(); await routes.add(specs[k]); lat.push(performance.now()-t0); await sleep(1); }
    const c = process.cpuUsage(c0); lat.sort((a,b)=>a-b);
    console.log(`plugin lone JetRoutes.add: CPU ${((c.user+c.system)/N).toFixed(0)} µs/call, p50 ${lat[N>>1].toFixed(3)} ms`);
  }
  await session.close(); simProc.kill(); process.exit(0);
})();
