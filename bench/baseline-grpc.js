'use strict';
// Baseline for the gRPC throughput rows: the bare @grpc/grpc-js client a Node.js user would write
// for jnx.jet without the plugin. One channel (one HTTP/2 connection = one JET session) shared by
// the Authentication and Rib clients, `client-id` metadata on every call; Login, RouteInitialize,
// then RouteAdd in requests of 1,000 routes (the API's limit), then RouteDelete of the same keys.
// No validation, no queue, no deadlines beyond one fixed bound, no reconnect: the least work a
// route costs through grpc-js. The protos are loaded as the plugin loads them (jetGrpc(),
// dist/lib/grpc/proto.js: @grpc/proto-loader with the same options).
//
// Run by bench/run.js with an IPC channel:
//   node bench/baseline-grpc.js <grpcPort>            → sends {ready} once logged in and initialized
//   IPC {cmd: 'throughput', mode: 'seq'|'pipe', n, start, octet}
//     → RouteAdd n host routes in requests of 1,000, one request at a time (seq) or all at once
//       (pipe), timed; then RouteDelete of them the same way, timed apart;
//       answers {elapsedMs, deleteMs, requests, statuses, deleteStatuses}
//   node bench/baseline-grpc.js <grpcPort> --events <mqttPort> <topic> [qos]
//     → also an mqtt.js subscriber (at `qos`, default 1): each rising RMON event (JSON.parse + one
//       regex, as bench/baseline-node.js) is one RouteAdd of its host route, falling a RouteDelete;
//       the bare gRPC client of the latency section behind a real broker.
// Alone (no IPC): node bench/baseline-grpc.js <grpcPort> [n] [repeats] [seq|pipe] → prints routes/s.
const path = require('path');
const { performance } = require('perf_hooks');
const { connect, key, entry } = require(path.join(__dirname, 'lib', 'bare-grpc'));
const { subscribeRmon } = require(path.join(__dirname, 'lib', 'rmon-subscriber'));

const port = Number(process.argv[2]);
const CLIENT_ID = 'bench-grpc-baseline';
const PER_REQUEST = 1000;

const hostRoute = (octet, k) => `${octet}.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
/** The client's unary call (bench/lib/bare-grpc.js), once logged in. */
let unary = null;

/** n routes in requests of 1,000 (RouteAdd or RouteDelete), one at a time or all at once; per-sub_code route counts. */
async function run(rib, op, mode, addrs) {
  const chunks = [];
  for (let i = 0; i < addrs.length; i += PER_REQUEST) chunks.push(addrs.slice(i, i + PER_REQUEST));
  const statuses = {};
  const count = (reply, size) => {
    const ok = reply.status && reply.status.code === 'SUCCESS' && reply.sub_code === 'SUCCESS';
    const name = ok ? 'SUCCESS' : String(reply.sub_code);
    statuses[name] = (statuses[name] || 0) + (ok ? size : 1);
  };
  const one = async (chunk) => {
    const reply =
      op === 'add' ? await unary(rib, 'RouteAdd', { routes: chunk.map(entry) }) : await unary(rib, 'RouteDelete', { keys: chunk.map(key) });
    count(reply, chunk.length);
  };
  const t0 = performance.now();
  if (mode === 'seq') for (const c of chunks) await one(c);
  else await Promise.all(chunks.map(one));
  return { ms: performance.now() - t0, requests: chunks.length, statuses };
}

async function throughput(rib, m) {
  const addrs = Array.from({ length: m.n }, (_, i) => hostRoute(m.octet, m.start + i));
  const add = await run(rib, 'add', m.mode, addrs);
  const del = await run(rib, 'delete', m.mode, addrs);
  return { elapsedMs: add.ms, deleteMs: del.ms, requests: add.requests, statuses: add.statuses, deleteStatuses: del.statuses };
}

/** The latency section's event path: mqtt.js subscriber → one RouteAdd / RouteDelete per event. */
function subscribeEvents(rib, mqttPort, topic, qos) {
  return subscribeRmon({ mqttPort, topic, qos, clientId: 'bench-grpc-baseline' }, (ifIndex, rising) => {
    const addr = hostRoute(10, ifIndex);
    const call = rising ? unary(rib, 'RouteAdd', { routes: [entry(addr)] }) : unary(rib, 'RouteDelete', { keys: [key(addr)] });
    call.then(
      (r) => r.sub_code !== 'SUCCESS' && console.error(`route ${addr}: ${r.sub_code}`),
      (err) => console.error(`route ${addr}: ${err.message}`),
    );
  });
}

async function main() {
  const session = await connect(port, CLIENT_ID);
  unary = session.unary;
  const rib = session.rib;
  const ev = process.argv.indexOf('--events');
  if (ev > 0) await subscribeEvents(rib, Number(process.argv[ev + 1]), process.argv[ev + 2], Number(process.argv[ev + 3] || 1));
  if (process.send) {
    process.on('message', async (m) => {
      if (!m || m.cmd !== 'throughput') return;
      try {
        process.send(await throughput(rib, m));
      } catch (err) {
        process.send({ error: err.message });
      }
    });
    process.send({ ready: true });
    return;
  }
  const n = Number(process.argv[3]) || 10000;
  const repeats = Number(process.argv[4]) || 3;
  const mode = process.argv[5] === 'seq' ? 'seq' : 'pipe';
  for (let r = 0; r < repeats; r++) {
    const x = await throughput(rib, { mode, n, start: 0, octet: 60 + r });
    console.log(
      `grpc-js ${mode} ${n} routes: add ${x.elapsedMs.toFixed(0)} ms = ${Math.round((n / x.elapsedMs) * 1000)} routes/s ${JSON.stringify(x.statuses)}, ` +
        `delete ${x.deleteMs.toFixed(0)} ms = ${Math.round((n / x.deleteMs) * 1000)} routes/s`,
    );
  }
  rib.close();
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
