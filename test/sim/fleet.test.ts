/**
 * The simulated fleet (sim/fleet.ts, `jet-sim --routers N`): its port plan (sim/fleet-plan.ts), each
 * router its own RIB, broker and RMON engine, the HTTP controls that address each router, restarts
 * of one router and of all, the command line's fleet options, and the command line running a fleet.
 * Every server on a free port.
 */
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as http from 'http';
import * as path from 'path';
import * as mqtt from 'mqtt';
import { JetFleet } from '../../sim/fleet';
import { planProblem, routerHostname, routerPorts, watchedAlarms } from '../../sim/fleet-plan';
import { parseArgs, USAGE } from '../../sim/cli';
import { RMON_TOPIC } from '../../sim';
import { eventually } from '../support/fault';
import { DIST } from '../support/paths';

function request(port: number, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data ? JSON.parse(data) : null }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** An MQTT client subscribed to the RMON topic of a broker; `events` collects what it receives. */
async function listen(port: number): Promise<{ client: mqtt.MqttClient; events: any[] }> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const events: any[] = [];
  client.on('message', (_t, payload) => events.push(JSON.parse(payload.toString())['jet-event']));
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  await client.subscribeAsync(RMON_TOPIC);
  return { client, events };
}

describe('sim fleet: port plan', () => {
  it('puts router k on BASE + k for each kind, 0 staying "any free port"', () => {
    assert.deepEqual(routerPorts({ grpc: 32767, thrift: 9090, mqtt: 1883 }, 0), { grpc: 32767, thrift: 9090, mqtt: 1883 });
    assert.deepEqual(routerPorts({ grpc: 32767, thrift: false, mqtt: 1883 }, 49), { grpc: 32816, thrift: false, mqtt: 1932 });
    assert.deepEqual(routerPorts({ grpc: 0, thrift: 0, mqtt: 0 }, 7), { grpc: 0, thrift: 0, mqtt: 0 });
    assert.equal(routerHostname('jet-sim', 0, 1), 'jet-sim');
    assert.equal(routerHostname('jet-sim', 3, 50), 'jet-sim-3');
    assert.deepEqual(
      watchedAlarms(2).map((a) => [a.index, a.variable, a.rising, a.falling]),
      [
        [1, 'ifIn1SecRate.541', 1024, 1023],
        [2, 'ifIn1SecRate.542', 1024, 1023],
      ],
    );
  });

  it('refuses plans past 65535, overlapping kinds and an HTTP port inside a range', () => {
    assert.equal(planProblem({ grpc: 32767, thrift: 9090, mqtt: 1883 }, 50, 8080), null);
    assert.match(String(planProblem({ grpc: 65500, thrift: false, mqtt: 1883 }, 50)), /gRPC ports 65500\.\.65549 go past 65535/);
    assert.match(String(planProblem({ grpc: 2000, thrift: false, mqtt: 1883 }, 200)), /gRPC ports 2000\.\.2199 and MQTT ports 1883\.\.2082 overlap/);
    assert.match(String(planProblem({ grpc: 32767, thrift: false, mqtt: 1883 }, 50, 1900)), /HTTP port 1900 is one of the MQTT ports/);
  });
});

