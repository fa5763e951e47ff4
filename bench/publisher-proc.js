'use strict';
// The publisher of the latency section behind a real broker (bench/lib/broker-latency.js), in its
// own process: an MQTT.js client publishing SNMPD_RMON_EVENTLOG notifications at QoS 1 (as the
// router's event daemon publishes into its Mosquitto), socket options left as MQTT.js sets them.
//   node bench/publisher-proc.js <mqttPort> [qos] → IPC {ready}
//   IPC {cmd: 'publish', topic, first, n, rate, cycle?} → n events at `rate` per second by absolute
//     schedule; answers {sent: [[ifIndex, t], ...], seconds}, t = hrtime ms. Without `cycle`: rising
//     events on ifIndex first..first+n-1. With cycle {base, K}: event number k = first..first+n-1 is
//     about interface base + k % K, rising in even rounds of K and falling in odd ones, so that every
//     interface alternates (each event a transition: a RouteAdd or a RouteDelete).
const path = require('path');
const mqtt = require('mqtt');
const { rmonPayload, cycledEvent } = require(path.join(__dirname, 'lib', 'events'));

const port = Number(process.argv[2]);
const QOS = Number(process.argv[3] || 1);
const now = () => Number(process.hrtime.bigint()) / 1e6;

const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-publisher-qos' + QOS, clean: true, protocolVersion: 4 });
client.on('error', (err) => console.error(`publisher: ${err.message}`));
client.once('connect', () => process.send({ ready: true }));

process.on('message', (m) => {
  if (!m || m.cmd !== 'publish') return;
  const interval = 1000 / m.rate;
  const sent = [];
  const t0 = now();
  let i = 0;
  const tick = () => {
    const t = now();
    while (i < m.n && t0 + i * interval <= t) {
      const k = m.first + i++;
      const { ifIndex, direction } = m.cycle ? cycledEvent(k, m.cycle.K, m.cycle.base) : { ifIndex: k, direction: 'rising' };
      const payload = rmonPayload(ifIndex, direction);
      sent.push([ifIndex, now()]);
      client.publish(m.topic, payload, { qos: QOS });
    }
    if (i >= m.n) {
      process.send({ sent, seconds: (now() - t0) / 1000 });
      return;
    }
    setTimeout(tick, Math.max(0, t0 + i * interval - now()));
  };
  tick();
});
