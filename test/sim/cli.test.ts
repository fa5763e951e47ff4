import { strict as assert } from 'assert';
import { parseAlarm, parseArgs, parseOtherRoute, parseScript, toSimulatorOptions, USAGE } from '../../sim/cli';

describe('sim CLI arguments', () => {
  it('has defaults', () => {
    assert.deepEqual(parseArgs([]), {
      host: '127.0.0.1',
      thriftPort: 9090,
      thrift: true,
      grpcPort: 32767,
      grpc: true,
      httpPort: 8080,
      mqttPort: 1883,
      users: { lab: 'lab123' },
      routeDelayMs: 0,
      // The IDL's default: a client that sets no purge time keeps its routes 120 s, as on a router.
      purgeTimeS: 120,
      grpcLingerMs: 0,
      otherRoutes: [],
      grpcFaults: [],
      hostname: 'jet-sim',
      rates: {},
      script: [],
      sampling: true,
      help: false,
    });
  });

  it('takes MQTT, RMON and script options', () => {
    const o = parseArgs([
      '--mqtt-port', '0',
      '--mqtt-host=127.0.0.2',
      '--mqtt-user', 'jet:pw:x',
      '--hostname', 'r0nec',
      '--alarm', '1:541:1024:1023',
      '--alarm=index=2,ifindex=600,rising-threshold=5000,startup-alarm=rising-or-falling-alarm,sample-type=delta-value,interval=5,event-index=9,syslog-subtag=',
      '--rate', '600:10',
      '--script', '0:541=0, 5:541=8288',
      '--script', '10:541=0',
      '--no-sampling',
    ]);
    assert.equal(o.mqttPort, 0);
    assert.equal(o.mqttHost, '127.0.0.2');
    assert.deepEqual(o.mqttUser, { username: 'jet', password: 'pw:x' });
    assert.equal(o.hostname, 'r0nec');
    assert.deepEqual(o.alarms, [
      { index: 1, variable: 'ifIn1SecRate.541', rising: 1024, falling: 1023 },
      {
        index: 2,
        variable: 'ifIn1SecRate.600',
        intervalS: 5,
        rising: 5000,
        falling: undefined,
        risingEventIndex: 9,
        fallingEventIndex: 9,
        sampleType: 'delta',
        startup: 'both',
        subtag: '',
      },
    ]);
    assert.deepEqual(o.rates, { 600: 10 });
    assert.deepEqual(o.script, [
      { atS: 0, ifIndex: 541, rate: 0 },
      { atS: 5, ifIndex: 541, rate: 8288 },
      { atS: 10, ifIndex: 541, rate: 0 },
    ]);
    assert.equal(o.sampling, false);
    const sim = toSimulatorOptions(o, () => undefined);
    assert.deepEqual(sim.interfaces, { 541: 0, 600: 10 });
    assert.deepEqual(sim.mqttAuth, { username: 'jet', password: 'pw:x' });
    assert.equal(sim.mqttPort, 0);
    assert.equal(sim.sampling, false);
  });

  it('parses alarm specs in both forms and scripts', () => {
    assert.deepEqual(parseAlarm('3:7:100'), { index: 3, variable: 'ifIn1SecRate.7', rising: 100, falling: undefined });
    assert.equal(parseAlarm('index=1,variable=ifIn1SecRate.541,rising=10,falling=5,startup=falling').startup, 'falling');
    assert.deepEqual(parseScript('0.5:1=2'), [{ atS: 0.5, ifIndex: 1, rate: 2 }]);
  });

  for (const bad of [
    ['--alarm', '1:541'],
    ['--alarm', '1:541:x'],
    ['--alarm', '1:541:1000:2000'],
    ['--alarm', '0:541:1000'],
    ['--alarm', 'index=1,rising=5'],
    ['--alarm', 'index=1,ifindex=5,variable=ifIn1SecRate.5,rising=5'],
    ['--alarm', 'index=1,ifindex=5,rising=5,colour=red'],
    ['--alarm', 'index=1,ifindex=5,rising=5,startup=sometimes'],
    ['--alarm', 'index=1,ifindex=5,rising=5,sample-type=relative'],
    ['--alarm', '1:541:10', '--alarm', '1:600:10'],
    ['--rate', '541'],
    ['--rate', '541:fast'],
    ['--rate', '0:5'],
    ['--rate', '541:-5'],
    ['--script', '1:541=-5'],
    ['--script', '5:541'],
    ['--script', '-1:541=0'],
    ['--script', ','],
    ['--mqtt-port', '65536'],
    ['--mqtt-user', 'nopassword'],
    ['--mqtt-tls-key', 'k.pem'],
  ]) {
    it(`rejects ${bad.join(' ')}`, () => {
      assert.throws(() => parseArgs(bad), Error);
    });
  }

  it('takes host, ports, users (replacing the default) and TLS files', () => {
    const o = parseArgs([
      '--host', '0.0.0.0',
      '--thrift-port', '0',
      '--http-port=18080',
      '--user', 'a:b',
      '--user', 'c:d:e',
      '--tls-key', 'k.pem',
      '--tls-cert', 'c.pem',
      '--tls-ca', 'ca.pem',
    ]);
    assert.equal(o.host, '0.0.0.0');
    assert.equal(o.thriftPort, 0);
    assert.equal(o.httpPort, 18080);
    assert.deepEqual(o.users, { a: 'b', c: 'd:e' });
    assert.deepEqual([o.tlsKey, o.tlsCert, o.tlsCa], ['k.pem', 'c.pem', 'ca.pem']);
    assert.equal(parseArgs(['--help']).help, true);
  });

  it('takes the gRPC port, turns either server off, and takes the route delay, purge time and linger', () => {
    const o = parseArgs(['--grpc-port', '0', '--no-thrift', '--route-delay=5', '--purge-time', '30', '--grpc-linger', '200',
      '--grpc-tls-key', 'k.pem', '--grpc-tls-cert', 'c.pem', '--grpc-tls-ca', 'ca.pem']);
    assert.deepEqual(
      [o.grpcPort, o.grpc, o.thrift, o.routeDelayMs, o.purgeTimeS, o.grpcLingerMs, o.grpcTlsKey, o.grpcTlsCert, o.grpcTlsCa],
      [0, true, false, 5, 30, 200, 'k.pem', 'c.pem', 'ca.pem'],
    );
    const sim = toSimulatorOptions(parseArgs(['--no-thrift', '--grpc-port', '0', '--route-delay', '5', '--purge-time', '30', '--grpc-linger', '200']), () => undefined);
    assert.deepEqual(
      [sim.thriftPort, sim.grpcPort, sim.routeDelayMs, sim.defaultPurgeTimeS, sim.grpcLingerMs, sim.grpcTls],
      [false, 0, 5, 30, 200, undefined],
    );
    const noGrpc = toSimulatorOptions(parseArgs(['--no-grpc']), () => undefined);
    assert.deepEqual([noGrpc.thriftPort, noGrpc.grpcPort], [9090, false]);
    assert.match(USAGE, /--grpc-port N .*32767/);
    assert.match(USAGE, /--purge-time S [^]*default 120/);
    assert.equal(toSimulatorOptions(parseArgs([]), () => undefined).defaultPurgeTimeS, 120);
    for (const flag of ['--no-thrift', '--no-grpc', '--route-delay', '--purge-time', '--grpc-linger', '--grpc-tls-key', '--grpc-tls-ca']) {
      assert.ok(USAGE.includes(flag), flag);
    }
  });

  it('takes routes of other protocols as Junos writes them (--other-route, repeatable)', () => {
    const o = parseArgs(['--other-route', '1.1.1.1/32 next-hop 10.9.9.9', '--other-route=2001:db8::/32 next-hop 2001:db8::9 next-hop 2001:db8::8 preference 170 protocol bgp table inet6.0']);
    assert.deepEqual(o.otherRoutes, [
      { prefix: '1.1.1.1/32', nexthops: ['10.9.9.9'] },
      { prefix: '2001:db8::/32', nexthops: ['2001:db8::9', '2001:db8::8'], preference: 170, protocol: 'bgp', table: 'inet6.0' },
    ]);
    assert.deepEqual(toSimulatorOptions(o, () => undefined).otherRoutes, o.otherRoutes);
    assert.deepEqual(parseOtherRoute('10.0.0.0/8 protocol direct'), { prefix: '10.0.0.0/8', nexthops: [], protocol: 'direct' });
    assert.match(USAGE, /--other-route SPEC +a route of another protocol/);
    assert.match(USAGE, /RouteGet \(a lookup\) returns it/);
    for (const [bad, re] of [
      ['1.1.1.1/32', /a static route needs a next hop/],
      ['1.1.1.1/32 next-hop', /next-hop needs a value/],
      ['1.1.1.1/32 via 10.9.9.9', /unknown word via/],
      ['1.1.1.1/32 next-hop 10.9.9.9 preference x', /not a number/],
      ['bogus next-hop 10.9.9.9', /--other-route: .*bogus/],
    ] as const) {
      assert.throws(() => parseArgs(['--other-route', bad]), re);
    }
  });

  for (const bad of [
    ['--grpc-port', '65536'],
    ['--grpc-port', '--no-grpc'],
    ['--no-grpc', '--grpc-port', '1'],
    ['--no-thrift', '--thrift-port', '1'],
    ['--no-grpc', '--purge-time', '5'],
    ['--route-delay', '-1'],
    ['--route-delay', '1.5'],
    ['--purge-time', 'x'],
    ['--grpc-tls-key', 'k.pem'],
    ['--grpc-tls-ca', 'ca.pem'],
    ['--thrift-port', 'x'],
    ['--http-port', '70000'],
    ['--thrift-port'],
    ['--host', '--http-port', '1'],
    ['--user', 'nopassword'],
    ['--user', ':pw'],
    ['--bogus'],
    ['--tls-key', 'k.pem'],
    ['--tls-ca', 'ca.pem'],
  ]) {
    it(`rejects ${bad.join(' ')}`, () => {
      assert.throws(() => parseArgs(bad), Error);
    });
  }
});
