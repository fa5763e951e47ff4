/**
 * The sample flow (flows/traffic-management.json) end to end in a real Node-RED runtime: RMON
 * events from a real MQTT broker (the simulator's, then Debian's Mosquitto fed by mosquitto_pub),
 * routes programmed on the simulator's Thrift server over a real socket.
 */
import { strict as assert } from 'assert';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../support/nodered-process';
import { helper, load, sampleFlow, statusMatching, useNodeRedHelper } from '../support/nodered';
import { waitFor } from '../support/wait';
import { SAMPLE } from '../support/fault';
import { JetSimulator } from '../../sim';

// The sample flow as saved with ifIndex 541 (these runs use a Thrift router: no interface lookup there).
const FLOW = SAMPLE.ifIndexFile;
const ID = {
  router: '7a6f1c2e3b4d5002',
  event: '7a6f1c2e3b4d5011',
  add: '7a6f1c2e3b4d5013',
  added: '7a6f1c2e3b4d5014',
  del: '7a6f1c2e3b4d5015',
  deleted: '7a6f1c2e3b4d5016',
  noChange: '7a6f1c2e3b4d5017',
};
const CAPTURE = [ID.added, ID.deleted, ID.noChange];
const CREDS = { [ID.router]: { username: 'lab', password: 'lab123' } };
const TOPIC = '/junos/events/syslog/SNMPD_RMON_EVENTLOG';

/** Counts every message reaching the captured outputs. */
function recorder(): { counts: Record<string, number>; stop(): void } {
  const counts: Record<string, number> = { [ID.added]: 0, [ID.deleted]: 0, [ID.noChange]: 0 };
  const offs: Array<() => void> = [];
  for (const id of CAPTURE) {
    const n = helper.getNode(id) as EventEmitter;
    const fn = (): void => {
      counts[id]++;
    };
    n.on('input', fn);
    offs.push(() => n.off('input', fn));
  }
  return { counts, stop: () => offs.forEach((f) => f()) };
}

function next(id: string): Promise<Record<string, any>> {
  return waitFor<[Record<string, any>]>(helper.getNode(id), 'input', () => true, 15000, `a message at ${id}`).then(([m]) => m);
}

