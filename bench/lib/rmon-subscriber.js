'use strict';
// The event path of the bench's bare Node clients (bench/baseline-node.js, bench/baseline-grpc.js):
// an mqtt.js subscriber that reads each SNMPD_RMON_EVENTLOG notification with JSON.parse and one
// regex, and hands its ifIndex and direction on, in the message's own tick. No validation, no state,
// no reconnect: the least work an event can cost in Node.js.
const mqtt = require('mqtt');

const RMON = /Event (\d+) triggered by Alarm (\d+), (rising|falling) threshold \(([\d.]+)\) crossed, \(variable: ifIn1SecRate\.(\d+), value: ([\d.]+)\)/;

/** Subscribes `clientId` to `topic` at `qos`; onEvent(ifIndex, rising) per RMON event; resolves once subscribed. */
function subscribeRmon({ mqttPort, topic, qos, clientId }, onEvent) {
  const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId, clean: true, protocolVersion: 4 });
  client.on('error', (err) => console.error(`mqtt: ${err.message}`));
  client.on('message', (_topic, payload) => {
    let ev;
    try {
      ev = JSON.parse(payload.toString())['jet-event'];
    } catch {
      return;
    }
    const m = ev && ev.attributes && RMON.exec(ev.attributes.message);
    if (m) onEvent(Number(m[5]), m[3] === 'rising');
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => client.subscribe(topic, { qos }, (err) => (err ? reject(err) : resolve())));
  });
}

module.exports = { subscribeRmon };
