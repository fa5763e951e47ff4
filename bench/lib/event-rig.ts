/**
 * For the diagnostics (alloc-profile.ts, gc-promotion.ts): the simulator in this process, Node-RED
 * with the plugin and the bench flow, and an MQTT.js publisher on the simulator's broker.
 */
import * as mqtt from 'mqtt';
import { JetSimulator } from '../../sim';
import { NodeRed } from './nodered';
import { benchFlow, splitCredentials } from './flows';
import { ROOT } from './paths';
import { brokerNoDelay, clientNoDelay } from './nodelay';

export interface EventRig {
  sim: JetSimulator;
  nr: NodeRed;
  pub: mqtt.MqttClient;
  /** Stops Node-RED (removing its user directory), the publisher and the simulator. */
  stop(): Promise<void>;
}

export interface EventRigOptions {
  name: string;
  /** The checkout whose plugin Node-RED runs (default: this one). */
  pluginDir?: string;
  nodeFlags?: string[];
  /** Nagle off on the broker's client sockets and the publisher. */
  nodelay?: boolean;
}

export async function startEventRig(o: EventRigOptions): Promise<EventRig> {
  const sim = await JetSimulator.start({ host: '127.0.0.1', sampling: false });
  if (o.nodelay) brokerNoDelay(sim);
  const nr = new NodeRed({ name: o.name, pluginDir: o.pluginDir ?? ROOT, nodeFlags: o.nodeFlags ?? [] });
  let pub: mqtt.MqttClient | null = null;
  const stop = async (): Promise<void> => {
    await nr.stop();
    nr.remove();
    pub?.end(true);
    await sim.stop();
  };
  try {
    const { nodes, creds } = splitCredentials(benchFlow(sim));
    await nr.start(nodes, creds);
    const client = mqtt.connect(`mqtt://127.0.0.1:${sim.mqttPort}`);
    pub = client;
    await new Promise((r) => client.once('connect', r));
    if (o.nodelay) clientNoDelay(client);
  } catch (err) {
    await stop();
    throw err;
  }
  return { sim, nr, pub, stop };
}
