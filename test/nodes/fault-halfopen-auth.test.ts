/**
 * Fault suite, part 2: a router that stops answering (half-open), and wrong credentials.
 *  - Thrift half-open in Node-RED: the request timeout fires, the status says so, the session is
 *    rebuilt (the half-open one closed, not leaked) and the desired routes are re-added.
 *  - MQTT half-open (lib): the keepalive notices a broker that went silent, the session reconnects
 *    and resubscribes. The jet-router node uses MQTT.js's keepalive of 60 s (detection within 90 s),
 *    too long for a test; the lib test uses 1 s.
 *  - Wrong credentials, both channels, in Node-RED: `login failed`, one attempt, the next one
 *    scheduled after the 30 s cap, no call sent; fixed credentials deployed → connected.
 *  - The cap itself (lib, short backoff injected): login attempts spaced by the cap, never by the
 *    short exponential steps, on both channels.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { helper, load, roundTrip, sampleFlow, statusMatching, FlowNode } from '../support/nodered';
import { until, waitFor } from '../support/wait';
import { BlackholeProxy, deploy, eventually, lastStatus, SAMPLE, SAMPLE_CAPTURE, runtimeFixture } from '../support/fault';
import { JetSimulator, RMON_TOPIC } from '../../sim';
import type { SessionStatus } from '../../lib/core/backend';
import { ThriftBackend } from '../../lib/thrift/backend';
import { buildRouteSpecs } from '../../lib/core/route-spec';
import { NotificationSession } from '../../lib/mqtt/session';

const CREDS = { r1: { username: 'lab', password: 'lab123' } };

function routeFlow(port: number, extra: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 't1', type: 'tab' },
    { id: 'r1', type: 'jet-router', host: '127.0.0.1', port: String(port), requestTimeout: '1', ...extra },
    { id: 'add', z: 't1', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
    { id: 'out', z: 't1', type: 'helper' },
  ];
}

function stateIs(emitter: EventEmitter, state: string, timeoutMs = 10000): Promise<[SessionStatus]> {
  return waitFor<[SessionStatus]>(emitter, 'state', (s) => s.state === state, timeoutMs, `state ${state}`);
}

describe('fault: half-open router and wrong credentials (Node-RED runtime)', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  it('Thrift half-open: timeout fires, status says so, the session is rebuilt and the desired routes re-added', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(routeFlow(s.thriftPort), CREDS);
    const add = helper.getNode('add');
    const out = helper.getNode('out');
    const first = await roundTrip(add, out, { payload: 1 });
    assert.equal(first.payload.results[0].status, 'added');

    s.thrift.setResponding(false);
    const err = waitFor<[any]>(add, 'call:error', () => true);
    // (status texts are clipped to 64 characters: "… within 1 s (connection n…")
    const down = statusMatching(add, /^disconnected: no reply from the router within 1 s \(connection/);
    const t0 = Date.now();
    const failed = roundTrip(add, out, { payload: { prefixes: '5.5.5.0/24' } });
    const [call] = await err;
    assert.match(String(call.args[0]?.message ?? call.args[0]), /RouteAdd: no reply from the router within 1 s/);
    const m = await failed;
    assert.deepEqual(m.payload.results.map((r: any) => [r.prefix, r.status, r.errCode]), [['5.5.5.0/24', 'failed', null]]);
    await down;
    const detected = Date.now() - t0;
    assert.ok(detected < 2500, `detected in ${detected} ms with a 1 s timeout`);

    // The router answers again: a new session logs in and the desired route comes back on it.
    s.thrift.setResponding(true);
    await statusMatching(add, /^connected 127\.0\.0\.1:/);
    await until(s.rib, 'change', () => s.rib.get('inet.0', '1.1.1.1/32') !== undefined, 5000, 'desired route re-added');
    // The unanswered add stays desired (the router will not repeat the event that asked for it).
    await until(s.rib, 'change', () => s.rib.get('inet.0', '5.5.5.0/24') !== undefined, 5000, 'unanswered add made on the new session');
    assert.deepEqual(helper.getNode('r1').context().get('desiredRoutes').desired.map((r: any) => r.prefix).sort(), ['1.1.1.1/32', '5.5.5.0/24']);
    await eventually(() => s.thrift.connections === 1, 3000, 'the half-open session closed, one session left');
    assert.ok(s.thrift.counters.logins >= 2);
    const again = await roundTrip(add, out, { payload: { prefixes: '5.5.5.0/24' } });
    assert.equal(again.payload.results[0].status, 'unchanged', 'made by the replay already');
    assert.deepEqual(fx.unhandled(), []);
  });

  it('wrong credentials on both channels: login failed, one attempt per 30 s, no call; fixed by a deploy', async () => {
    const s = await fx.startSim({ sampling: false, mqttAuth: { username: 'jet', password: 'mqtt-secret' } });
    const router = { host: '127.0.0.1', api: 'thrift', port: String(s.thriftPort), notificationPort: String(s.mqttPort) };
    const flow = sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, router);
    const bad = { username: 'lab', password: 'wrong', notificationUsername: 'jet', notificationPassword: 'wrong' };
    await load(flow, { [SAMPLE.router]: bad });
    const r = helper.getNode(SAMPLE.router);
    const rpcDelay = waitFor<[number]>(r.routes.backend, 'reconnect-scheduled');
    const mqttDelay = waitFor<[number]>(r.hub.notifications.connection, 'reconnect-scheduled');
    await Promise.all([
      statusMatching(helper.getNode(SAMPLE.add), /^login failed: invalid user name or password/),
      statusMatching(helper.getNode(SAMPLE.del), /^login failed/),
      statusMatching(helper.getNode(SAMPLE.event), /^login failed: .*bad user ?name or password/i),
    ]);
    assert.deepEqual([(await rpcDelay)[0], (await mqttDelay)[0]], [30000, 30000], 'the next attempt of each channel waits the 30 s cap');
    assert.equal(s.thrift.counters.loginFailures, 1, 'one Thrift login for all route nodes');
    assert.equal(s.broker.counters.authFailures, 1, 'one MQTT CONNECT');

    // A message meanwhile fails at once with the reason, and sends nothing.
    const err = waitFor<[any]>(helper.getNode(SAMPLE.add), 'call:error', () => true);
    helper.getNode(SAMPLE.add).receive({ payload: { direction: 'rising' } });
    assert.match(String((await err)[0].args[0]?.message), /login failed for user lab: invalid user name or password/);
    assert.equal(s.thrift.counters.calls.RouteAdd ?? 0, 0);

    // The user fixes the credentials and deploys: both channels come up, the flow works.
    const fixed = flow.map((n) =>
      n.id === SAMPLE.router ? { ...n, credentials: { password: 'lab123', notificationPassword: 'mqtt-secret' } } : n,
    );
    await deploy(fixed, 'full');
    await Promise.all([statusMatching(helper.getNode(SAMPLE.event), /^listening/), statusMatching(helper.getNode(SAMPLE.add), /^connected 127\.0\.0\.1:/)]);
    // The add refused during the login failure stayed desired: the first session makes it.
    await until(s.rib, 'change', () => s.rib.get('inet.0', '1.1.1.1/32') !== undefined, 5000, 'refused add made once logged in');
    const added = waitFor<[any]>(helper.getNode(SAMPLE.added), 'input', () => true);
    await s.rmon.setRate(541, 8288, true);
    assert.equal((await added)[0].payload.results[0].status, 'unchanged', 'already added by the replay');
    assert.equal(s.thrift.errCount('RouteAdd', 0), 1);
    assert.equal(s.thrift.counters.loginFailures, 1);
    assert.equal(s.broker.counters.authFailures, 1);
    assert.match(lastStatus(SAMPLE.event), /^jet-sim\/541 rising/);
    assert.deepEqual(fx.unhandled(), []);
  });
});

describe('fault: half-open broker and the login cap (lib, short timers injected)', function () {
  this.timeout(30000);
  const SHORT = { initialMs: 10, maxMs: 300, factor: 2, jitter: 0 };

  it('MQTT half-open: the keepalive notices the silent broker, the session reconnects and resubscribes', async () => {
    const sim = await JetSimulator.start({ sampling: false });
    const proxy = new BlackholeProxy(sim.mqttPort);
    await proxy.listen();
    const ns = new NotificationSession({
      host: '127.0.0.1',
      port: proxy.port,
      clientId: 'fault-keepalive',
      keepaliveS: 1,
      connectTimeoutMs: 1000,
      backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0 },
    });
    const got = new EventEmitter();
    let events = 0;
    try {
      ns.subscribe('n1', RMON_TOPIC, () => {
        events++;
        got.emit('event');
      });
      const up = stateIs(ns, 'connected');
      ns.start();
      await up;
      await sim.rmon.publishEvent({ ifIndex: 541, direction: 'rising' });
      await until(got, 'event', () => events === 1, 5000, 'first event');

      const subscriptions = sim.broker.counters.subscriptions;
      proxy.blackhole(true);
      const t0 = Date.now();
      const [down] = await stateIs(ns, 'disconnected', 5000);
      const detected = Date.now() - t0;
      assert.match(down.detail, /keepalive/i);
      assert.ok(detected <= 3000, `half-open broker noticed after ${detected} ms (keepalive 1 s → ≤ 1.5 s + one ping period)`);

      proxy.blackhole(false);
      await stateIs(ns, 'connected', 10000);
      assert.ok(sim.broker.counters.subscriptions > subscriptions, 'subscribed again');
      await sim.rmon.publishEvent({ ifIndex: 541, direction: 'falling' });
      await until(got, 'event', () => events === 2, 5000, 'event after the reconnect');
    } finally {
      await ns.close();
      await proxy.close();
      await sim.stop();
    }
  });

  it('Thrift: a refused login is retried only after the cap, never on the short backoff steps', async () => {
    const sim = await JetSimulator.start({ sampling: false });
    const session = new ThriftBackend({
      host: '127.0.0.1',
      port: sim.thriftPort,
      username: 'lab',
      password: 'wrong',
      clientId: 'fault-login-cap',
      requestTimeoutMs: 2000,
      queueLimit: 10,
      backoff: SHORT,
    });
    const logins: number[] = [];
    const onCall = (c: { method: string }): void => {
      if (c.method === 'LoginCheck') logins.push(Date.now());
    };
    sim.thrift.on('call', onCall);
    const delays: number[] = [];
    session.on('reconnect-scheduled', (d: number) => delays.push(d));
    try {
      session.start();
      await stateIs(session, 'login-failed');
      await until(sim.thrift, 'call', () => logins.length >= 4, 5000, 'four login attempts');
      const gaps = logins.slice(1).map((t, i) => t - logins[i]);
      assert.ok(gaps.every((g) => g >= SHORT.maxMs - 5), `attempts spaced by the cap: ${gaps.join(', ')} ms`);
      assert.ok(delays.slice(0, 3).every((d) => d === SHORT.maxMs), `scheduled delays ${delays.join(', ')}`);
      assert.equal(session.status.state, 'login-failed');
      assert.match(session.status.detail, /^login failed: invalid user name or password/);
      const [refused] = await session.add(buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }, true));
      assert.equal(refused.answered, false);
      assert.match(refused.message, /login failed for user lab/);
      await assert.rejects(session.get('111:222', 'inet.0', '1.1.1.1/32'), /login failed for user lab/);
      assert.equal(sim.thrift.counters.calls.RouteGet ?? 0, 0);
    } finally {
      sim.thrift.off('call', onCall);
      await session.close();
      await sim.stop();
    }
  });

  it('MQTT: a refused CONNECT is retried only after the cap', async () => {
    const refusals = new EventEmitter();
    const times: number[] = [];
    const sim = await JetSimulator.start({
      sampling: false,
      mqttAuth: { username: 'jet', password: 'mqtt-secret' },
      log: (line) => {
        if (/^mqtt: client \S+: bad user name or password \(user /.test(line)) {
          times.push(Date.now());
          refusals.emit('refused');
        }
      },
    });
    const ns = new NotificationSession({ host: '127.0.0.1', port: sim.mqttPort, clientId: 'fault-mqtt-cap', username: 'jet', password: 'wrong', backoff: SHORT });
    try {
      ns.subscribe('n1', RMON_TOPIC, () => undefined);
      ns.start();
      const [failed] = await stateIs(ns, 'login-failed');
      assert.match(failed.detail, /^login failed: .*bad user ?name or password.*\(check the notification user and password\)/i);
      await until(refusals, 'refused', () => times.length >= 4, 5000, 'four CONNECT attempts');
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      assert.ok(gaps.every((g) => g >= SHORT.maxMs - 5), `attempts spaced by the cap: ${gaps.join(', ')} ms`);
      assert.equal(sim.broker.counters.connections, 0);
    } finally {
      await ns.close();
      await sim.stop();
    }
  });
});
