/**
 * The packet-size guard's start-up self-check (lib/mqtt/packet-guard.ts guardStreams, checked by
 * NotificationSession on every connect) against the simulator's aedes broker: the guard relies on
 * private details of MQTT.js 5, so an MQTT.js that goes around it must be noticed, loudly (a warning
 * and the connected status), not leave the session silently unguarded. The bypass is simulated the
 * two ways an upgrade could bring it: MQTT.js reading the stream around the guarded pipe, and MQTT.js
 * opening its connection without the stream builder the guard wraps.
 *
 * And the pins that keep those details as tested: `~` ranges for mqtt and @grpc/grpc-js.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { SimBroker, RMON_TOPIC } from '../../../sim';
import { NotificationSession } from '../../../lib/mqtt/session';

/** What the connected status adds while the guard is off. */
const GUARD_OFF = 'packet-size guard off';
import { ROOT } from '../../support/paths';
import { until, waitFor } from '../../support/wait';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const mqtt = require('mqtt') as { MqttClient: { prototype: { connect(this: any): unknown } }; MQTTJS_VERSION: string };

const SHORT = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 };

describe('MQTT packet-size guard: start-up self-check', function () {
  this.timeout(30000);
  let broker: SimBroker;
  let session: NotificationSession | null = null;
  const originalConnect = mqtt.MqttClient.prototype.connect;

  beforeEach(async () => {
    broker = new SimBroker();
    await broker.listen(0);
  });
  afterEach(async () => {
    mqtt.MqttClient.prototype.connect = originalConnect;
    await session?.close();
    session = null;
    await broker.close();
  });

  /** A session on the test broker, its warnings collected. */
  function open(clientId: string, maxPacketBytes?: number): { s: NotificationSession; warnings: string[] } {
    const s = new NotificationSession({ host: '127.0.0.1', port: broker.port, clientId, backoff: SHORT, maxPacketBytes });
    session = s;
    const warnings: string[] = [];
    s.on('warning', (w: string) => warnings.push(w));
    return { s, warnings };
  }
  const connected = (s: NotificationSession): Promise<void> => until(s, 'state', () => s.status.state === 'connected', 10000, 'session connected');

  /**
   * Makes every MQTT.js client change its stream builder, once, just before its first connect
   * (after the session wrapped it): how an MQTT.js upgrade could go around the guard.
   */
  function simulateUpgrade(change: (guardedBuilder: (client: any) => any) => (client: any) => any): void {
    mqtt.MqttClient.prototype.connect = function (this: any) {
      if (!this.__upgraded) {
        this.__upgraded = true;
        this.streamBuilder = change(this.streamBuilder);
      }
      return originalConnect.call(this);
    };
  }

  it('with this MQTT.js the guard sees the broker\'s bytes: no warning, the status is the peer alone', async () => {
    const { s, warnings } = open('guard-ok');
    s.start();
    await connected(s);
    assert.equal(s.status.detail, `127.0.0.1:${broker.port}`);
    assert.deepEqual(warnings, []);
  });

  it('an MQTT.js that reads the stream around the guarded pipe: said once as a warning and in the connected status', async () => {
    // The stream's own pipe (the guard's) is gone: MQTT.js pipes the socket straight into its parser.
    simulateUpgrade((guarded) => (client) => {
      const stream = guarded(client);
      delete stream.pipe;
      return stream;
    });
    const { s, warnings } = open('guard-read-around', 1024);
    const got: number[] = [];
    const deliveries = new EventEmitter();
    s.subscribe('ref', RMON_TOPIC, (_topic, payload) => {
      got.push(payload.length);
      deliveries.emit('message');
    });
    s.start();
    await connected(s);
    assert.equal(s.status.detail, `127.0.0.1:${broker.port} · ${GUARD_OFF}`);
    assert.equal(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0], new RegExp(`^packet-size guard off: MQTT\\.js ${mqtt.MQTTJS_VERSION.replace(/\./g, '\\.')} read the broker's bytes around it, so broker packets of any size now reach its parser unchecked`));
    // The bypass is real: a message over the 1 KiB limit is no longer refused.
    const delivered = waitFor(deliveries, 'message', () => true, 10000, 'the oversized message delivered');
    await broker.publish(RMON_TOPIC, Buffer.alloc(4096, 'x'), 1);
    await delivered;
    assert.deepEqual(got, [4096]);
    assert.equal(s.status.state, 'connected');
  });

  it('an MQTT.js that opens its connection without the wrapped stream builder: said as well', async () => {
    simulateUpgrade(() => (client) => net.connect({ host: client.options.host, port: client.options.port }));
    const { s, warnings } = open('guard-not-built');
    s.start();
    await connected(s);
    assert.equal(s.status.detail, `127.0.0.1:${broker.port} · ${GUARD_OFF}`);
    assert.equal(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0], /^packet-size guard off: MQTT\.js \S+ opened its connection without the stream builder it wraps/);
  });
});

describe('dependencies whose private internals the plugin patches', () => {
  it('mqtt and @grpc/grpc-js are pinned to the minor versions tested (~), and those are the ones installed', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of ['mqtt', '@grpc/grpc-js']) {
      const range = pkg.dependencies[name];
      const m = /^~(\d+)\.(\d+)\.\d+$/.exec(range);
      assert.ok(m, `${name}: ${range} is not a ~ range`);
      const installed = (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
      assert.ok(installed.startsWith(`${m[1]}.${m[2]}.`), `${name} ${installed} installed, ${range} pinned`);
    }
  });
});