describe('sim fleet: routers and HTTP controls', function () {
  this.timeout(30000);
  let fleet: JetFleet | undefined;
  const clients: mqtt.MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    await fleet?.stop();
    fleet = undefined;
  });

  it('serves N routers, each its own ports, host name, alarms and RIB', async () => {
    const f = (fleet = await JetFleet.start({ routers: 3, interfaces: 2, bases: { grpc: 0, thrift: 0, mqtt: 0 }, router: { sampling: false } }));
    const ends = f.endpoints();
    assert.deepEqual(ends.map((e) => e.hostname), ['jet-sim-0', 'jet-sim-1', 'jet-sim-2']);
    for (const kind of ['grpcPort', 'thriftPort', 'mqttPort'] as const) assert.equal(new Set(ends.map((e) => e[kind])).size, 3, kind);
    for (const r of f.routers) assert.deepEqual(r.rmon.alarms().map((a) => a.ifIndex), [541, 542]);
    assert.notEqual(f.router(0).rib, f.router(1).rib);
    assert.throws(() => f.router(3), /no router 3 \(routers 0\.\.2\)/);
    const list = await request(f.httpPort, 'GET', '/routers');
    assert.deepEqual(list.json.routers.map((r: { index: number; routes: number }) => [r.index, r.routes]), [[0, 0], [1, 0], [2, 0]]);
  });

  it('raises traffic on router k only; the paths without /routers/<k> address router 0', async () => {
    const f = (fleet = await JetFleet.start({ routers: 3, interfaces: 2, bases: { grpc: 0, thrift: false, mqtt: 0 }, router: { sampling: false } }));
    const subs = await Promise.all(f.endpoints().map((e) => listen(e.mqttPort)));
    clients.push(...subs.map((s) => s.client));
    const up = await request(f.httpPort, 'POST', '/routers/2/interfaces/542/rate', { rate: 8288 });
    assert.deepEqual(up.json, { ifIndex: 542, rate: 8288, fired: 'rising' });
    await eventually(() => subs[2].events.length === 1, 10000, 'router 2\'s event');
    assert.equal(subs[2].events[0].hostname, 'jet-sim-2');
    assert.match(subs[2].events[0].message, /rising threshold \(1024\) crossed, \(variable: ifIn1SecRate\.542, value: 8288\)/);
    assert.equal(f.router(2).rmon.rate(542), 8288);
    assert.equal(f.router(0).rmon.rate(542), 0);
    const rootRate = await request(f.httpPort, 'POST', '/interfaces/541/rate', { rate: 8288 });
    assert.equal(rootRate.json.fired, 'rising');
    await eventually(() => subs[0].events.length === 1, 10000, 'router 0\'s event');
    assert.equal(subs[0].events[0].hostname, 'jet-sim-0');
    assert.equal(subs[1].events.length, 0, 'router 1 published nothing');
    const synthetic = await request(f.httpPort, 'POST', '/routers/1/events/rmon', { ifIndex: 541, direction: 'falling' });
    assert.equal(synthetic.status, 200);
    await eventually(() => subs[1].events.length === 1, 10000, 'router 1\'s synthetic event');
    const ifs = await request(f.httpPort, 'GET', '/routers/2/interfaces');
    assert.deepEqual(ifs.json.interfaces.filter((i: { ifIndex: number }) => i.ifIndex === 542), [{ ifIndex: 542, rate: 8288 }]);
    assert.equal((await request(f.httpPort, 'GET', '/routers/1/alarms')).json.alarms.length, 2);
    assert.equal((await request(f.httpPort, 'GET', '/routers/3/rib')).status, 404);
    assert.equal((await request(f.httpPort, 'POST', '/routers/3/interfaces/541/rate', { rate: 1 })).status, 404);
    assert.equal((await request(f.httpPort, 'GET', '/routers/1/restart')).status, 405);
    // Router 1's RIB, and router 0's under the one-router URL.
    f.router(1).rib.add({ app_id: 'x', prefix: '10.9.9.9/32', nexthops: [{ nexthop_address: { nexthop_ip: '10.1.1.2' } }] });
    assert.deepEqual((await request(f.httpPort, 'GET', '/routers/1/rib')).json.routes.map((r: { prefix: string }) => r.prefix), ['10.9.9.9/32']);
    assert.deepEqual((await request(f.httpPort, 'GET', '/rib')).json.routes, []);
  });

  it('restarts router k alone, or every router at once; one restart at a time per router', async () => {
    const f = (fleet = await JetFleet.start({ routers: 2, bases: { grpc: 0, thrift: 0, mqtt: 0 }, router: { sampling: false } }));
    const subs = await Promise.all(f.endpoints().map((e) => listen(e.mqttPort)));
    clients.push(...subs.map((s) => s.client));
    const closed = subs.map((s) => new Promise<void>((resolve) => s.client.once('close', () => resolve())));
    const ports = f.endpoints();
    const one = await request(f.httpPort, 'POST', '/routers/1/restart');
    assert.deepEqual(one.json, { restarted: [1] });
    await closed[1];
    assert.equal(f.router(0).broker.clients, 1, 'router 0 kept its client');
    const all = await request(f.httpPort, 'POST', '/restart');
    assert.deepEqual(all.json, { restarted: [0, 1] });
    await closed[0];
    assert.deepEqual(f.endpoints(), ports, 'the same ports after the restarts');
    const first = f.restart(0);
    assert.equal(f.restart(0), first, 'a restart asked for during one is that one');
    await first;
    assert.equal(f.router(0).broker.listening, true);
  });
});

