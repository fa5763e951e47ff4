/**
 * Fault suite, part 1: the router's two servers restart again and again while RMON events stream
 * in, with the sample flow (one chain per interface) in a real Node-RED runtime.
 *  - Thrift restarted 20 times, at different moments (idle, with a route call applied but its reply
 *    lost, with calls in flight): the RIB ends as the last event of each interface asks, equal to
 *    the router node's desired state; no route is ever added twice on one session; no unhandled
 *    rejection; no listener piles up on the session; handles back to where they were after unload.
 *  - MQTT broker restarted 20 times: resubscribed every time, the next event handled every time,
 *    one connection and one SUBSCRIBE per restart, no listener piling up on the MQTT client.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { helper, load, sampleFlow, statusMatching } from '../support/nodered';
import { until, waitFor } from '../support/wait';
import {
  chainIds,
  ChainSpec,
  eventually,
  replicatedSampleFlow,
  resources,
  sameResources,
  SAMPLE,
  SAMPLE_CAPTURE,
  seededRandom,
  statusTexts,
  stillResources,
  runtimeFixture,
  trackUnhandledRejections,
} from '../support/fault';
import { JetSimulator, RMON_TOPIC } from '../../sim';
import type { SessionStatus } from '../../lib/core/backend';
import type { BackoffOptions } from '../../lib/core/reconnect';
import { ThriftBackend } from '../../lib/thrift/backend';
import { RouteState } from '../../lib/core/route-state';
import { JetRoutes } from '../../lib/core/route-client';
import { buildRouteSpecs, RouteSpec } from '../../lib/core/route-spec';

const CREDS = { [SAMPLE.router]: { username: 'lab', password: 'lab123' } };
const HIGH = 8288;

function routerNode(): any {
  return helper.getNode(SAMPLE.router);
}

/** Makes every session of `session` count as one that stayed up (backoff stableMs 0), as before issue 20, item 8. */
function everySessionStable(session: EventEmitter): void {
  const s = session as unknown as { backoff: BackoffOptions };
  s.backoff = { ...s.backoff, stableMs: 0 };
}

function listenerCounts(emitter: EventEmitter | null | undefined, events: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e] = emitter ? emitter.listenerCount(e) : -1;
  return out;
}

