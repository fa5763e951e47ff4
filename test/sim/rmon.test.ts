import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as http from 'http';
import * as mqtt from 'mqtt';
import { parseRmonNotification, RmonEvent } from '../../lib/rmon/parser';
import {
  buildRmonNotification,
  DEFAULT_RMON_ALARM,
  formatJetTime,
  JetEventNotification,
  JetSimulator,
  normalizeAlarm,
  parseRateBody,
  RMON_TOPIC,
  RmonEngine,
  RmonEngineOptions,
  RmonSample,
} from '../../sim';
import { waitFor } from '../support/wait';

const T0 = new Date('2017-10-29T20:14:05Z');

/** An engine whose publications are recorded (payloads parsed back to objects). */
function engine(over: Partial<RmonEngineOptions> = {}): { rmon: RmonEngine; sent: Array<{ topic: string; body: JetEventNotification }> } {
  const sent: Array<{ topic: string; body: JetEventNotification }> = [];
  const rmon = new RmonEngine({
    hostname: 'r0nec',
    now: () => T0,
    publish: async (topic, payload) => {
      sent.push({ topic, body: JSON.parse(payload) as JetEventNotification });
    },
    ...over,
  });
  return { rmon, sent };
}

function parsed(body: unknown): RmonEvent {
  const r = parseRmonNotification(JSON.stringify(body));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.event;
}

const fired = (samples: RmonSample[]): Array<string | null> => samples.map((s) => s.fired);

