/**
 * The package installed in a real Node-RED (node-red/red.js in a child process, a temporary user
 * directory whose node_modules links to this checkout, as scripts/start-demo.js does), with
 * adminAuth: the editor gets our message catalogs, help, icons and the editor bundle (resources/), the
 * Test connection endpoint needs the jet-router.write permission, and the nodes' statuses are the
 * catalogs' words as the runtime's own RED._ finds them.
 */
import { strict as assert } from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { waitFor } from '../support/wait';
import { JetSimulator } from '../../sim';
import { ROOT } from '../support/paths';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
const NODES = Object.entries(pkg['node-red'].nodes).map(([type, file]) => ({ type, base: path.basename(file, '.js') }));
const PASSWORD = 'editor-test-pw';
/** bcrypt of PASSWORD (cost 8), as adminAuth wants it. */
const HASH = '$2b$08$ZOkfSh0bExWbk4j7aLg5WOCvKT2IqxqZYRAp4Nx5tyZ55uWyLwIF6';

describe('editor: the package in a real Node-RED with adminAuth', function () {
  this.timeout(60000);
  let dir: string;
  let red: ChildProcess;
  let base: string;
  let sim: JetSimulator;
  const tokens: Record<string, string> = {};
  let output = '';

  before(async () => {
    sim = await JetSimulator.start({ sampling: false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-editor-'));
    const link = path.join(dir, 'node_modules', ...pkg.name.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(ROOT, link, 'dir');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'jet-editor-test', private: true, dependencies: { [pkg.name]: '*' } }));
    fs.writeFileSync(path.join(dir, 'flows.json'), '[]');
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: 0,
      flowFile: 'flows.json',
      credentialSecret: false,
      telemetry: { enabled: false },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { projects: { enabled: false }, tours: false },
      adminAuth: {
        type: 'credentials',
        users: [
          { username: 'admin', password: HASH, permissions: '*' },
          { username: 'viewer', password: HASH, permissions: 'read' },
        ],
      },
    };
    fs.writeFileSync(path.join(dir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', dir, '--settings', path.join(dir, 'settings.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    red.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      red.stdout!.emit('text');
    });
    red.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(red.stdout!, 'text', () => /Started flows/.test(output), 45000, 'Node-RED to start');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output}`);
    }
    const port = /Server now running at http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)?.[1];
    assert.ok(port, output);
    base = `http://127.0.0.1:${port}`;
    for (const username of ['admin', 'viewer']) {
      const res = await fetch(`${base}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: username === 'admin' ? '*' : 'read', username, password: PASSWORD }),
      });
      assert.equal(res.status, 200, `token for ${username}`);
      tokens[username] = ((await res.json()) as { access_token: string }).access_token;
    }
  });

  after(async () => {
    if (red && red.exitCode === null && red.signalCode === null) {
      const exited = waitFor(red, 'exit', () => true, 10000, 'Node-RED to stop');
      red.kill('SIGINT');
      await exited.catch(() => red.kill('SIGKILL'));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (sim) await sim.stop();
  });

  const get = (url: string, user?: string, accept = 'application/json'): Promise<Response> =>
    fetch(`${base}${url}`, { headers: { Accept: accept, ...(user ? { Authorization: `Bearer ${tokens[user]}` } : {}) } });

  it('loads every node set of the package without error', async () => {
    const res = await get('/nodes', 'admin');
    const sets = ((await res.json()) as Array<{ id: string; types: string[]; err?: string; enabled: boolean }>).filter((s) => s.id.startsWith(`${pkg.name}/`));
    assert.deepEqual(
      sets.map((s) => [s.id, s.types, s.err ?? null, s.enabled]),
      NODES.map(({ type, base: b }) => [`${pkg.name}/${b}`, [type], null, true]),
    );
  });

  it('serves each node\'s message catalog under its namespace', async () => {
    for (const { type, base: b } of NODES) {
      const res = await get(`/locales/${pkg.name}/${b}?lng=en-US`, 'admin');
      assert.equal(res.status, 200, type);
      assert.deepEqual(await res.json(), JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', `${b}.json`), 'utf8')), type);
    }
  });

  it('serves the help from locales with the node definitions, one per node', async () => {
    const res = await get('/nodes', 'admin', 'text/html');
    assert.equal(res.status, 200);
    const html = await res.text();
    for (const { type, base: b } of NODES) {
      assert.equal(html.split(`data-help-name="${type}"`).length - 1, 1, type);
      assert.equal(html.split(`data-template-name="${type}"`).length - 1, 1, type);
      const help = fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', `${b}.html`), 'utf8');
      const firstParagraph = /<p>([\s\S]*?)<\/p>/.exec(help)![1];
      assert.ok(html.includes(firstParagraph), `${type}: help text served`);
    }
  });

  it('serves the editor bundle where every node .html asks for it, also without a token (a script tag sends none)', async () => {
    const res = await get('/nodes', 'admin', 'text/html');
    const html = await res.text();
    const src = `resources/${pkg.name}/jet-editor.js`;
    for (const { type } of NODES) {
      // Each node set's html, from its module marker to the next: loads the bundle, relative to the editor.
      const start = html.indexOf(`data-template-name="${type}"`);
      const from = html.lastIndexOf('<!-- --- [red-module:', start);
      const to = html.indexOf('<!-- --- [red-module:', start);
      const set = html.slice(from, to < 0 ? undefined : to);
      assert.ok(set.includes(`<script src="${src}"></script>`), `${type}: loads ${src}`);
    }
    for (const user of [undefined, 'admin']) {
      const bundle = await get(`/${src}`, user, '*/*');
      assert.equal(bundle.status, 200, `GET /${src} as ${user ?? 'nobody'}`);
      assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
      assert.equal(await bundle.text(), fs.readFileSync(path.join(ROOT, 'resources', 'jet-editor.js'), 'utf8'));
    }
    // Nothing else of the package is served from there.
    assert.equal((await get(`/resources/${pkg.name}/../package.json`, undefined, '*/*')).status, 404);
  });

  it('serves the palette icons', async () => {
    const list = (await (await get('/icons', 'admin')).json()) as Record<string, string[]>;
    assert.deepEqual(list[pkg.name], ['jet-command.svg', 'jet-rmon-event.svg', 'jet-route-add.svg', 'jet-route-delete.svg', 'jet-router.svg', 'jet-threshold.svg']);
    const res = await get(`/icons/${pkg.name}/jet-route-add.svg`, undefined, 'image/svg+xml');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(await res.text(), /^<svg /);
  });

  it('Test connection needs jet-router.write: refused without a token and to a read-only user, answered to an admin', async () => {
    const post = (user?: string): Promise<Response> =>
      fetch(`${base}/jet-router/test-connection`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(user ? { Authorization: `Bearer ${tokens[user]}` } : {}) },
        body: JSON.stringify({ host: '127.0.0.1', port: sim.thriftPort, username: 'lab', password: 'lab123', requestTimeout: 5 }),
      });
    assert.equal((await post()).status, 401);
    assert.equal((await post('viewer')).status, 401);
    assert.equal(sim.thrift.counters.logins + sim.thrift.counters.loginFailures, 0, 'nothing tried for a refused request');
    const ok = await post('admin');
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true, message: `logged in to 127.0.0.1:${sim.thriftPort} as lab over Thrift` });
    assert.ok(!output.includes('lab123'), 'the password is not in the Node-RED log');
  });

  it("shows node status in its catalog's words, through the runtime's own RED._ (the router's words too)", async () => {
    // A core status node catches every status of the tab; a debug node logs its text to the Node-RED log.
    const flow = [
      { id: 'st-tab', type: 'tab', label: 'status' },
      {
        id: 'st-r1',
        type: 'jet-router',
        z: 'st-tab',
        api: 'thrift',
        host: '127.0.0.1',
        port: String(sim.thriftPort),
        notificationPort: String(sim.mqttPort),
        credentials: { username: 'lab', password: 'lab123' },
      },
      { id: 'st-add', type: 'jet-route-add', z: 'st-tab', router: 'st-r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [[]] },
      { id: 'st-ev', type: 'jet-rmon-event', z: 'st-tab', router: 'st-r1', ifIndex: '541', wires: [[]] },
      { id: 'st-th', type: 'jet-threshold', z: 'st-tab', mode: 'event', wires: [[], [], []] },
      // Statuses shown while a node starts come before the status node listens: the threshold's comes from a message.
      {
        id: 'st-in',
        type: 'inject',
        z: 'st-tab',
        props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
        payload: '{"direction":"rising"}',
        payloadType: 'json',
        topic: 'ge-0/0/0.0',
        once: true,
        onceDelay: 0.1,
        repeat: '',
        wires: [['st-th']],
      },
      { id: 'st-status', type: 'status', z: 'st-tab', scope: null, wires: [['st-log']] },
      { id: 'st-log', type: 'debug', z: 'st-tab', name: 'statuslog', active: true, tosidebar: false, console: true, complete: 'status.text', wires: [] },
    ];
    const res = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full', Authorization: `Bearer ${tokens.admin}` },
      body: JSON.stringify(flow),
    });
    assert.equal(res.status, 204, await res.text());
    const expected = [`connected 127.0.0.1:${sim.thriftPort}`, 'listening: ifIndex 541', 'high 1 / low 0 · ge-0/0/0.0 rising'];
    const logged = (text: string): boolean => output.includes(`[debug:statuslog] ${text}\n`);
    if (!expected.every(logged)) {
      await waitFor(red.stdout!, 'text', () => expected.every(logged), 30000, 'the statuses in the log').catch((err: Error) => {
        throw new Error(`${err.message}\n${output}`);
      });
    }
    assert.doesNotMatch(output, /\[debug:statuslog\] \[/, 'no status code without words');
  });
});