describe('fault: router restarts while events stream in (Node-RED runtime)', function () {
  this.timeout(120000);
  const fx = runtimeFixture();

  it('Thrift restarted 20 times: RIB = desired state = last event per interface, no duplicate add, no leak', async () => {
    const chains: ChainSpec[] = [
      { ifIndex: 541, prefix: '1.1.1.1/32', nexthop: '10.1.1.2' },
      { ifIndex: 542, prefix: '5.5.5.0/24', nexthop: '10.1.1.3' },
      { ifIndex: 543, prefix: '2001:db8:543::/48', nexthop: '2001:db8::2' },
      { ifIndex: 544, prefix: '6.6.0.0/16', nexthop: '10.1.1.4' },
    ];
    const s = await fx.startSim({
      // FAULT_DEBUG=1 prints the simulator's log (sessions, logins, RIB changes) with timestamps.
      // eslint-disable-next-line no-console
      log: process.env.FAULT_DEBUG ? (l: string) => console.log(Date.now() % 100000, l) : undefined,
      sampling: false,
      alarms: chains.map((c, i) => ({ index: i + 1, variable: `ifIn1SecRate.${c.ifIndex}`, rising: 1024, falling: 1023 })),
      interfaces: Object.fromEntries(chains.map((c) => [c.ifIndex, 0])),
    });
    const baseline = await stillResources();
    await load(replicatedSampleFlow(chains, { host: '127.0.0.1', api: 'thrift', port: String(s.thriftPort), notificationPort: String(s.mqttPort) }), CREDS);
    const ids = chains.map((_, i) => chainIds(i));
    await Promise.all(ids.flatMap((id) => [statusMatching(helper.getNode(id.event), /^listening/), statusMatching(helper.getNode(id.add), /^connected/)]));
    const session = routerNode().routes.backend as EventEmitter & { status: SessionStatus };
    // 20 restarts within seconds are a flapping router to the reconnect loop: the backoff now starts
    // again only after a session stayed up a minute (issue 20, item 8; test/unit/core/reconnect.test.ts).
    // This test is about what each restart leaves behind, not about the backoff: every session counts as stable.
    everySessionStable(session);

    // What reaches the outputs of each chain, and every route result.
    const progress = new EventEmitter();
    const outputs = { added: 0, deleted: 0, noChange: 0 };
    const statuses: string[] = [];
    for (const id of ids) {
      for (const [key, nodeId] of [['added', id.added], ['deleted', id.deleted], ['noChange', id.noChange]] as const) {
        helper.getNode(nodeId).on('input', (msg: any) => {
          outputs[key]++;
          if (key !== 'noChange') for (const r of msg.payload.results) statuses.push(`${r.prefix} ${r.status} ${r.errCode} ${r.message}`);
          progress.emit('progress');
        });
      }
    }

    // The event stream: each step toggles one interface across its thresholds (one alarm crossing,
    // one event), or repeats its current event (a duplicate the threshold node must absorb).
    const rnd = seededRandom(20240541);
    const high = chains.map(() => false);
    const crossed = chains.map(() => false);
    const sent = { crossings: 0, duplicates: 0 };
    async function step(): Promise<void> {
      const c = Math.floor(rnd() * chains.length);
      const ifIndex = chains[c].ifIndex;
      if (crossed[c] && rnd() < 0.2) {
        await s.rmon.publishEvent({ ifIndex, direction: high[c] ? 'rising' : 'falling', value: high[c] ? HIGH + 1 : 1 });
        sent.duplicates++;
        return;
      }
      high[c] = !high[c];
      const [sample] = await s.rmon.setRate(ifIndex, high[c] ? HIGH : 0, true);
      assert.equal(sample.fired, high[c] ? 'rising' : 'falling', `ifIndex ${ifIndex} crossed`);
      crossed[c] = true;
      sent.crossings++;
    }

    const socketListeners: string[] = [];
    const sessionListeners: string[] = [];
    const sample = (): void => {
      socketListeners.push(JSON.stringify(listenerCounts((session as any).wire?.socket, ['data', 'end', 'close', 'error', 'connect'])));
      sessionListeners.push(JSON.stringify(listenerCounts(session, ['ready', 'state', 'reconnect-scheduled'])));
    };
    const connected = (): Promise<unknown> =>
      session.status.state === 'connected' ? Promise.resolve() : waitFor(session, 'state', (st: SessionStatus) => st.state === 'connected', 20000, 'session connected');

    for (let i = 0; i < 3; i++) await step();
    sample();
    for (let round = 0; round < 20; round++) {
      const down = waitFor(session, 'state', (st: SessionStatus) => st.state === 'disconnected', 20000, `session down (round ${round})`);
      let restarted: Promise<void>;
      if (round % 3 === 1) {
        // Restart the moment the router has applied a route call, before its reply is written:
        // the route changed on the router, the client never heard so.
        restarted = new Promise<void>((resolve, reject) => {
          const onCall = (call: { method: string }): void => {
            if (call.method !== 'RouteAdd' && call.method !== 'RouteDelete') return;
            s.thrift.off('call', onCall);
            s.restartThrift().then(resolve, reject);
          };
          s.thrift.on('call', onCall);
        });
        let steps = 0;
        let fired = false;
        void restarted.then(() => (fired = true));
        while (!fired && steps++ < 20) await step();
      } else {
        // round % 3 === 0: the moment the previous round's session logged in, its desired-state
        // replay in flight; round % 3 === 2: route calls of a fresh event in flight.
        if (round % 3 === 2) await step();
        restarted = s.restartThrift();
      }
      await restarted;
      await down;
      // Events while the session is down: their calls wait in the queue.
      await step();
      await step();
      await connected();
      sample();
    }
    for (let i = 0; i < 3; i++) await step();

    // Every event handled: one route message per crossing, one no-change per duplicate.
    await until(
      progress,
      'progress',
      () => outputs.added + outputs.deleted === sent.crossings && outputs.noChange === sent.duplicates,
      30000,
      `every event handled (${JSON.stringify(sent)})`,
    );
    assert.equal(s.thrift.counters.logins, 21, 'one login per session: 1 + 20 restarts');

    // The RIB is what the last event of each interface asks for, and equals the desired state.
    const want = chains.filter((_, c) => high[c]).map((c) => c.prefix).sort();
    await until(s.rib, 'change', () => s.rib.size === want.length, 15000, 'RIB settled').catch((e) => {
      throw new Error(`${e.message}: RIB ${JSON.stringify(s.rib.entries().map((r) => r.prefix).sort())} want ${JSON.stringify(want)}`);
    });
    const inRib = chains.filter((c) => s.rib.get(c.prefix.includes(':') ? 'inet6.0' : 'inet.0', c.prefix)).map((c) => c.prefix).sort();
    assert.deepEqual(inRib, want, 'RIB = last direction per interface');
    for (const c of chains.filter((_, k) => high[k])) {
      assert.deepEqual(s.rib.get(c.prefix.includes(':') ? 'inet6.0' : 'inet.0', c.prefix)?.nexthops, [c.nexthop]);
    }
    const desired = (routerNode().context().get('desiredRoutes') as { desired: Array<{ prefix: string }> }).desired.map((r) => r.prefix).sort();
    assert.deepEqual(desired, want, "router node's context desiredRoutes = RIB");

    // Never added twice on one session (err 2), nothing failed. A delete whose route the router
    // already dropped with a lost session answers "not found" (err 3): unchanged, and not re-added
    // first only to be deleted again (the route stops being desired when its delete is made).
    assert.equal(s.thrift.errCount('RouteAdd', 2), 0, 'no RouteAdd answered "exists"');
    assert.deepEqual(
      statuses.filter((t) => !/ (added 0|deleted 0|unchanged 3) /.test(t)),
      [],
      'every route result is added/deleted with err 0, or a delete of a route already gone',
    );

    assert.deepEqual(fx.unhandled(), [], 'no unhandled rejection');
    assert.ok(sent.crossings >= 30 && sent.duplicates >= 3, `a real stream (${JSON.stringify(sent)})`);
    // eslint-disable-next-line no-console
    console.log(
      `      ${sent.crossings} crossings + ${sent.duplicates} duplicate events over 20 restarts; ${s.thrift.counters.calls.RouteAdd} RouteAdd, ` +
        `${s.thrift.counters.calls.RouteDelete} RouteDelete, ${s.thrift.counters.calls.RouteGet ?? 0} RouteGet; RIB ${JSON.stringify(want)}`,
    );

    // No listener piles up on the session or on its socket across the 21 sessions.
    assert.equal(new Set(socketListeners).size, 1, `socket listeners: ${[...new Set(socketListeners)].join(' / ')}`);
    assert.equal(new Set(sessionListeners).size, 1, `session listeners: ${[...new Set(sessionListeners)].join(' / ')}`);

    // Node-RED alive: the admin API answers and an event is still handled end to end.
    const id0 = chainIds(0);
    const next = waitFor<[any]>(helper.getNode(high[0] ? id0.deleted : id0.added), 'input', () => true, 15000, 'final event');
    high[0] = !high[0];
    await s.rmon.setRate(541, high[0] ? HIGH : 0, true);
    assert.equal((await next)[0].payload.results[0].status, high[0] ? 'added' : 'deleted');

    // After unload: handles and timers back to where they started; no session left on the router.
    await helper.unload();
    await until(s.thrift, 'disconnect', () => s.thrift.connections === 0, 5000, 'Thrift sessions closed');
    await eventually(() => s.broker.clients === 0, 5000, 'MQTT clients gone');
    await eventually(() => sameResources(resources(), baseline), 5000, () => `resources back to ${JSON.stringify(baseline)}, now ${JSON.stringify(resources())}`);
  });

  it('MQTT broker restarted 20 times: resubscribed every time, the next event handled every time', async () => {
    const s = await fx.startSim({ sampling: false });
    const baseline = await stillResources();
    await load(sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, { host: '127.0.0.1', api: 'thrift', port: String(s.thriftPort), notificationPort: String(s.mqttPort) }), CREDS);
    const ev = helper.getNode(SAMPLE.event);
    await Promise.all([statusMatching(ev, /^listening/), statusMatching(helper.getNode(SAMPLE.add), /^connected/)]);
    const notifications = routerNode().hub.notifications.connection as EventEmitter & { status: SessionStatus };
    // As above: the recovery from each restart is measured, not the backoff of a flapping broker.
    everySessionStable(notifications);
    const client = (notifications as any).client as EventEmitter;
    const clientEvents = ['connect', 'message', 'error', 'close', 'offline', 'end', 'packetreceive', 'packetsend'];
    const listenersBefore = listenerCounts(client, clientEvents);
    assert.equal(s.broker.counters.connections, 1);
    assert.equal(s.broker.counters.subscriptions, 1);

    let high = false;
    const timings: number[] = [];
    for (let round = 0; round < 20; round++) {
      const down = statusMatching(ev, /^disconnected/, 15000);
      const resubscribed = waitFor<[string[], string]>(s.broker, 'subscribe', (topics) => topics.includes(RMON_TOPIC), 20000, `resubscribe (round ${round})`);
      const t0 = Date.now();
      await s.restartBroker();
      await down;
      await resubscribed;
      await until(notifications, 'state', () => notifications.status.state === 'connected', 15000, 'notifications connected');
      timings.push(Date.now() - t0);
      // The next event after the resubscription is handled.
      high = !high;
      const out: Promise<[any]> = waitFor<[any]>(helper.getNode(high ? SAMPLE.added : SAMPLE.deleted), 'input', () => true, 15000, `event of round ${round}`);
      await s.rmon.setRate(541, high ? HIGH : 0, true);
      const m: any = (await out)[0];
      assert.deepEqual(
        m.payload.results.map((r: any) => [r.prefix, r.status]),
        [['1.1.1.1/32', high ? 'added' : 'deleted']],
        `round ${round}`,
      );
    }
    assert.equal(s.broker.counters.connections, 21, 'one MQTT connection per broker start');
    assert.equal(s.broker.counters.subscriptions, 21, 'one subscription per connection, never doubled');
    assert.deepEqual(listenerCounts(client, clientEvents), listenersBefore, 'no listener piles up on the MQTT client');
    assert.equal((notifications as any).client, client, 'the same MQTT client reconnected');
    assert.equal(s.thrift.counters.connectionsTotal, 1, 'the Thrift session was not disturbed');
    assert.ok(!statusTexts(SAMPLE.event).some((t) => /unparsed/.test(t)));
    assert.deepEqual(fx.unhandled(), [], 'no unhandled rejection');
    // Recovery time per restart (reconnect backoff 1 s ± 20 %).
    assert.ok(Math.max(...timings) < 5000, `recovered within 5 s each time: ${timings.join(', ')} ms`);
    // eslint-disable-next-line no-console
    console.log(`      recovery after each broker restart: ${Math.min(...timings)}–${Math.max(...timings)} ms`);

    await helper.unload();
    await eventually(() => s.broker.clients === 0 && s.thrift.connections === 0, 5000, 'clients gone');
    await eventually(() => sameResources(resources(), baseline), 5000, () => `resources back to ${JSON.stringify(baseline)}, now ${JSON.stringify(resources())}`);
  });
});