describe('sim RMON engine', () => {
  it('publishes exactly one rising event, in the JET shape, that the parser reads back', async () => {
    const { rmon, sent } = engine();
    assert.deepEqual(fired(await rmon.tick()), [null]); // idle at boot: startup 'rising' suppresses the falling event
    await rmon.setRate(541, 8288);
    assert.deepEqual(fired(await rmon.tick()), ['rising']);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].topic, '/junos/events/syslog/SNMPD_RMON_EVENTLOG');
    const text = 'Event 541 triggered by Alarm 1, rising threshold (1024) crossed, (variable: ifIn1SecRate.541, value: 8288)';
    assert.deepEqual(sent[0].body, {
      'jet-event': {
        'event-id': 'SNMPD_RMON_EVENTLOG',
        hostname: 'r0nec',
        time: '2017-10-29-20:14:05',
        severity: 'notice',
        facility: 'daemon',
        'process-id': 1204,
        'process-name': 'snmpd',
        message: `IFINDEX541: ${text}`,
        attributes: { 'event-name': 'IFINDEX541', message: text },
      },
    });
    const e = parsed(sent[0].body);
    assert.deepEqual(
      [e.direction, e.eventIndex, e.alarmIndex, e.threshold, e.variable, e.ifIndex, e.value, e.subtag, e.hostname, e.time, e.severity],
      ['rising', 541, 1, 1024, 'ifIn1SecRate.541', 541, 8288, 'IFINDEX541', 'r0nec', '2017-10-29-20:14:05', 'notice'],
    );
  });

  it('publishes only on crossings: the same rate again gives nothing, down gives one falling', async () => {
    const { rmon, sent } = engine();
    assert.deepEqual(fired(await rmon.setRate(541, 8288, true)), ['rising']);
    assert.deepEqual(fired(await rmon.tick()), [null]);
    assert.deepEqual(fired(await rmon.setRate(541, 8288, true)), [null]);
    assert.deepEqual(fired(await rmon.setRate(541, 1023.5, true)), [null]); // between the thresholds
    assert.equal(sent.length, 1);
    assert.deepEqual(fired(await rmon.setRate(541, 0, true)), ['falling']);
    assert.deepEqual(fired(await rmon.tick()), [null]);
    assert.equal(sent.length, 2);
    const e = parsed(sent[1].body);
    assert.deepEqual([e.direction, e.threshold, e.value, e.ifIndex], ['falling', 1023, 0, 541]);
    assert.deepEqual(rmon.alarms()[0].state, { last: 'falling', previousSample: 0, samples: 6 });
  });

  it('keeps alarms on other interfaces independent', async () => {
    const { rmon, sent } = engine({
      alarms: [DEFAULT_RMON_ALARM, { index: 2, variable: 'ifIn1SecRate.600', rising: 5000, falling: 4000 }],
      interfaces: { 541: 0, 600: 0 },
    });
    await rmon.tick();
    assert.deepEqual(fired(await rmon.setRate(600, 6000, true)), ['rising']);
    assert.deepEqual(fired(await rmon.tick()), [null, null]);
    assert.equal(sent.length, 1);
    const e = parsed(sent[0].body);
    assert.deepEqual([e.alarmIndex, e.eventIndex, e.ifIndex, e.subtag, e.threshold], [2, 600, 600, 'IFINDEX600', 5000]);
    assert.equal(rmon.alarms()[0].state.last, 'falling'); // alarm 1 still latched from its startup sample
    assert.deepEqual(fired(await rmon.setRate(541, 2000, true)), ['rising']);
    assert.equal(sent.length, 2);
    assert.deepEqual(rmon.interfaces(), [
      { ifIndex: 541, rate: 2000 },
      { ifIndex: 600, rate: 6000 },
    ]);
  });

  it("fires a falling event at boot with Junos's startup 'both', and none for an interface without a rate", async () => {
    const { rmon, sent } = engine({ alarms: [{ ...DEFAULT_RMON_ALARM, startup: 'both' }, { index: 3, variable: 'ifIn1SecRate.900', rising: 10 }] });
    const samples = await rmon.tick();
    assert.deepEqual(fired(samples), ['falling', null]);
    assert.equal(samples[1].value, null);
    assert.equal(sent.length, 1);
    assert.equal(parsed(sent[0].body).direction, 'falling');
  });

  it('evaluates delta alarms on the difference of samples', async () => {
    const { rmon, sent } = engine({ alarms: [{ ...DEFAULT_RMON_ALARM, sampleType: 'delta', rising: 100, falling: 10 }] });
    await rmon.setRate(541, 1000, true); // primes
    assert.deepEqual(fired(await rmon.setRate(541, 1200, true)), ['rising']);
    assert.equal(parsed(sent[0].body).value, 200);
  });

  it('latches without publishing when the event index is 0', async () => {
    const { rmon, sent } = engine({ alarms: [{ ...DEFAULT_RMON_ALARM, risingEventIndex: 0 }] });
    assert.deepEqual(fired(await rmon.setRate(541, 5000, true)), ['rising']);
    assert.equal(sent.length, 0);
    assert.deepEqual(fired(await rmon.setRate(541, 0, true)), ['falling']);
    assert.equal(sent.length, 1);
  });

  it('injects synthetic events (duplicates, other ifIndex) without touching alarm states', async () => {
    const { rmon, sent } = engine();
    await rmon.publishEvent({ ifIndex: 541, direction: 'rising', value: 8288 });
    await rmon.publishEvent({ ifIndex: 541, direction: 'rising', value: 8288 });
    assert.deepEqual(sent[0].body, sent[1].body);
    assert.equal(parsed(sent[0].body).value, 8288);
    await rmon.publishEvent({ ifIndex: 777, direction: 'falling' });
    const e = parsed(sent[2].body);
    assert.deepEqual([e.ifIndex, e.eventIndex, e.alarmIndex, e.threshold, e.value, e.subtag], [777, 777, 1, 1023, 1023, 'IFINDEX777']);
    assert.deepEqual(rmon.alarms()[0].state, { last: null, previousSample: null, samples: 0 });
    await assert.rejects(rmon.publishEvent({ ifIndex: 0, direction: 'rising' }), RangeError);
    await assert.rejects(rmon.publishEvent({ ifIndex: 541, direction: 'up' as 'rising' }), RangeError);
  });

  it('reports and logs a publication that failed, without throwing', async () => {
    const lines: string[] = [];
    const { rmon } = engine({ publish: () => Promise.reject(new Error('mqtt broker not listening')), log: (l) => lines.push(l) });
    const events: string[] = [];
    rmon.on('event', (p) => events.push(p.error ?? 'ok'));
    const [s] = await rmon.setRate(541, 8288, true);
    assert.equal(s.fired, 'rising');
    assert.deepEqual(events, ['mqtt broker not listening']);
    assert.ok(lines.some((l) => l.startsWith('rmon: event lost (mqtt broker not listening): IFINDEX541: Event 541')));
  });

  it('samples on its own timers once started, and stops', async () => {
    const { rmon, sent } = engine({ alarms: [{ ...DEFAULT_RMON_ALARM, intervalS: 0.01 }] });
    assert.equal(rmon.running, false);
    await rmon.setRate(541, 8288);
    rmon.start();
    assert.equal(rmon.running, true);
    await waitFor(rmon, 'event', () => true, 5000, 'a sampled event');
    rmon.stop();
    assert.equal(rmon.running, false);
    assert.equal(sent.length, 1);
    assert.equal(parsed(sent[0].body).direction, 'rising');
  });

  it('replaceAlarms: an unchanged alarm keeps its state, a changed one starts afresh, a new one samples, a removed one stops', async () => {
    const lines: string[] = [];
    const { rmon, sent } = engine({ log: (l) => lines.push(l), interfaces: { 541: 0, 542: 0 } });
    await rmon.setRate(541, 8288, true);
    assert.equal(sent.length, 1);
    const second = { index: 2, variable: 'ifIn1SecRate.542', rising: 100, falling: 50 };
    // Alarm 1 as it was (it stays latched: no second rising event), alarm 2 new.
    rmon.replaceAlarms([DEFAULT_RMON_ALARM, second]);
    assert.deepEqual(rmon.alarms().map((a) => [a.index, a.state.last]), [[1, 'rising'], [2, null]]);
    assert.deepEqual(fired(await rmon.tick()), [null, null]);
    assert.deepEqual(fired(await rmon.setRate(542, 500, true)), ['rising']);
    assert.ok(lines.includes('rmon: alarms reconfigured: 1 unchanged, 1 added, 0 changed, 0 removed'), lines.join('\n'));
    // Alarm 1 changed: fresh state, its startup alarm applies again (rate 8288 is above the new 4096).
    rmon.replaceAlarms([{ ...DEFAULT_RMON_ALARM, rising: 4096, falling: 4000 }]);
    assert.deepEqual(rmon.alarms().map((a) => [a.index, a.rising, a.state.samples]), [[1, 4096, 0]]);
    assert.deepEqual(fired(await rmon.tick()), ['rising']);
    assert.equal(parsed(sent[sent.length - 1].body).threshold, 4096);
    // Alarm 2 is gone: its interface's rate moves nothing.
    assert.deepEqual(fired(await rmon.setRate(542, 0, true)), []);
    // Invalid alarms change nothing.
    assert.throws(() => rmon.replaceAlarms([second, second]), /configured twice/);
    assert.throws(() => rmon.replaceAlarms([{ ...second, falling: 200 }]), RangeError);
    assert.deepEqual(rmon.alarms().map((a) => a.rising), [4096]);
    rmon.replaceAlarms([]);
    assert.deepEqual(rmon.alarms(), []);
  });

  it('replaceAlarms while running: new and changed alarms sample on their own timers; stop() clears them all', async () => {
    const { rmon } = engine({ alarms: [{ ...DEFAULT_RMON_ALARM, intervalS: 0.01 }], interfaces: { 541: 0, 542: 0 } });
    rmon.start();
    await waitFor(rmon, 'sample', (s: RmonSample) => s.alarmIndex === 1, 5000, 'alarm 1 sampled');
    rmon.replaceAlarms([{ ...DEFAULT_RMON_ALARM, intervalS: 0.01 }, { index: 2, variable: 'ifIn1SecRate.542', rising: 100, intervalS: 0.01 }]);
    await waitFor(rmon, 'sample', (s: RmonSample) => s.alarmIndex === 2, 5000, 'alarm 2 sampled on its own timer');
    rmon.replaceAlarms([{ index: 2, variable: 'ifIn1SecRate.542', rising: 200, intervalS: 0.01 }]);
    await waitFor(rmon, 'sample', (s: RmonSample) => s.alarmIndex === 2 && s.state.samples === 1, 5000, 'the changed alarm 2 sampled afresh');
    rmon.stop();
    assert.equal(rmon.running, false);
    // Stopped, a replacement starts no timer: an explicit tick is the only sample.
    rmon.replaceAlarms([{ ...DEFAULT_RMON_ALARM, intervalS: 0.01 }]);
    assert.equal(rmon.running, false);
    assert.deepEqual((await rmon.tick()).map((s) => s.alarmIndex), [1]);
  });

  it('plays a traffic script', async () => {
    const { rmon } = engine();
    const seen: string[] = [];
    rmon.on('event', (p) => seen.push(parsed(p.notification).direction));
    rmon.playScript([
      { atS: 0, ifIndex: 541, rate: 0 },
      { atS: 0.01, ifIndex: 541, rate: 8288 },
      { atS: 0.02, ifIndex: 541, rate: 0 },
    ]);
    await waitFor(rmon, 'event', () => seen.length === 2, 5000, 'two scripted events');
    assert.deepEqual(seen, ['rising', 'falling']);
    rmon.stop();
    assert.throws(() => rmon.playScript([{ atS: -1, ifIndex: 541, rate: 0 }]), RangeError);
  });

  it('validates alarms and rates', () => {
    assert.equal(normalizeAlarm({ index: 5, variable: 'ifIn1SecRate.10', rising: 1000 }).falling, 800);
    assert.deepEqual(normalizeAlarm({ index: 5, variable: 'ifIn1SecRate.10', rising: 1000 }), {
      index: 5,
      variable: 'ifIn1SecRate.10',
      ifIndex: 10,
      intervalS: 1,
      rising: 1000,
      falling: 800,
      risingEventIndex: 10,
      fallingEventIndex: 10,
      sampleType: 'absolute',
      startup: 'rising',
      subtag: 'IFINDEX10',
    });
    for (const bad of [
      { index: 0, variable: 'ifIn1SecRate.1', rising: 1 },
      { index: 1, variable: 'ifOutOctets.1', rising: 1 },
      { index: 1, variable: 'ifIn1SecRate.0', rising: 1 },
      { index: 1, variable: 'ifIn1SecRate.1', rising: 1, falling: 1 },
      { index: 1, variable: 'ifIn1SecRate.1', rising: 1, intervalS: 0 },
      { index: 1, variable: 'ifIn1SecRate.1', rising: 1, subtag: 'has space' },
      { index: 1, variable: 'ifIn1SecRate.1', rising: 1, risingEventIndex: -1 },
    ]) {
      assert.throws(() => normalizeAlarm(bad), RangeError, JSON.stringify(bad));
    }
    assert.throws(() => engine({ alarms: [DEFAULT_RMON_ALARM, DEFAULT_RMON_ALARM] }), /configured twice/);
    assert.throws(() => engine({ interfaces: { 541: -1 } }), RangeError);
    const { rmon } = engine();
    return assert.rejects(rmon.setRate(541, NaN), RangeError);
  });

  it('formats the time and leaves the subtag out when there is none', () => {
    assert.equal(formatJetTime(new Date('2024-01-02T03:04:05.678Z')), '2024-01-02-03:04:05');
    const n = buildRmonNotification(
      { direction: 'falling', eventIndex: 7, alarmIndex: 2, threshold: 10, variable: 'ifIn1SecRate.9', value: 3, subtag: '' },
      { hostname: 'h', time: T0, processId: 1 },
    );
    assert.equal(n['jet-event'].message, 'Event 7 triggered by Alarm 2, falling threshold (10) crossed, (variable: ifIn1SecRate.9, value: 3)');
    assert.deepEqual(Object.keys(n['jet-event'].attributes), ['message']);
    assert.equal(parsed(n).subtag, null);
  });

  it('reads rate bodies as JSON objects, numbers, text and forms', () => {
    assert.equal(parseRateBody('{"rate": 8288}'), 8288);
    assert.equal(parseRateBody('{"rate": "8288"}'), 8288);
    assert.equal(parseRateBody(' 8288\n'), 8288);
    assert.equal(parseRateBody('"12.5"'), 12.5);
    assert.equal(parseRateBody('rate=7'), 7);
    for (const bad of ['', '{}', '{"rate": -1}', 'null', '[1]', 'fast', '{"rate": true}']) {
      assert.throws(() => parseRateBody(bad), /expected a rate/, bad);
    }
  });
});

