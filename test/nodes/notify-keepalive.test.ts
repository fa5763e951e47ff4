/**
 * The notification connection's socket and keepalive (issue 12):
 *  - TCP_NODELAY is set on the MQTT socket, plain TCP and TLS (read back from the socket);
 *  - a steady stream of QoS-1 events (the session answers each with a PUBACK) sends no PINGREQ
 *    (counted at the simulator's broker), over several keepalive periods;
 *  - at QoS 0 the session sends nothing else, so it still pings (the broker must hear from it);
 *  - a broker that goes silent in the middle of such a stream is still noticed by the keepalive,
 *    the session reconnects (the silent-broker case without traffic is in fault-halfopen-auth).
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as net from 'net';
import { until, waitFor } from '../support/wait';
import { BlackholeProxy, makeCa, makeServerCert, tempDir } from '../support/fault';
import { JetSimulator, JetSimulatorOptions, RMON_TOPIC } from '../../sim';
import { NotificationHandler, NotificationOptions, NotificationSession } from '../../lib/mqtt/session';

/** Node's record of setNoDelay() on a socket (net.Socket keeps it under the symbol kSetNoDelay). */
function noDelayOf(socket: net.Socket): boolean | undefined {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return sym ? Boolean((socket as unknown as Record<symbol, unknown>)[sym]) : undefined;
}

function stateIs(ns: NotificationSession, state: string, timeoutMs = 10000): Promise<unknown> {
  return waitFor(ns, 'state', (s: { state: string }) => s.state === state, timeoutMs, `state ${state}`);
}

describe('notifications: socket no-delay and keepalive (lib)', function () {
  this.timeout(30000);
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function startSim(options: JetSimulatorOptions = {}): Promise<JetSimulator> {
    const sim = await JetSimulator.start({ sampling: false, ...options });
    cleanup.push(() => sim.stop());
    return sim;
  }

  function session(opts: Partial<NotificationOptions> & { port: number }): NotificationSession {
    const ns = new NotificationSession({ host: '127.0.0.1', clientId: `ka-${Math.random().toString(16).slice(2, 8)}`, ...opts });
    cleanup.push(() => ns.close());
    return ns;
  }

  function socketOf(ns: NotificationSession): net.Socket {
    return (ns as unknown as { client: { stream: net.Socket } }).client.stream;
  }

  it('sets no-delay on the MQTT socket (TCP)', async () => {
    const sim = await startSim();
    // Control: a socket nobody set it on reads false, so the check below can fail.
    const plain = net.connect(sim.mqttPort, '127.0.0.1');
    await new Promise((r) => plain.once('connect', r));
    assert.equal(noDelayOf(plain), false);
    plain.destroy();

    const ns = session({ port: sim.mqttPort });
    const up = stateIs(ns, 'connected');
    ns.start();
    await up;
    assert.equal(noDelayOf(socketOf(ns)), true);
  });

  it('sets no-delay on the MQTT socket (TLS)', async () => {
    const dir = tempDir('jet-notify-tls-');
    const ca = makeCa(dir, 'ca');
    const cert = makeServerCert(ca, 'router', 'IP:127.0.0.1,DNS:localhost');
    const sim = await startSim({ mqttTls: cert });
    const ns = session({ port: sim.mqttPort, tls: { ca: ca.ca, servername: 'localhost' } });
    const up = stateIs(ns, 'connected');
    ns.start();
    await up;
    const socket = socketOf(ns);
    assert.equal(socket.constructor.name, 'TLSSocket');
    assert.equal(noDelayOf(socket), true);
  });

  /** Publishes QoS `qos` events on RMON_TOPIC every 20 ms until `periods` keepalive periods of 1 s have passed. */
  async function stream(sim: JetSimulator, periods: number, qos: 0 | 1): Promise<void> {
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (Date.now() - t0 >= periods * 1000) {
          clearInterval(timer);
          resolve();
          return;
        }
        sim.broker.publish(RMON_TOPIC, '{}', qos).catch((err) => {
          clearInterval(timer);
          reject(err);
        });
      }, 20);
    });
  }

  it('no PINGREQ while QoS-1 events flow; at QoS 0 (nothing sent back) it still pings', async () => {
    const sim = await startSim();
    const pings = new Map<string, number>();
    sim.broker.on('ping', (id) => pings.set(id, (pings.get(id) ?? 0) + 1));
    const got = new EventEmitter();
    let n1 = 0;
    let n0 = 0;
    const h1: NotificationHandler = Object.assign(() => {
      n1++;
      got.emit('e');
    }, { qos: 1 });
    const h0: NotificationHandler = Object.assign(() => {
      n0++;
      got.emit('e');
    }, { qos: 0 });
    const q1 = session({ port: sim.mqttPort, clientId: 'ka-qos1', keepaliveS: 1 });
    const q0 = session({ port: sim.mqttPort, clientId: 'ka-qos0', keepaliveS: 1 });
    q1.subscribe('n', RMON_TOPIC, h1);
    q0.subscribe('n', RMON_TOPIC, h0);
    const ups = [stateIs(q1, 'connected'), stateIs(q0, 'connected')];
    q1.start();
    q0.start();
    await Promise.all(ups);
    // QoS-1 publishes: q1 gets QoS 1 (and PUBACKs), q0 gets QoS 0.
    await stream(sim, 4, 1);
    await until(got, 'e', () => n1 === n0, 5000, 'the last events');
    assert.ok(n1 >= 50, `${n1} events`);
    assert.equal(pings.get('ka-qos1') ?? 0, 0, 'no PINGREQ from the QoS-1 subscriber while events flowed');
    assert.ok((pings.get('ka-qos0') ?? 0) >= 1, 'the QoS-0 subscriber, which sends nothing else, pinged');
    assert.equal(q1.status.state, 'connected');
  });

  it('a broker that goes silent during a QoS-1 stream is still noticed by the keepalive; the session comes back', async () => {
    const sim = await startSim();
    const proxy = new BlackholeProxy(sim.mqttPort);
    await proxy.listen();
    cleanup.push(() => proxy.close());
    const got = new EventEmitter();
    let n = 0;
    const ns = session({ port: proxy.port, keepaliveS: 1, connectTimeoutMs: 1000, backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0 } });
    ns.subscribe('n', RMON_TOPIC, Object.assign(() => {
      n++;
      got.emit('e');
    }, { qos: 1 }));
    const up = stateIs(ns, 'connected');
    ns.start();
    await up;
    await stream(sim, 2, 1);
    assert.ok(n > 0);

    // Silent now, while the broker keeps publishing (nothing gets through either way).
    proxy.blackhole(true);
    const timer = setInterval(() => void sim.broker.publish(RMON_TOPIC, '{}', 1).catch(() => undefined), 20);
    try {
      const down = waitFor<[{ state: string; detail: string }]>(ns, 'state', (s) => s.state === 'disconnected', 10000, 'disconnected');
      const [st] = await down;
      assert.match(st.detail, /keepalive/i);
    } finally {
      clearInterval(timer);
    }
    proxy.blackhole(false);
    await stateIs(ns, 'connected', 10000);
    const before = n;
    await sim.broker.publish(RMON_TOPIC, '{}', 1);
    await until(got, 'e', () => n > before, 5000, 'an event after the reconnect');
  });
});
