/**
 * The simulated router in the bench's own process, for the sections that share one (1b, 2, 3, 4):
 * dist/sim's Thrift and gRPC servers and its embedded aedes MQTT broker, and the publisher (an
 * MQTT.js client). Events published through publishEvent() are timed from publish() to the RIB
 * change of their prefix inside the simulator's route handler (onArrival).
 */
import { performance } from 'perf_hooks';
import * as mqtt from 'mqtt';
import { JetSimulator, RibChange } from '../../sim';
import { Direction, prefixOf, rmonPayload } from './events';
import { until, type Log } from './util';
import { brokerNoDelay, clientNoDelay } from './nodelay';

export class LocalRouter {
  /** Routes the RIB changed (add, modify, delete), counted for the throughput rows. */
  ribChanges = 0;
  /** Called with the latency (ms) of each published event whose route arrived. */
  onArrival: ((ms: number, change: RibChange) => void) | null = null;
  /** prefix → publish time (ms, performance.now()) of events waiting for their route call. */
  private readonly pending = new Map<string, number>();
  private readonly onChange = (c: RibChange): void => {
    this.ribChanges++;
    const t = this.pending.get(c.entry.prefix);
    if (t === undefined) return;
    this.pending.delete(c.entry.prefix);
    if (this.onArrival) this.onArrival(performance.now() - t, c);
  };

  private constructor(
    readonly sim: JetSimulator,
    readonly publisher: mqtt.MqttClient,
  ) {}

  /** Starts the simulator and the publisher; `nodelay`: Nagle off on the broker's client sockets and the publisher. */
  static async start(nodelay: boolean, log: Log): Promise<LocalRouter> {
    const sim = await JetSimulator.start({ host: '127.0.0.1', sampling: false });
    // Nagle off on the broker's client sockets (aedes and MQTT.js leave it on): see the report.
    if (nodelay) brokerNoDelay(sim);
    const publisher = mqtt.connect(`mqtt://127.0.0.1:${sim.mqttPort}`, { clientId: 'bench-publisher', clean: true, protocolVersion: 4 });
    try {
      await new Promise((resolve, reject) => {
        publisher.once('connect', resolve);
        publisher.once('error', reject);
      });
    } catch (err) {
      publisher.end(true);
      await sim.stop();
      throw err;
    }
    if (nodelay) clientNoDelay(publisher);
    const router = new LocalRouter(sim, publisher);
    // The measuring point: inside the simulator's RouteAdd / RouteDelete handler (the RIB change).
    sim.rib.on('change', router.onChange);
    log(`simulator: Thrift ${sim.thriftPort}, gRPC ${sim.grpcPort}, MQTT (aedes) ${sim.mqttPort}, HTTP ${sim.httpPort}${nodelay ? '' : ' (Nagle on)'}`);
    return router;
  }

  /** Publishes the RMON event of `ifIndex` on `topic` (QoS 0), timed until its route's RIB change. */
  publishEvent(topic: string, ifIndex: number, direction: Direction = 'rising'): void {
    const payload = rmonPayload(ifIndex, direction);
    this.pending.set(prefixOf(ifIndex), performance.now());
    this.publisher.publish(topic, payload, { qos: 0 });
  }

  /** Stops waiting for the route of `ifIndex` (or, without one, for every route). */
  forget(ifIndex?: number): void {
    if (ifIndex === undefined) this.pending.clear();
    else this.pending.delete(prefixOf(ifIndex));
  }

  /** Resolves once the simulator saw a login and a subscription to `topic` after this call (a deployed router connected). */
  routerConnected(topic: string, timeoutMs = 15000): Promise<unknown> {
    const sim = this.sim;
    // A login on either server: the sample flow's router may speak Thrift or gRPC.
    const loginCount = (): number => sim.thrift.counters.logins + sim.grpc.counters.logins;
    const logins = loginCount();
    let subscribed = false;
    const onSub = (topics: string[]): void => {
      if (topics.includes(topic)) subscribed = true;
    };
    sim.broker.on('subscribe', onSub);
    return until(() => loginCount() > logins && subscribed, 'the router node to log in and subscribe', timeoutMs, 5).finally(() => sim.broker.off('subscribe', onSub));
  }

  async stop(): Promise<void> {
    this.onArrival = null;
    this.pending.clear();
    this.publisher.end(true);
    await this.sim.stop();
    this.sim.rib.off('change', this.onChange);
  }
}

