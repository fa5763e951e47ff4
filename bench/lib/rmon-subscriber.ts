/**
 * The event path of the bench's bare Node clients (baseline-node.ts, baseline-grpc.ts): an mqtt.js
 * subscriber that reads each SNMPD_RMON_EVENTLOG notification with JSON.parse and one regex, and
 * hands its ifIndex and direction on, in the message's own tick. No validation, no state, no
 * reconnect: the least work an event can cost in Node.js (a baseline, written as a user would, so
 * it does not use the package's parser).
 */
import * as mqtt from 'mqtt';

const RMON = /Event (\d+) triggered by Alarm (\d+), (rising|falling) threshold \(([\d.]+)\) crossed, \(variable: ifIn1SecRate\.(\d+), value: ([\d.]+)\)/;

/** The ifIndex and direction (true: rising) of an SNMPD_RMON_EVENTLOG notification, null for anything else. */
export function rmonEventOf(payload: Buffer): [number, boolean] | null {
  let ev: { attributes?: { message?: string } } | undefined;
  try {
    ev = (JSON.parse(payload.toString()) as Record<string, typeof ev>)['jet-event'];
  } catch {
    return null;
  }
  const m = ev && ev.attributes && RMON.exec(String(ev.attributes.message));
  return m ? [Number(m[5]), m[3] === 'rising'] : null;
}

export interface RmonSubscription {
  mqttPort: number;
  topic: string;
  qos: 0 | 1 | 2;
  clientId: string;
}

/** Subscribes `clientId` to `topic` at `qos`; onEvent(ifIndex, rising) per RMON event; resolves once subscribed. */
export function subscribeRmon({ mqttPort, topic, qos, clientId }: RmonSubscription, onEvent: (ifIndex: number, rising: boolean) => void): Promise<void> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId, clean: true, protocolVersion: 4 });
  client.on('error', (err) => console.error(`mqtt: ${err.message}`));
  client.on('message', (_topic, payload) => {
    const e = rmonEventOf(payload);
    if (e) onEvent(e[0], e[1]);
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => client.subscribe(topic, { qos }, (err) => (err ? reject(err) : resolve())));
  });
}

/** A QoS given on a command line (0, 1 or 2; `dflt` when absent). */
export function qosOf(arg: string | undefined, dflt: 0 | 1 | 2): 0 | 1 | 2 {
  const q = arg === undefined || arg === '' ? dflt : Number(arg);
  if (q !== 0 && q !== 1 && q !== 2) throw new Error(`not an MQTT QoS: ${arg}`);
  return q;
}
