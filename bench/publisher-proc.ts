/**
 * The publisher of the latency section behind a real broker (sections/broker.ts), in its own
 * process: an MQTT.js client publishing SNMPD_RMON_EVENTLOG notifications at QoS 1 (as the
 * router's event daemon publishes into its Mosquitto), socket options left as MQTT.js sets them.
 *   node dist/bench/publisher-proc.js <mqttPort> [qos] → IPC {ready}
 *   IPC {cmd: 'publish', topic, first, n, rate, cycle?} → n events at `rate` per second by absolute
 *     schedule; answers {sent: [[ifIndex, t], ...], seconds}, t = hrtime ms. Without `cycle`: rising
 *     events on ifIndex first..first+n-1. With cycle {base, K}: event number k = first..first+n-1 is
 *     about interface base + k % K, rising in even rounds of K and falling in odd ones, so that every
 *     interface alternates (each event a transition: a RouteAdd or a RouteDelete).
 */
import * as mqtt from 'mqtt';
import { cycledEvent, Direction, rmonPayload } from './lib/events';
import { qosOf } from './lib/rmon-subscriber';
import type { PublishAnswer, PublishQuestion } from './lib/ipc';

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

function main(argv: string[]): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('publisher-proc runs with an IPC channel (forked by the bench)');
  const port = Number(argv[0]);
  const qos = qosOf(argv[1], 1);
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-publisher-qos' + qos, clean: true, protocolVersion: 4 });
  client.on('error', (err) => console.error(`publisher: ${err.message}`));
  client.once('connect', () => send({ ready: true }));

  process.on('message', (m: PublishQuestion) => {
    if (!m || m.cmd !== 'publish') return;
    const interval = 1000 / m.rate;
    const sent: PublishAnswer['sent'] = [];
    const t0 = now();
    let i = 0;
    const tick = (): void => {
      const t = now();
      while (i < m.n && t0 + i * interval <= t) {
        const k = m.first + i++;
        const { ifIndex, direction }: { ifIndex: number; direction: Direction } = m.cycle ? cycledEvent(k, m.cycle.K, m.cycle.base) : { ifIndex: k, direction: 'rising' };
        const payload = rmonPayload(ifIndex, direction);
        sent.push([ifIndex, now()]);
        client.publish(m.topic, payload, { qos });
      }
      if (i >= m.n) {
        const answer: PublishAnswer = { sent, seconds: (now() - t0) / 1000 };
        send(answer);
        return;
      }
      setTimeout(tick, Math.max(0, t0 + i * interval - now()));
    };
    tick();
  });
}

if (require.main === module) main(process.argv.slice(2));
