#!/usr/bin/env node
'use strict';
// Profiling aid (not part of npm run bench): the gRPC cost of many one-route calls, the shape of
// 10,000 Node-RED messages of one prefix each: a bare grpc-js client (one-route RouteAdd, 8 in
// flight, the plugin's window) vs the plugin's route path without Node-RED (JetRoutes.add of one
// spec, 10,000 at once), the simulator in another process. node --cpu-prof bench/micro-calls.js
const path = require('path').join(__dirname, '..', 'dist') + '/';
const { fork } = require('child_process');
const { createBackend } = require(path+'lib/router/backends');
const { JetRoutes } = require(path+'lib/core/route-client');
const { RouteState } = require(path+'lib/core/route-state');
const { buildRouteSpecs } = require(path+'lib/core/route-spec');
const { connect, entry } = require(require('path').join(__dirname, 'lib', 'bare-grpc'));
(async () => {
  const simProc = fork(require('path').join(__dirname, 'micro-routes.js'), ['--sim']);
  const ports = await new Promise((r) => simProc.once('message', r));
  const port = ports.grpc; const N = 10000;
  // bare: 1-route RouteAdd calls, 8 in flight
  const { rib, unary: u } = await connect(port, 'bare');
  const e = (k) => entry(`31.${(k>>16)&255}.${(k>>8)&255}.${k&255}`);
  for (let round=0; round<2; round++) {
    let next = 0; const t0 = performance.now(); const c0 = process.cpuUsage();
    await Promise.all(Array.from({length: 8}, async () => { while (next < N) { const k = next++; await u(rib, 'RouteAdd', { routes: [e(k + round*N)] }); } }));
    const ms = performance.now()-t0; const c = process.cpuUsage(c0);
    console.log(`bare 1-route calls, 8 in flight: ${Math.round(N/ms*1000)}/s, client CPU ${((c.user+c.system)/1000).toFixed(0)} ms`);
  }
  // plugin path without Node-RED: 10,000 add() of one spec each, all issued at once
  const session = createBackend('grpc', { host: '127.0.0.1', port, username: 'lab', password: 'lab123', clientId: 'micro', requestTimeoutMs: 30000, queueLimit: 100000 });
  const routes = new JetRoutes(session, new RouteState({ api: 'grpc', host: '127.0.0.1', port }));
  session.start(); await new Promise((r) => session.once('ready', r));
  for (let round=0; round<3; round++) {
    const specs = Array.from({length: N}, (_, k) => buildRouteSpecs({ prefixes: `32.${round}.${(k>>8)&255}.${k&255}/32`, nexthops: '10.1.1.2' }, true));
    const t0 = performance.now(); const c0 = process.cpuUsage();
    const r = await Promise.all(specs.map((s) => routes.add(s)));
    const ms = performance.now()-t0; const c = process.cpuUsage(c0);
    console.log(`JetRoutes.add x ${N} one-spec calls: ${Math.round(N/ms*1000)}/s, CPU ${((c.user+c.system)/1000).toFixed(0)} ms, ok ${r.filter(x=>x[0].status==='added').length}`);
  }
  await session.close(); rib.close(); simProc.kill(); process.exit(0);
})();
