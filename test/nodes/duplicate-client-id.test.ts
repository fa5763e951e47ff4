/**
 * Duplicate client ids (issue 20, item 8). Two router nodes with one client id (a copied node keeps
 * it) on one router: the router refuses the second gRPC login while the first holds the id, and the
 * broker drops one MQTT client whenever the other connects. The router nodes warn at deploy, naming
 * each other; the notification sessions back off further after each connection that did not stay
 * up (a CONNACK alone no longer starts the backoff again).
 */
import { strict as assert } from 'assert';
import { load } from '../support/nodered';
import { eventually, nodeCalls, runtimeFixture } from '../support/fault';
import { NotificationSession } from '../../lib/mqtt/session';
import type { BackoffOptions } from '../../lib/core/reconnect';
import { RMON_TOPIC } from '../../sim';

const LAB = { username: 'lab', password: 'lab123' };

describe('duplicate client ids', function () {
  this.timeout(30000);
  const runtime = runtimeFixture();

  it('two router nodes with one client id on one router warn at deploy, each naming the other', async () => {
    const sim = await runtime.startSim({ sampling: false });
    await load(
      [
        { id: 'r1', type: 'jet-router', name: 'core-1', api: 'grpc', host: '127.0.0.1', port: String(sim.grpcPort), clientId: 'copied-id' },
        { id: 'r2', type: 'jet-router', name: 'core-1 copy', api: 'grpc', host: '127.0.0.1', port: String(sim.grpcPort), clientId: 'copied-id' },
        { id: 'r3', type: 'jet-router', name: 'edge', api: 'grpc', host: '127.0.0.2', port: String(sim.grpcPort), clientId: 'copied-id' },
      ],
      { r1: LAB, r2: LAB, r3: LAB },
    );
    const warned = (id: string): string => nodeCalls('warn', id).map((a) => String(a[0])).join('\n');
    assert.match(warned('r1'), /client id "copied-id" is also used by jet-router "core-1 copy" \(r2\)/);
    assert.match(warned('r2'), /client id "copied-id" is also used by jet-router "core-1" \(r1\)/);
    assert.doesNotMatch(warned('r1') + warned('r2'), /\(r3\)/, 'a router node on another router is not named');
    assert.equal(warned('r3'), '', 'nothing shared with another router');
  });

  it('MQTT: two sessions with one client id kick each other off the broker, and each backs off further every time', async () => {
    const sim = await runtime.startSim({ sampling: false });
    const backoff = { initialMs: 50, maxMs: 800, factor: 2, jitter: 0, stableMs: 60000 } as BackoffOptions;
    const sessions = [0, 1].map(() => new NotificationSession({ host: '127.0.0.1', port: sim.mqttPort, clientId: 'dup-events', backoff }));
    const delays: number[][] = [[], []];
    sessions.forEach((s, i) => s.on('reconnect-scheduled', (d: number) => delays[i].push(d)));
    try {
      for (const s of sessions) {
        s.subscribe('n', RMON_TOPIC, () => undefined);
        s.start();
      }
      await eventually(() => delays[0].length >= 4 && delays[1].length >= 4, 20000, () => `four drops each: ${JSON.stringify(delays)}`);
      for (const d of delays) assert.deepEqual(d.slice(0, 4), [50, 100, 200, 400], `delays ${JSON.stringify(delays)}`);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  });
});
