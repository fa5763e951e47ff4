/**
 * Baseline (a): the event-to-route app a Node.js user would write without Node-RED. An mqtt.js
 * subscriber parses each notification (JSON.parse + one regex) and calls RouteAdd (rising) or
 * RouteDelete (falling) straight away with the client generated from idl/ (dist/lib/gen), on npm
 * thrift's createConnection + one Multiplexer (docs/protocol.md §5). No reconnect, no validation, no
 * state: the least work an event can cost in Node.js.
 *
 * Run by the bench with an IPC channel:
 *   node dist/bench/baseline-node.js <thriftPort> <mqttPort> [topic] [qos] → sends {ready} once logged in and subscribed
 *   IPC {cmd: 'throughput', mode: 'seq'|'pipe', n, start, octet} → RouteAdd n host routes, one by one
 *     (await each) or all at once (pipelined); answers {elapsedMs, statuses}
 */
import { performance } from 'perf_hooks';
import * as jet from '../lib/gen/jet';
import { connectBareThrift, routeConfig } from './lib/bare-thrift';
import { prefixOf } from './lib/prefix';
import { qosOf, subscribeRmon } from './lib/rmon-subscriber';
import { RMON_TOPIC } from './lib/events';
import type { ThriftThroughputAnswer, ThroughputQuestion } from './lib/ipc';

async function main(argv: string[]): Promise<void> {
  const thriftPort = Number(argv[0]);
  const mqttPort = Number(argv[1]);
  const topic = argv[2] || RMON_TOPIC;
  /** QoS of the subscription: 0 in the aedes latency section (as before), 1 behind Mosquitto. */
  const qos = qosOf(argv[3], 0);
  const send = process.send?.bind(process);
  if (!send) throw new Error('baseline-node runs with an IPC channel (forked by the bench)');

  const bare = await connectBareThrift(thriftPort, 'bench-node-baseline');
  const { routes } = bare;
  await subscribeRmon({ mqttPort, topic, qos, clientId: 'bench-node-baseline' }, bare.event);

  process.on('message', async (m: ThroughputQuestion) => {
    if (!m || m.cmd !== 'throughput') return;
    const prefixes = Array.from({ length: m.n }, (_, i) => prefixOf(m.start + i, m.octet));
    const statuses: Record<string, number> = {};
    const count = (r: jet.RouteResult): number => (statuses[String(r.err_code)] = (statuses[String(r.err_code)] || 0) + 1);
    const t0 = performance.now();
    if (m.mode === 'seq') {
      for (const p of prefixes) count(await routes.RouteAdd(routeConfig(p)));
    } else {
      (await Promise.all(prefixes.map((p) => routes.RouteAdd(routeConfig(p))))).forEach(count);
    }
    const answer: ThriftThroughputAnswer = { elapsedMs: performance.now() - t0, statuses };
    send(answer);
  });
  send({ ready: true });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err.stack || err.message);
    process.exit(1);
  });
}
