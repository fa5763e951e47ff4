/**
 * Nagle off on the in-process simulator's broker sockets and on an MQTT.js client (aedes and MQTT.js
 * leave it on; with Linux's delayed ACKs it holds a burst's next message up to 40 ms: see the report).
 */
import type * as net from 'net';
import type { MqttClient } from 'mqtt';
import type { JetSimulator } from '../../sim';

/**
 * Every client socket the simulator's broker accepts from now on. The simulator keeps its listening
 * server private (it has no option for this); the bench reaches it, as it always has.
 */
export function brokerNoDelay(sim: JetSimulator): void {
  const server = (sim.broker as unknown as { server?: net.Server }).server;
  if (!server) throw new Error('the simulator broker is not listening');
  server.on('connection', (socket: net.Socket) => socket.setNoDelay(true));
}

/** A connected MQTT.js client's socket. */
export function clientNoDelay(client: MqttClient): void {
  (client.stream as net.Socket).setNoDelay(true);
}
