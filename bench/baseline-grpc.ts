/**
 * Baseline for the gRPC throughput rows: the bare @grpc/grpc-js client a Node.js user would write
 * for jnx.jet without the plugin. One channel (one HTTP/2 connection = one JET session) shared by
 * the Authentication and Rib clients, `client-id` metadata on every call; Login, RouteInitialize,
 * then RouteAdd in requests of 1,000 routes (the API's limit), then RouteDelete of the same keys.
 * No validation, no queue, no deadlines beyond one fixed bound, no reconnect: the least work a
 * route costs through grpc-js. The protos are loaded as the plugin loads them (jetGrpc(),
 * dist/lib/grpc/proto.js: @grpc/proto-loader with the same options).
 *
 * Run by the bench with an IPC channel:
 *   node dist/bench/baseline-grpc.js <grpcPort>            → sends {ready} once logged in and initialized
 *   IPC {cmd: 'throughput', mode: 'seq'|'pipe', n, start, octet}
 *     → RouteAdd n host routes in requests of 1,000, one request at a time (seq) or all at once
 *       (pipe), timed; then RouteDelete of them the same way, timed apart;
 *       answers {elapsedMs, deleteMs, requests, statuses, deleteStatuses}
 *   node dist/bench/baseline-grpc.js <grpcPort> --events <mqttPort> <topic> [qos]
 *     → also an mqtt.js subscriber (at `qos`, default 1): each rising RMON event (JSON.parse + one
 *       regex, as baseline-node.ts) is one RouteAdd of its host route, falling a RouteDelete;
 *       the bare gRPC client of the latency section behind a real broker.
 * Alone (no IPC): node dist/bench/baseline-grpc.js <grpcPort> [n] [repeats] [seq|pipe] → prints routes/s.
 */
import { parseArgs } from 'util';
import { performance } from 'perf_hooks';
import type { Client } from '@grpc/grpc-js';
import { connect, entry, key, Reply, Unary } from './lib/bare-grpc';
import { qosOf, subscribeRmon } from './lib/rmon-subscriber';
import type { GrpcThroughputAnswer, ThroughputQuestion } from './lib/ipc';

const CLIENT_ID = 'bench-grpc-baseline';
const PER_REQUEST = 1000;

const hostRoute = (octet: number, k: number): string => `${octet}.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;

/** n routes in requests of 1,000 (RouteAdd or RouteDelete), one at a time or all at once; per-sub_code route counts. */
async function run(unary: Unary, rib: Client, op: 'add' | 'delete', mode: 'seq' | 'pipe', addrs: string[]): Promise<{ ms: number; requests: number; statuses: Record<string, number> }> {
  const chunks: string[][] = [];
  for (let i = 0; i < addrs.length; i += PER_REQUEST) chunks.push(addrs.slice(i, i + PER_REQUEST));
  const statuses: Record<string, number> = {};
  const count = (reply: Reply, size: number): void => {
    const ok = reply.status && reply.status.code === 'SUCCESS' && reply.sub_code === 'SUCCESS';
    const name = ok ? 'SUCCESS' : String(reply.sub_code);
    statuses[name] = (statuses[name] || 0) + (ok ? size : 1);
  };
  const one = async (chunk: string[]): Promise<void> => {
    const reply =
      op === 'add' ? await unary(rib, 'RouteAdd', { routes: chunk.map(entry) }) : await unary(rib, 'RouteDelete', { keys: chunk.map(key) });
    count(reply, chunk.length);
  };
  const t0 = performance.now();
  if (mode === 'seq') for (const c of chunks) await one(c);
  else await Promise.all(chunks.map(one));
  return { ms: performance.now() - t0, requests: chunks.length, statuses };
}

async function throughput(unary: Unary, rib: Client, m: Omit<ThroughputQuestion, 'cmd'>): Promise<GrpcThroughputAnswer> {
  const addrs = Array.from({ length: m.n }, (_, i) => hostRoute(m.octet, m.start + i));
  const add = await run(unary, rib, 'add', m.mode, addrs);
  const del = await run(unary, rib, 'delete', m.mode, addrs);
  return { elapsedMs: add.ms, deleteMs: del.ms, requests: add.requests, statuses: add.statuses, deleteStatuses: del.statuses };
}

/** The latency section's event path: mqtt.js subscriber → one RouteAdd / RouteDelete per event. */
function subscribeEvents(unary: Unary, rib: Client, mqttPort: number, topic: string, qos: 0 | 1 | 2): Promise<void> {
  return subscribeRmon({ mqttPort, topic, qos, clientId: CLIENT_ID }, (ifIndex, rising) => {
    const addr = hostRoute(10, ifIndex);
    const call = rising ? unary(rib, 'RouteAdd', { routes: [entry(addr)] }) : unary(rib, 'RouteDelete', { keys: [key(addr)] });
    call.then(
      (r) => r.sub_code !== 'SUCCESS' && console.error(`route ${addr}: ${r.sub_code}`),
      (err: Error) => console.error(`route ${addr}: ${err.message}`),
    );
  });
}

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { events: { type: 'string' } }, allowPositionals: true });
  const port = Number(positionals[0]);
  if (!port) throw new Error('usage: node dist/bench/baseline-grpc.js <grpcPort> [n] [repeats] [seq|pipe] | <grpcPort> --events <mqttPort> <topic> [qos]');
  const { rib, unary } = await connect(port, CLIENT_ID);
  if (values.events !== undefined) await subscribeEvents(unary, rib, Number(values.events), positionals[1], qosOf(positionals[2], 1));
  const send = process.send?.bind(process);
  if (send) {
    process.on('message', async (m: ThroughputQuestion) => {
      if (!m || m.cmd !== 'throughput') return;
      try {
        send(await throughput(unary, rib, m));
      } catch (err) {
        send({ error: (err as Error).message });
      }
    });
    send({ ready: true });
    return;
  }
  const n = Number(positionals[1]) || 10000;
  const repeats = Number(positionals[2]) || 3;
  const mode = positionals[3] === 'seq' ? 'seq' : 'pipe';
  for (let r = 0; r < repeats; r++) {
    const x = await throughput(unary, rib, { mode, n, start: 0, octet: 60 + r });
    console.log(
      `grpc-js ${mode} ${n} routes: add ${x.elapsedMs.toFixed(0)} ms = ${Math.round((n / x.elapsedMs) * 1000)} routes/s ${JSON.stringify(x.statuses)}, ` +
        `delete ${x.deleteMs.toFixed(0)} ms = ${Math.round((n / x.deleteMs) * 1000)} routes/s`,
    );
  }
  rib.close();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err.stack || err.message);
    process.exit(1);
  });
}
