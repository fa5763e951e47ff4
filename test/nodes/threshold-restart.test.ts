/**
 * jet-threshold across a restart of Node-RED with a persistent context store (localfilesystem), in
 * a real Node-RED 4 process with this package installed (as `npm start` does: a symlink in the
 * user directory). Messages come in through an http-in node; the threshold's three outputs post
 * to an HTTP server of this test, all on 127.0.0.1.
 *
 * While Node-RED is down, the stored deadlines are moved (as time passing would): a held
 * transition whose hold-down expired meanwhile is sent once at start, the other when its remaining
 * time runs out; the rest of the state (the high keys) is kept.
 */
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { NodeRedProcess, request } from '../support/nodered-process';
import { waitFor } from '../support/wait';
import { ROOT } from '../support/paths';

const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };

interface Posted {
  port: string;
  body: any;
  at: number;
}

describe('jet-threshold across a Node-RED restart (localfilesystem context)', function () {
  this.timeout(120000);
  let work = '';
  let red: NodeRedProcess | null = null;
  let sink: http.Server;
  let sinkPort = 0;
  const posted: Posted[] = [];
  const events = new EventEmitter();

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-threshold-restart-'));
    const userDir = path.join(work, 'userdir');
    const link = path.join(userDir, 'node_modules', ...PKG.name.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(ROOT, link, 'dir');
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-user', private: true, dependencies: { [PKG.name]: '*' } }));
    sink = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        const p: Posted = { port: String(req.url).replace('/out/', ''), body: JSON.parse(text || 'null'), at: Date.now() };
        posted.push(p);
        events.emit('posted', p);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    sinkPort = (sink.address() as { port: number }).port;
  });

  after(async () => {
    await red?.stop();
    await new Promise((r) => sink?.close(r));
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const settings = { contextStorage: { default: { module: 'localfilesystem' } } };

  function flow(): unknown[] {
    const post = (id: string, n: number): Record<string, unknown> => ({
      id,
      type: 'http request',
      z: 'tab',
      method: 'POST',
      ret: 'txt',
      paytoqs: 'ignore',
      url: `http://127.0.0.1:${sinkPort}/out/${n}`,
      tls: '',
      persist: false,
      proxy: '',
      insecureHTTPParser: false,
      authType: '',
      senderr: false,
      headers: [],
      wires: [[]],
    });
    return [
      { id: 'tab', type: 'tab', label: 'threshold restart' },
      { id: 'in', type: 'http in', z: 'tab', url: '/th', method: 'post', upload: false, wires: [['t', 'ok']] },
      { id: 'ok', type: 'http response', z: 'tab', statusCode: '', headers: {}, wires: [] },
      { id: 't', type: 'jet-threshold', z: 'tab', mode: 'event', key: 'payload.key', holdDown: '600', wires: [['o1'], ['o2'], ['o3']] },
      post('o1', 1),
      post('o2', 2),
      post('o3', 3),
    ];
  }

  function next(port: string, key: string): Promise<Posted> {
    const seen = posted.find((p) => p.port === port && p.body?.key === key);
    if (seen) return Promise.resolve(seen);
    return waitFor<[Posted]>(events, 'posted', (p) => p.port === port && p.body?.key === key, 30000, `output ${port} for ${key}`).then(([p]) => p);
  }

  /** Posts an event; the http-in route exists once the flow runs (404 before: asked again). */
  async function event(key: string, direction: 'rising' | 'falling'): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const res = await request(red!.port, 'POST', '/th', { key, direction });
      if (res.status === 200) return;
      if (res.status !== 404) throw new Error(`POST /th answered ${res.status}: ${res.text}`);
    }
    throw new Error('the http-in node never answered');
  }

  it('sends a held transition whose hold-down expired while down once at start, the other when its time runs out', async () => {
    red = new NodeRedProcess(path.join(work, 'userdir'));
    await red.start(settings);
    const res = await request(red.port, 'POST', '/flows', flow(), { 'Node-RED-Deployment-Type': 'full' });
    assert.equal(res.status, 204, res.text);

    for (const key of ['A', 'B', 'C']) {
      await event(key, 'rising');
      await next('1', key);
    }
    for (const key of ['A', 'B']) {
      await event(key, 'falling');
      assert.match((await next('3', key)).body.reason, /held by hold-down/);
    }
    await red.stop();

    // Node-RED wrote the node's context on stop: move the deadlines as time passing would.
    const file = path.join(work, 'userdir', 'context', 'tab', 't.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    const state = stored.thresholdState;
    assert.deepEqual(Object.keys(state).sort(), ['A', 'B', 'C']);
    assert.equal(state.A.held.direction, 'falling');
    state.A.held.until = Date.now() - 60000;
    const bUntil = Date.now() + 8000;
    state.B.held.until = bUntil;
    fs.writeFileSync(file, JSON.stringify(stored));
    const before = posted.length;

    await red.start(settings);
    const a = await next('2', 'A');
    const b = await next('2', 'B');
    assert.ok(a.at < bUntil, 'the expired one at start');
    assert.ok(b.at >= bUntil, `the other when its remaining time ran out (${b.at - bUntil} ms after)`);
    assert.equal(a.body.restored, true);
    assert.deepEqual(
      posted.slice(before).map((p) => `${p.port} ${p.body.key}`),
      ['2 A', '2 B'],
      'each sent once, nothing else',
    );
    // The rest of the state came back: C is still high, A is low now.
    await event('C', 'rising');
    assert.match((await next('3', 'C')).body.reason, /repeated rising event, already high/);
    const repeat = waitFor<[Posted]>(events, 'posted', (p) => p.port === '3' && p.body?.key === 'A', 30000, 'a falling repeat of A');
    await event('A', 'falling');
    assert.match((await repeat)[0].body.reason, /repeated falling event, already low/);
  });
});