describe('sample flow end to end on the simulator', function () {
  let sim: JetSimulator;

  useNodeRedHelper();
  beforeEach(async () => {
    sim = await JetSimulator.start({ sampling: false });
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('rate up: one RouteAdd; repeated event: no call, output 3; other ifIndex: nothing; rate down: one RouteDelete', async () => {
    await load(
      sampleFlow(FLOW, CAPTURE, { host: '127.0.0.1', api: 'thrift', port: String(sim.thriftPort), notificationPort: String(sim.mqttPort) }),
      CREDS,
    );
    await Promise.all([statusMatching(helper.getNode(ID.event), /^listening/), statusMatching(helper.getNode(ID.add), /^connected/)]);
    const rec = recorder();

    const added = next(ID.added);
    await sim.rmon.setRate(541, 8288, true);
    const a = await added;
    assert.deepEqual(a.payload.results.map((r: any) => [r.prefix, r.status]), [['1.1.1.1/32', 'added']]);
    assert.equal(a.payload.direction, 'rising');
    assert.equal(a.topic, 'jet-sim/541');
    assert.equal(sim.thrift.counters.calls.RouteAdd, 1);
    assert.deepEqual(sim.rib.get('inet.0', '1.1.1.1/32')?.nexthops, ['10.1.1.2']);

    // A duplicated rising event (the router restarted its alarm, or an event was repeated).
    const same = next(ID.noChange);
    await sim.rmon.publishEvent({ ifIndex: 541, direction: 'rising', value: 9000 });
    assert.match((await same).payload.reason, /No configuration changes required/);
    assert.equal(sim.thrift.counters.calls.RouteAdd, 1, 'no second RouteAdd');

    // Another interface's event passes nothing; the marker after it proves it was processed.
    await sim.rmon.publishEvent({ ifIndex: 542, direction: 'falling', value: 5 });
    const marker = next(ID.noChange);
    await sim.rmon.publishEvent({ ifIndex: 541, direction: 'rising', value: 9001 });
    await marker;
    assert.deepEqual(rec.counts, { [ID.added]: 1, [ID.deleted]: 0, [ID.noChange]: 2 });

    const deleted = next(ID.deleted);
    await sim.rmon.setRate(541, 0, true);
    const d = await deleted;
    assert.deepEqual(d.payload.results.map((r: any) => [r.prefix, r.status]), [['1.1.1.1/32', 'deleted']]);
    assert.equal(sim.thrift.counters.calls.RouteDelete, 1);
    assert.equal(sim.rib.size, 0);
    assert.deepEqual(rec.counts, { [ID.added]: 1, [ID.deleted]: 1, [ID.noChange]: 2 });
    rec.stop();
  });

  it('counts notifications that do not parse and keeps going', async () => {
    await load(
      sampleFlow(FLOW, CAPTURE, { host: '127.0.0.1', api: 'thrift', port: String(sim.thriftPort), notificationPort: String(sim.mqttPort) }),
      CREDS,
    );
    const ev = helper.getNode(ID.event);
    await statusMatching(ev, /^listening/);
    const counted = statusMatching(ev, /3 unparsed/);
    for (const junk of ['not json', '{"jet-event": 5}', Buffer.from([0xff, 0x00, 0xfe]).toString('latin1')]) {
      await sim.broker.publish(TOPIC, junk);
    }
    await counted;
    const added = next(ID.added);
    await sim.rmon.setRate(541, 8288, true);
    assert.equal((await added).payload.results[0].status, 'added');
  });
});

// ---------------------------------------------------------------------------------------------


const MOSQUITTO = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

class Mosquitto {
  private proc: ChildProcess | null = null;
  private readonly conf: string;
  constructor(readonly port: number, dir: string) {
    this.conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(this.conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  }
  async start(): Promise<void> {
    const proc = spawn(MOSQUITTO, ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    // Ready when it accepts a connection.
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${err}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(this.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  }
  publish(payload: string): void {
    execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(this.port), '-t', TOPIC, '-q', '1', '-m', payload]);
  }
}

function jetEvent(direction: 'rising' | 'falling', ifIndex: number, value: number): string {
  const threshold = direction === 'rising' ? 1024 : 1023;
  const text = `Event ${ifIndex} triggered by Alarm 1, ${direction} threshold (${threshold}) crossed, (variable: ifIn1SecRate.${ifIndex}, value: ${value})`;
  return JSON.stringify({
    'jet-event': {
      'event-id': 'SNMPD_RMON_EVENTLOG',
      hostname: 'r0nec',
      time: '2017-10-29-20:14:05',
      severity: 'notice',
      facility: 'daemon',
      'process-id': 1204,
      'process-name': 'snmpd',
      message: `IFINDEX${ifIndex}: ${text}`,
      attributes: { 'event-name': `IFINDEX${ifIndex}`, message: text },
    },
  });
}

describe('sample flow with Debian Mosquitto as the router broker', function () {
  let sim: JetSimulator;
  let broker: Mosquitto;
  let dir = '';

  useNodeRedHelper();
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-mosq-'));
    sim = await JetSimulator.start({ sampling: false });
    broker = new Mosquitto(await freePort(), dir);
    await broker.start();
  });
  afterEach(async () => {
    await broker.stop();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('handles mosquitto_pub events, and resubscribes after the broker restarts', async () => {
    await load(sampleFlow(FLOW, CAPTURE, { host: '127.0.0.1', api: 'thrift', port: String(sim.thriftPort), notificationPort: String(broker.port) }), CREDS);
    const ev = helper.getNode(ID.event);
    await Promise.all([statusMatching(ev, /^listening/), statusMatching(helper.getNode(ID.add), /^connected/)]);

    const added = next(ID.added);
    broker.publish(jetEvent('rising', 541, 8288));
    const a = await added;
    assert.equal(a.topic, 'r0nec/541');
    assert.equal(a.payload.results[0].status, 'added');
    const same = next(ID.noChange);
    broker.publish(jetEvent('rising', 541, 8300));
    await same;
    assert.equal(sim.thrift.counters.calls.RouteAdd, 1);

    const down = statusMatching(ev, /^disconnected/);
    await broker.stop();
    await down;
    const up = statusMatching(ev, /r0nec\/541|listening/);
    await broker.start();
    await up;
    // A fresh Mosquitto knows no subscription: the event only arrives if the node subscribed again.
    const deleted = next(ID.deleted);
    broker.publish(jetEvent('falling', 541, 12));
    assert.equal((await deleted).payload.results[0].status, 'deleted');
    assert.equal(sim.rib.size, 0);
  });
});