describe('sim fleet: command line', function () {
  this.timeout(30000);

  it('reads --routers and --interfaces; a fleet serves Thrift only with --thrift-port', () => {
    const o = parseArgs(['--routers', '50', '--interfaces', '10']);
    assert.equal(o.routers, 50);
    assert.equal(o.interfaces, 10);
    assert.equal(o.thrift, false);
    assert.equal(parseArgs(['--routers', '3', '--thrift-port', '9090']).thrift, true);
    assert.equal(parseArgs(['--interfaces', '2']).thrift, true, 'one router: Thrift as before');
    assert.equal(parseArgs([]).routers, undefined, 'no fleet without the options');
    assert.match(USAGE, /--routers N {11}a fleet/);
    assert.match(USAGE, /router k \(0 \.\. N-1\) listens on BASE\+k for each kind/);
    assert.match(USAGE, /POST \/routers\/<k>\/interfaces\/<ifIndex>\/rate/);
  });

  for (const [bad, message] of [
    [['--routers', '0'], /--routers: not a whole number 1\.\.1000: 0/],
    [['--routers', 'x'], /--routers: not a whole number/],
    [['--interfaces', '2', '--alarm', '1:541:1024'], /--interfaces and --alarm contradict each other/],
    [['--routers', '2', '--tls-key', 'k', '--tls-cert', 'c'], /--tls-key needs --thrift-port with --routers/],
    [['--routers', '200', '--grpc-port', '2000'], /--routers 200: gRPC ports 2000\.\.2199 and MQTT ports 1883\.\.2082 overlap/],
  ] as const) {
    it(`rejects ${bad.join(' ')}`, () => {
      assert.throws(() => parseArgs(bad), message);
    });
  }

  it('runs a fleet until SIGTERM: each router on its ports, the HTTP controls answering', async () => {
    const cli = spawn(process.execPath, [path.join(DIST, 'sim', 'cli.js'), '--routers', '2', '--interfaces', '1', '--grpc-port', '0', '--mqtt-port', '0', '--http-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    try {
      await eventually(() => /rmon: every router/.test(out) || cli.exitCode !== null, 20000, () => `the fleet to start: ${out}`);
      assert.match(out, /router 0 \(jet-sim-0\): gRPC 127\.0\.0\.1:\d+, Thrift off, MQTT 127\.0\.0\.1:\d+/);
      assert.match(out, /router 1 \(jet-sim-1\): gRPC/);
      const port = Number(/HTTP on http:\/\/127\.0\.0\.1:(\d+)\/routers/.exec(out)?.[1]);
      const list = await request(port, 'GET', '/routers');
      assert.equal(list.json.routers.length, 2);
      const up = await request(port, 'POST', '/routers/1/interfaces/541/rate', { rate: 8288 });
      assert.equal(up.json.fired, 'rising');
    } finally {
      cli.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.match(out, /SIGTERM: stopping[\s\S]*stopped/);
  });
});