describe('fault: a connection lost during the desired-state replay (lib)', function () {
  this.timeout(30000);

  it('the next session re-adds each desired route once: replay calls are not sent again', async () => {
    const sim = await JetSimulator.start({ sampling: false });
    const session = new ThriftBackend({
      host: '127.0.0.1',
      port: sim.thriftPort,
      username: 'lab',
      password: 'lab123',
      clientId: 'fault-replay',
      requestTimeoutMs: 5000,
      queueLimit: 100,
      backoff: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
    });
    const routes = new JetRoutes(session, new RouteState({ api: 'thrift', host: '127.0.0.1', port: sim.thriftPort }));
    const unhandled = trackUnhandledRejections();
    const warnings: string[] = [];
    routes.on('replay-error', (spec: RouteSpec, message: string) => warnings.push(`${spec.prefix}: ${message}`));
    try {
      session.start();
      const specs = [
        ...buildRouteSpecs({ prefixes: '1.1.1.1/32 5.5.5.0/24', nexthops: '10.1.1.2' }, true),
        ...buildRouteSpecs({ prefixes: '2001:db8::/48', nexthops: '2001:db8::2' }, true),
      ];
      for (const spec of specs) assert.equal((await routes.add([spec]))[0].status, 'added');
      // Session 1 ends; session 2 logs in and replays; the connection drops the moment the router
      // has applied the first re-add (its reply, and the other two, are lost).
      const dropped = new Promise<void>((resolve) => {
        const onCall = (c: { method: string; sessionId: number }): void => {
          if (c.method !== 'RouteAdd' || c.sessionId !== 2) return;
          sim.thrift.off('call', onCall);
          sim.thrift.closeAllConnections();
          resolve();
        };
        sim.thrift.on('call', onCall);
      });
      const replayed = waitFor<[{ routes: number; failed: number; removed: number }]>(routes, 'replayed', () => true, 10000, 'a complete replay');
      sim.thrift.closeAllConnections();
      await dropped;
      const [report] = await replayed;
      assert.deepEqual(report, { routes: 3, failed: 0, removed: 0 });
      await until(sim.rib, 'change', () => sim.rib.size === 3, 5000, 'all three re-added');
      assert.equal(sim.thrift.counters.logins, 3);
      assert.equal(sim.thrift.errCount('RouteAdd', 2), 0, 'no route added twice on session 3');
      assert.equal(sim.thrift.counters.calls.RouteAdd, 3 + 1 + 3, 'adds: 3 by hand, 1 applied on session 2, 3 replayed on session 3');
      assert.deepEqual(warnings, [], 'an interrupted replay is not reported as failed routes');
      assert.deepEqual(unhandled.list, []);
    } finally {
      unhandled.stop();
      routes.dispose();
      await session.close();
      await sim.stop();
    }
  });
});
