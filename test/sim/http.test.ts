/**
 * The simulator's HTTP controls refuse cross-origin browser requests: a web page open in the lab's
 * browser must not move rates or publish events (a text/plain or form POST needs no CORS
 * preflight, so the browser would send it). Same-origin requests and requests without Origin
 * (curl, Node-RED's http request node) go through; reads are not affected.
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import { JetSimulator } from '../../sim';

interface Answer {
  status: number;
  body: any;
}

function request(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
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
