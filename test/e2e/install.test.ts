/**
 * The package as the palette manager installs it: `npm pack`, then `npm install <tarball>` in a
 * fresh Node-RED user directory, then a real Node-RED (4; 5 in the Node 22 CI leg) started on it
 * and asked through its admin API: the five node types registered, no load error, the editor bundle
 * served, the sample flows listed among the examples and importable.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NodeRedProcess, request } from '../support/nodered-process';
import { ROOT } from '../support/paths';

const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('install from the packed tarball into a fresh Node-RED', function () {
  this.timeout(240000);
  let work = '';
  let tarball = '';
  let red: NodeRedProcess;

  before(async function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-pack-'));
    // The build already ran (npm test builds first): pack what it made, without building again.
    const out = execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    tarball = path.join(work, (JSON.parse(out) as Array<{ filename: string }>)[0].filename);
    red = new NodeRedProcess(path.join(work, 'userdir'));
    execFileSync(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: red.userDir, stdio: 'pipe' });
    await red.start();
  });

  after(async function () {
    if (red) await red.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled nodes, their html, locales, icons and examples, and no tests or sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const file of Object.values(PKG['node-red'].nodes)) {
      assert.ok(files.includes(`package/${file}`), file);
      assert.ok(files.includes(`package/${file.replace(/\.js$/, '.html')}`), file.replace(/\.js$/, '.html'));
    }
    assert.ok(files.some((f) => f.startsWith('package/examples/') && f.endsWith('.json')), 'examples');
    assert.ok(files.includes('package/README.md') && files.includes('package/LICENSE'));
    assert.ok(files.includes('package/resources/jet-editor.js'), 'the editor bundle');
    const unwanted = files.filter((f) => /(^package\/test\/|^package\/dist\/test\/|\.ts$|node_modules|\.node-red-demo|\.ci\/)/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(unwanted, []);
  });

  it('registers the five node types with no load error', async () => {
    const res = await request(red.port, 'GET', '/nodes');
    assert.equal(res.status, 200);
    const sets = (res.json() as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>).filter((s) => s.module === PKG.name);
    const types = sets.flatMap((s) => s.types).sort();
    assert.deepEqual(types, Object.keys(PKG['node-red'].nodes).sort());
    for (const s of sets) {
      assert.equal(s.err, undefined, `${s.types}: ${s.err}`);
      assert.ok(s.enabled, `${s.types} enabled`);
    }
    assert.doesNotMatch(red.log, /\[(error|warn)\].*(jet-|junos)/i);
  });

  it('serves the editor bundle of the installed package where the node .html files ask for it', async () => {
    const src = `resources/${PKG.name}/jet-editor.js`;
    const html = fs.readFileSync(path.join(red.userDir, 'node_modules', ...PKG.name.split('/'), 'dist', 'nodes', 'jet-route-add.html'), 'utf8');
    assert.ok(html.includes(`<script src="${src}"></script>`));
    const res = await request(red.port, 'GET', `/${src}`, undefined, { Accept: '*/*' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, fs.readFileSync(path.join(ROOT, 'resources', 'jet-editor.js'), 'utf8'));
  });

  it('installs the simulator command (npx jet-sim) with the package', () => {
    const usage = execFileSync(path.join(red.userDir, 'node_modules', '.bin', 'jet-sim'), ['--help'], { encoding: 'utf8' });
    assert.match(usage, /usage: .*--thrift-port/s);
  });

  it('installs the fleet flow generator (npx jet-fleet-flow) with the package: its flow points at the fleet simulator', () => {
    const out = execFileSync(path.join(red.userDir, 'node_modules', '.bin', 'jet-fleet-flow'), ['--routers', '2', '--interfaces', '1'], { encoding: 'utf8' });
    const flow = JSON.parse(out) as Array<{ type: string; port?: string }>;
    assert.deepEqual(flow.filter((n) => n.type === 'jet-router').map((n) => Number(n.port)), [32767, 32768]);
  });

  it('lists the sample flows among the examples and serves them for import', async () => {
    const list = await request(red.port, 'GET', `/library/examples/flows/${PKG.name}`);
    assert.equal(list.status, 200, list.text);
    const names = JSON.stringify(list.json());
    assert.match(names, /traffic-management/);
    const flow = await request(red.port, 'GET', `/library/examples/flows/${PKG.name}/traffic-management`);
    assert.equal(flow.status, 200);
    const nodes = flow.json() as Array<{ type: string }>;
    const types = new Set(nodes.map((n) => n.type));
    for (const t of Object.keys(PKG['node-red'].nodes)) assert.ok(types.has(t), `example uses ${t}`);
  });
});
