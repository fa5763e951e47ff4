'use strict';
// Baseline (a): the event-to-route app a Node.js user would write without Node-RED. An mqtt.js
// subscriber parses each notification (JSON.parse + one regex) and calls RouteAdd (rising) or
// RouteDelete (falling) straight away with the client generated from idl/ (dist/lib/gen), on npm
// thrift's createConnection + one Multiplexer (docs/protocol.md §5). No reconnect, no validation, no
// state: the least work an event can cost in Node.js.
//
// Run by bench/run.js with an IPC channel:
//   node bench/baseline-node.js <thriftPort> <mqttPort> [topic] [qos] → sends {ready} once logged in and subscribed
//   IPC {cmd: 'throughput', mode: 'seq'|'pipe', n, start, octet} → RouteAdd n host routes, one by one
//     (await each) or all at once (pipelined); answers {elapsedMs, statuses}
const path = require('path');
const { performance } = require('perf_hooks');
const thrift = require('thrift');
const { subscribeRmon } = require(path.join(__dirname, 'lib', 'rmon-subscriber'));
const jet = require(path.join(__dirname, '..', 'dist', 'lib', 'gen', 'jet'));

const thriftPort = Number(process.argv[2]);
const mqttPort = Number(process.argv[3]);
const TOPIC = process.argv[4] || '/junos/events/syslog/SNMPD_RMON_EVENTLOG';
/** QoS of the subscription: 0 in the aedes latency section (as before), 1 behind Mosquitto. */
const QOS = Number(process.argv[5] || 0);

const hostRoute = (octet, k) => `${octet}.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}/32`;

function routeConfig(prefix) {
  return new jet.RouteConfig({
    app_id: '111:222',
    family_type: jet.FamilyType.af_inet,
    prefix,
    nexthops: [new jet.NexthopInfo({ nexthop_address: new jet.GatewayAddress({ nexthop_ip: '10.1.1.2' }) })],
    preference: [5],
    metric: [3],
  });
}

async function main() {
  const conn = thrift.createConnection('127.0.0.1', thriftPort, { transport: thrift.TBufferedTransport, protocol: thrift.TBinaryProtocol });
  conn.on('error', (err) => console.error(`thrift: ${err.message}`));
  const mux = new thrift.Multiplexer();
  const auth = mux.createClient('AuthenticationService', jet.AuthenticationService.Client, conn);
  const routes = mux.createClient('RouteService', jet.RouteService.Client, conn);
  await new Promise((resolve) => conn.once('connect', resolve));
  const login = await auth.LoginCheck(new jet.AuthenticationLoginRequest({ user_name: 'lab', password: 'lab123', client_id: 'bench-node-baseline' }));
  if (!login.result) throw new Error(`login refused: ${login.message}`);

  await subscribeRmon({ mqttPort, topic: TOPIC, qos: QOS, clientId: 'bench-node-baseline' }, (ifIndex, rising) => {
    const cfg = routeConfig(hostRoute(10, ifIndex));
    const call = rising ? routes.RouteAdd(cfg) : routes.RouteDelete(cfg);
    call.then(
      (r) => r.err_code !== 0 && r.err_code !== 2 && r.err_code !== 3 && console.error(`route ${cfg.prefix}: err ${r.err_code}`),
      (err) => console.error(`route ${cfg.prefix}: ${err.message}`),
    );
  });

  process.on('message', async (m) => {
    if (!m || m.cmd !== 'throughput') return;
    const prefixes = Array.from({ length: m.n }, (_, i) => hostRoute(m.octet, m.start + i));
    const statuses = {};
    const count = (r) => (statuses[r.err_code] = (statuses[r.err_code] || 0) + 1);
    const t0 = performance.now();
    if (m.mode === 'seq') {
      for (const p of prefixes) count(await routes.RouteAdd(routeConfig(p)));
    } else {
      (await Promise.all(prefixes.map((p) => routes.RouteAdd(routeConfig(p))))).forEach(count);
    }
    process.send({ elapsedMs: performance.now() - t0, statuses });
  });
  process.send({ ready: true });
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
