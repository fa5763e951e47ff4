/**
 * The simulator's HTTP controls refuse cross-origin browser requests: a web page open in the lab's
 * browser must not move rates or publish events (a text/plain or form POST needs no CORS
 * preflight, so the browser would send it). Same-origin requests and requests without Origin
 * (curl, Node-RED's http request node) go through; reads are not affected.
 *
 * Every request, reads included, must name the simulator's own listen address in its Host header:
 * a page whose name is rebound to 127.0.0.1 (DNS rebinding) is same-origin to the browser, but
 * says `Host: evil.example`.
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import * as os from 'os';
import { JetSimulator, ownHostNames, parseHostHeader } from '../../sim';

interface Answer {
  status: number;
  body: any;
}

function request(port: number, method: string, path: string, headers: Record<string, string>, body?: string, setHost = true): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, setHost }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep the text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('sim HTTP controls: cross-origin requests refused', function () {
  this.timeout(20000);
  let sim: JetSimulator;

  before(async () => {
    sim = await JetSimulator.start({ sampling: false, alarms: [{ index: 1, variable: 'ifIn1SecRate.541', rising: 1024, falling: 1023 }], interfaces: { 541: 0 } });
  });
  after(async () => {
    await sim.stop();
  });

  const rate = (headers: Record<string, string>, value: number, type = 'text/plain'): Promise<Answer> =>
    request(sim.httpPort, 'POST', '/interfaces/541/rate', { 'content-type': type, ...headers }, String(value));
  const currentRate = (): number | undefined => sim.rmon.interfaces().find((i) => i.ifIndex === 541)?.rate;

  it('refuses a POST from a page of another origin (403), whatever its content type, and changes nothing', async () => {
    const events = () => sim.broker.counters.published;
    const before = events();
    for (const [headers, type] of [
      [{ origin: 'http://evil.example' }, 'text/plain'],
      [{ origin: 'http://evil.example' }, 'application/x-www-form-urlencoded'],
      [{ origin: 'null' }, 'text/plain'],
      [{ origin: `http://localhost:${sim.httpPort + 1}` }, 'text/plain'],
      [{ 'sec-fetch-site': 'cross-site' }, 'text/plain'],
      [{ origin: `http://127.0.0.1:${sim.httpPort}`, 'sec-fetch-site': 'same-site' }, 'text/plain'],
    ] as Array<[Record<string, string>, string]>) {
      const a = await rate(headers, 9000, type);
      assert.equal(a.status, 403, `${JSON.stringify(headers)} ${type}: ${JSON.stringify(a.body)}`);
      assert.match(a.body.error, /^cross-origin request refused/);
    }
    const ev = await request(sim.httpPort, 'POST', '/events/rmon', { origin: 'https://evil.example', 'content-type': 'text/plain' }, JSON.stringify({ ifIndex: 541, direction: 'rising' }));
    assert.equal(ev.status, 403);
    assert.equal(currentRate(), 0, 'the rate did not move');
    assert.equal(events(), before, 'no event was published');
  });

  it('lets same-origin and Origin-less (curl-like) requests through; reads are not affected', async () => {
    const own = `http://127.0.0.1:${sim.httpPort}`;
    const same = await rate({ origin: own, 'sec-fetch-site': 'same-origin' }, 2000);
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(currentRate(), 2000);
    const curl = await rate({}, 0, 'application/x-www-form-urlencoded');
    assert.equal(curl.status, 200, JSON.stringify(curl.body));
    assert.equal(currentRate(), 0);
    const typed = await rate({ 'sec-fetch-site': 'none' }, 5);
    assert.equal(typed.status, 200, 'a request the user typed in (Sec-Fetch-Site: none)');
    const read = await request(sim.httpPort, 'GET', '/interfaces', { origin: 'http://evil.example' });
    assert.equal(read.status, 200, 'a read is harmless: the browser keeps its answer from the page (no CORS header)');
    assert.equal(read.body.interfaces.length, 1);
  });
});

describe('sim HTTP controls: Host header must name the simulator (DNS rebinding)', function () {
  this.timeout(20000);
  let sim: JetSimulator;

  before(async () => {
    sim = await JetSimulator.start({ sampling: false, alarms: [{ index: 1, variable: 'ifIn1SecRate.541', rising: 1024, falling: 1023 }], interfaces: { 541: 0 } });
  });
  after(async () => {
    await sim.stop();
  });

  const currentRate = (): number | undefined => sim.rmon.interfaces().find((i) => i.ifIndex === 541)?.rate;
  const rate = (host: string, value: number): Promise<Answer> =>
    request(sim.httpPort, 'POST', '/interfaces/541/rate', { 'content-type': 'text/plain', host }, String(value));

  it('refuses (403) a request whose Host names another server, reads included, and changes nothing', async () => {
    const port = sim.httpPort;
    const published = sim.broker.counters.published;
    const routes = sim.rib.entries().length;
    const foreign = [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      '127.0.0.1', // port 80
      `10.0.0.1:${port}`,
      `127.0.0.1:${port}@evil.example`,
      `[::1]:${port}:1`,
      ' ',
    ];
    for (const host of foreign) {
      const a = await rate(host, 9000);
      assert.equal(a.status, 403, `Host ${JSON.stringify(host)}: ${JSON.stringify(a.body)}`);
      assert.match(a.body.error, /^request refused: (Host .* does not name this server|no Host header) \(127\.0\.0\.1:\d+\): DNS rebinding\?$/);
    }
    for (const path of ['/rib', '/interfaces', '/health']) {
      const read = await request(port, 'GET', path, { host: `evil.example:${port}` });
      assert.equal(read.status, 403, `GET ${path}`);
    }
    const ev = await request(port, 'POST', '/events/rmon', { host: 'evil.example', 'content-type': 'application/json' }, JSON.stringify({ ifIndex: 541, direction: 'rising' }));
    assert.equal(ev.status, 403);
    // No Host at all (an HTTP/1.1 request without one): refused as well, by Node.js itself (400) or here (403).
    const none = await request(port, 'POST', '/interfaces/541/rate', { 'content-type': 'text/plain' }, '9000', false);
    assert.ok(none.status === 400 || none.status === 403, `no Host: ${none.status}`);
    assert.equal(currentRate(), 0, 'the rate did not move');
    assert.equal(sim.broker.counters.published, published, 'no event was published');
    assert.equal(sim.rib.entries().length, routes);
  });

  it('accepts the listen address and its loopback equivalents (127.0.0.1, localhost, [::1]) on its port', async () => {
    const port = sim.httpPort;
    let value = 1;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `localhost.:${port}`, `[::1]:${port}`]) {
      const a = await rate(host, value);
      assert.equal(a.status, 200, `Host ${host}: ${JSON.stringify(a.body)}`);
      assert.equal(currentRate(), value++);
    }
    assert.equal((await request(port, 'GET', '/rib', {})).status, 200, 'the default Host of a client');
  });

  it('knows which names are its own for the address it listens on', () => {
    assert.deepEqual([...ownHostNames('127.0.0.1')].sort(), ['127.0.0.1', '::1', 'localhost']);
    assert.deepEqual([...ownHostNames('10.1.2.3')], ['10.1.2.3']);
    assert.deepEqual([...ownHostNames('[2001:db8::1]')], ['2001:db8::1']);
    const any = ownHostNames('0.0.0.0');
    for (const n of ['127.0.0.1', 'localhost', '::1', os.hostname().toLowerCase()]) assert.ok(any.has(n), n);
    for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) assert.ok(any.has(i.address.toLowerCase()), i.address);
    assert.ok(!any.has('evil.example'));
    assert.deepEqual(parseHostHeader('Example.COM.:8080'), { host: 'example.com', port: 8080 });
    assert.deepEqual(parseHostHeader('[::1]'), { host: '::1', port: 80 });
    for (const bad of ['a:b', 'a:70000', 'a:0', 'user@host', 'h/x', '[::1', '']) assert.equal(parseHostHeader(bad), null, bad);
  });
});

describe('sim HTTP controls: routes of other protocols', function () {
  this.timeout(20000);
  let sim: JetSimulator;
  const lines: string[] = [];

  before(async () => {
    sim = await JetSimulator.start({ sampling: false, log: (l) => lines.push(l) });
  });
  after(async () => {
    await sim.stop();
  });

  it('POST /rib/others adds one (a static route from the CLI), GET /rib shows it apart, DELETE /rib/others removes it', async () => {
    const json = { 'content-type': 'application/json' };
    const added = await request(sim.httpPort, 'POST', '/rib/others', json, JSON.stringify({ prefix: '1.1.1.1/32', nexthops: ['10.9.9.9'] }));
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.deepEqual(added.body.route, { table: 'inet.0', prefix: '1.1.1.1/32', family: 'inet', nexthops: ['10.9.9.9'], preference: 5, protocol: 'static' });
    assert.ok(lines.includes("rib: + inet.0: 1.1.1.1/32 [Static/5] > to 10.9.9.9 (static, not JET's)"), lines.join('\n'));
    const rib = await request(sim.httpPort, 'GET', '/rib', {});
    assert.deepEqual([rib.body.routes, rib.body.others.map((r: { prefix: string }) => r.prefix)], [[], ['1.1.1.1/32']]);
    const bad = await request(sim.httpPort, 'POST', '/rib/others', json, JSON.stringify({ prefix: '1.1.1.1/32', nexthops: 'x' }));
    assert.deepEqual([bad.status, bad.body.error], [400, 'nexthops: "x" is not an IP address']);
    assert.equal((await request(sim.httpPort, 'POST', '/rib/others', json, '{')).status, 400);
    const foreign = await request(sim.httpPort, 'POST', '/rib/others', { ...json, origin: 'http://evil.example' }, JSON.stringify({ prefix: '2.2.2.2/32', nexthops: ['10.9.9.9'] }));
    assert.equal(foreign.status, 403, 'a page of another origin cannot add one');
    const gone = await request(sim.httpPort, 'DELETE', '/rib/others?prefix=1.1.1.1/32', {});
    assert.deepEqual([gone.status, gone.body], [200, { removed: 1 }]);
    assert.equal(sim.rib.others.size, 0);
    assert.equal((await request(sim.httpPort, 'DELETE', '/rib/others?prefix=bogus', {})).status, 400);
  });
});