interface HttpReply {
  status: number;
  body: Record<string, unknown>;
}

function request(port: number, method: string, path: string, body?: string, contentType = 'application/json'): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) };
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('sim RMON over HTTP and MQTT', () => {
  let sim: JetSimulator;
  let client: mqtt.MqttClient;
  const received: RmonEvent[] = [];
  let events: EventEmitter;

  before(async () => {
    sim = await JetSimulator.start({ hostname: 'r0nec', sampling: false });
    client = await mqtt.connectAsync(sim.broker.url, { reconnectPeriod: 50, connectTimeout: 5000 }, false);
    events = client as unknown as EventEmitter; // MQTT.js' client is a Node EventEmitter
    events.on('message', (_topic: string, payload: Buffer) => {
      const r = parseRmonNotification(payload);
      if (r.ok) received.push(r.event);
    });
    await client.subscribeAsync(RMON_TOPIC);
  });

  after(async () => {
    await client?.endAsync(true);
    await sim?.stop();
  });

  const nextEvent = async (): Promise<RmonEvent> => {
    const n = received.length;
    await waitFor(events, 'message', () => received.length > n, 5000, 'an RMON event over MQTT');
    return received[n];
  };

  it('listens for MQTT on a free port by default', () => {
    assert.ok(sim.mqttPort > 0);
    assert.equal(sim.broker.url, `mqtt://127.0.0.1:${sim.mqttPort}`);
    assert.equal(sim.rmon.running, false);
  });

  it('POST /interfaces/541/rate (JSON) → a rising event reaches an MQTT subscriber', async () => {
    const got = nextEvent();
    const r = await request(sim.httpPort, 'POST', '/interfaces/541/rate', JSON.stringify({ rate: 8288 }));
    assert.deepEqual(r, { status: 200, body: { ifIndex: 541, rate: 8288, fired: 'rising' } });
    const e = await got;
    assert.deepEqual([e.direction, e.value, e.ifIndex, e.hostname, e.subtag], ['rising', 8288, 541, 'r0nec', 'IFINDEX541']);
    const again = await request(sim.httpPort, 'POST', '/interfaces/541/rate', '{"rate": 9000}');
    assert.equal(again.body.fired, null);
  });

  it('POST /interfaces/541/rate (text/plain) → a falling event', async () => {
    const got = nextEvent();
    const r = await request(sim.httpPort, 'POST', '/interfaces/541/rate', '0', 'text/plain');
    assert.equal(r.body.fired, 'falling');
    assert.deepEqual([(await got).direction, received.length], ['falling', 2]);
  });

  it('GET /interfaces and /alarms', async () => {
    assert.deepEqual((await request(sim.httpPort, 'GET', '/interfaces')).body, { interfaces: [{ ifIndex: 541, rate: 0 }] });
    const alarms = (await request(sim.httpPort, 'GET', '/alarms')).body.alarms as Array<Record<string, unknown>>;
    assert.equal(alarms.length, 1);
    assert.deepEqual([alarms[0].index, alarms[0].rising, alarms[0].falling, alarms[0].subtag], [1, 1024, 1023, 'IFINDEX541']);
    assert.deepEqual(alarms[0].state, { last: 'falling', previousSample: 0, samples: 3 });
  });

  it('POST /events/rmon publishes a synthetic event', async () => {
    const got = nextEvent();
    const r = await request(sim.httpPort, 'POST', '/events/rmon', JSON.stringify({ ifIndex: 541, direction: 'RISING', value: 4242 }));
    assert.equal(r.status, 200);
    assert.equal(r.body.topic, RMON_TOPIC);
    const e = await got;
    assert.deepEqual([e.direction, e.value, e.threshold], ['rising', 4242, 1024]);
  });

  it('answers 400 for bad input', async () => {
    assert.equal((await request(sim.httpPort, 'POST', '/interfaces/541/rate', 'fast', 'text/plain')).status, 400);
    assert.equal((await request(sim.httpPort, 'POST', '/interfaces/0/rate', '5')).status, 400);
    assert.equal((await request(sim.httpPort, 'POST', '/events/rmon', '{"ifIndex": 541, "direction": "up"}')).status, 400);
    assert.equal((await request(sim.httpPort, 'POST', '/events/rmon', '[]')).status, 400);
    assert.equal((await request(sim.httpPort, 'GET', '/interfaces/541/rate')).status, 405);
  });

  it('after restartBroker(), the re-subscribed client receives events again', async () => {
    const resubscribed = waitFor(sim.broker, 'subscribe', (topics: string[]) => topics.includes(RMON_TOPIC), 10000, 're-subscription');
    await sim.restartBroker();
    await resubscribed;
    const got = nextEvent();
    assert.equal((await request(sim.httpPort, 'POST', '/interfaces/541/rate', '{"rate": 2048}')).body.fired, 'rising');
    assert.equal((await got).value, 2048);
  });
});
