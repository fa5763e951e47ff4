#!/usr/bin/env node
'use strict';
// Profiling aid (not part of `npm run bench`): the route path of the plugin without Node-RED:
// a backend (gRPC or Thrift) + JetRoutes + route validation against the simulator in another
// process, N routes added in one call, then deleted.
// Run with `node --cpu-prof bench/micro-routes.js [N] [rounds] [grpc|thrift] [--ab DIR]`.
// --ab DIR: the same rounds, alternating in this one process (order rotating, same simulator), on the
// route path of another checkout of this package at DIR (built); the medians of both after a warm-up round.
const path = require('path');
const { fork } = require('child_process');
const { performance } = require('perf_hooks');
const DIST = path.join(__dirname, '..', 'dist');

/** The route path of the checkout whose compiled output is `dist`. */
function routePath(dist) {
  return {
    createBackend: require(path.join(dist, 'lib/router/backends')).createBackend,
    JetRoutes: require(path.join(dist, 'lib/core/route-client')).JetRoutes,
    RouteState: require(path.join(dist, 'lib/core/route-state')).RouteState,
    buildRouteSpecs: require(path.join(dist, 'lib/core/route-spec')).buildRouteSpecs,
  };
}

if (process.argv[2] === '--sim') {
  require(path.join(DIST, 'sim'))
    .JetSimulator.start({ host: '127.0.0.1', sampling: false })
    .then((sim) => process.send({ thrift: sim.thriftPort, grpc: sim.grpcPort }));
  return;
}

async function main() {
  const args = process.argv.slice(2);
  const abAt = args.indexOf('--ab');
  const abDir = abAt >= 0 ? path.resolve(args.splice(abAt, 2)[1]) : null;
  const n = Number(args[0]) || 10000;
  const rounds = Number(args[1]) || 5;
  const api = args[2] === 'thrift' ? 'thrift' : 'grpc';
  const simProc = fork(__filename, ['--sim'], { execArgv: [] });
  const ports = await new Promise((r) => simProc.once('message', r));
  const port = ports[api];
  const trees = [{ name: 'this tree', dist: DIST, octet: 30 }];
  if (abDir) trees.push({ name: abDir, dist: path.join(abDir, 'dist'), octet: 31 });
  for (const [i, t] of trees.entries()) {
    const P = routePath(t.dist);
    t.buildRouteSpecs = P.buildRouteSpecs;
    t.session = P.createBackend(api, { host: '127.0.0.1', port, username: 'lab', password: 'lab123', clientId: `micro-${i}`, requestTimeoutMs: 30000, queueLimit: 1000 });
    t.routes = new P.JetRoutes(t.session, new P.RouteState({ api, host: '127.0.0.1', port }));
    t.session.start();
    await new Promise((r) => t.session.once('ready', r));
    t.prefixes = Array.from({ length: n }, (_, k) => `${t.octet}.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}/32`);
    t.times = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < trees.length; j++) {
      const t = trees[(j + round) % trees.length];
      const t0 = performance.now();
      const specs = t.buildRouteSpecs({ prefixes: t.prefixes, nexthops: '10.1.1.2' }, true);
      const t1 = performance.now();
      const added = await t.routes.add(specs);
      const t2 = performance.now();
      await t.routes.delete(specs);
      const t3 = performance.now();
      if (round > 0 || rounds === 1) t.times.push([t1 - t0, t2 - t1, t3 - t2]);
      console.log(
        `${api} ${trees.length > 1 ? `${t.name} ` : ''}round ${round}: validate ${(t1 - t0).toFixed(0)} ms, add ${(t2 - t1).toFixed(0)} ms (${Math.round((n / (t2 - t1)) * 1000)}/s, ${added.filter((a) => a.status === 'added').length} added), delete ${(t3 - t2).toFixed(0)} ms`,
      );
    }
  }
  if (trees.length > 1) {
    const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    for (const t of trees) {
      const m = [0, 1, 2].map((i) => median(t.times.map((x) => x[i])).toFixed(0));
      console.log(`${api} ${t.name}: median of ${t.times.length} rounds (first round not counted): validate ${m[0]} ms, add ${m[1]} ms, delete ${m[2]} ms`);
    }
  }
  for (const t of trees) await t.session.close();
  simProc.kill();
}
main();
