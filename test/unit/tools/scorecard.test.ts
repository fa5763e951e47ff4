/**
 * tools/scorecard (rules.ts, cli.ts): the Flow Library scorecard rules (node-red-dev validate) checked locally.
 * On this repository (built) every rule but P02/P08 must pass; on temporary copies of package.json
 * and the examples, each rule must be able to fail. P06, P07 and D03 ask the npm registry.
 */
import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DIST, ROOT } from '../../support/paths';

const SCRIPT = path.join(DIST, 'tools', 'scorecard', 'cli.js');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;

interface RuleResult { id: string; title: string; status: 'PASS' | 'FAIL' | 'SKIP'; detail: string; data?: unknown }
interface Card { package: { name: string; version: string }; results: RuleResult[]; summary: { pass: number; fail: number; skip: number; total: number } }
interface Run { code: number | null; stdout: string; stderr: string }

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: ROOT, timeout: 110000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function card(args: string[]): Promise<{ run: Run; card: Card; by: (id: string) => RuleResult }> {
  const r = await run([...args, '--json']);
  let c: Card;
  try { c = JSON.parse(r.stdout) as Card; } catch (e) { throw new Error(`no JSON from the scorecard (exit ${r.code}): ${r.stdout}\n${r.stderr}`); }
  const by = (id: string): RuleResult => {
    const found = c.results.find((x) => x.id === id);
    assert.ok(found, `no result for ${id}`);
    return found;
  };
  return { run: r, card: c, by };
}

const tmpDirs: string[] = [];

/**
 * A temporary package: package.json (changed by edit), a copy of examples/, and links to this
 * repository's dist/ and node_modules/ (no package-lock.json unless a test writes one).
 */
function copyPackage(edit: (pkg: Record<string, any>) => void = () => {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-scorecard-'));
  tmpDirs.push(dir);
  const pkg = JSON.parse(JSON.stringify(PKG)) as Record<string, any>;
  edit(pkg);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
  const link = process.platform === 'win32' ? 'junction' : 'dir';
  fs.symlinkSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), link);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), link);
  return dir;
}

function editExamples(dir: string, keep: (n: { type: string }) => boolean): void {
  const ex = path.join(dir, 'examples');
  for (const f of fs.readdirSync(ex)) {
    const flow = JSON.parse(fs.readFileSync(path.join(ex, f), 'utf8')) as Array<{ type: string }>;
    fs.writeFileSync(path.join(ex, f), JSON.stringify(flow.filter(keep), null, 2));
  }
}

describe('scorecard (Flow Library rules, checked locally)', function () {
  this.timeout(120000);

  after(() => {
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe('on this package', () => {
    it('passes every rule but P02 and P08, which are skipped (--json)', async () => {
      const { run: r, card: c } = await card([]);
      assert.equal(c.package.name, PKG.name);
      assert.deepEqual(c.results.map((x) => x.id), ['P01', 'P02', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'N01', 'N02', 'D01', 'D02', 'D03']);
      for (const x of c.results) {
        const want = x.id === 'P02' || x.id === 'P08' ? 'SKIP' : 'PASS';
        assert.equal(x.status, want, `${x.status} ${x.id} ${x.title}: ${x.detail}`);
        assert.ok(x.detail.length > 0, `${x.id} has no detail`);
      }
      assert.match(c.results.find((x) => x.id === 'P08')!.detail, /catalogue/);
      assert.deepEqual(c.summary, { pass: 11, fail: 0, skip: 2, total: 13 });
      assert.equal(r.code, 0, r.stderr);
    });

    it('prints one line per rule, then a summary line, and exits 0', async () => {
      const r = await run([]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 14, r.stdout);
      for (const l of lines.slice(0, 13)) assert.match(l, /^(PASS|SKIP) [PND]0\d [^:]+: \S/);
      assert.match(lines[7], /^SKIP P08 Similar names: /);
      assert.match(lines[13], /11 passed, 0 failed, 2 skipped \(P02, P08\)/);
    });

    it('reads the node types from both the built .js and the .html, and every example', async () => {
      const { by } = await card(['--only', 'N01,N02']);
      const n01 = by('N01').data as { types: string[] };
      assert.deepEqual(n01.types, Object.keys((PKG['node-red'] as { nodes: Record<string, string> }).nodes).sort());
      const n02 = by('N02').data as { checked: string[]; configExcluded: string[]; files: string[] };
      assert.deepEqual(n02.configExcluded, ['jet-router']);
      assert.ok(!n02.checked.includes('jet-router'));
      assert.deepEqual(n02.files, fs.readdirSync(path.join(ROOT, 'flows')).filter((f) => f.endsWith('.json')).sort().map((f) => `examples/${f}`));
    });

    it('rejects an unknown rule or argument with exit code 2', async () => {
      assert.equal((await run(['--only', 'X99'])).code, 2);
      assert.equal((await run(['--bogus'])).code, 2);
      assert.equal((await run(['--dir', path.join(os.tmpdir(), 'no-such-scorecard-dir')])).code, 2);
    });
  });

  describe('can fail (temporary copies)', () => {
    it('P04: an unscoped node-red- name fails, node-red-contrib- and other unscoped names pass', async () => {
      const bad = await card(['--dir', copyPackage((p) => { p.name = 'node-red-junos-jet'; }), '--only', 'P04']);
      assert.equal(bad.by('P04').status, 'FAIL');
      assert.match(bad.by('P04').detail, /node-red-contrib-/);
      assert.equal(bad.run.code, 1);
      assert.equal((await card(['--dir', copyPackage((p) => { p.name = 'nodered-junos'; }), '--only', 'P04'])).by('P04').status, 'FAIL');
      assert.equal((await card(['--dir', copyPackage((p) => { p.name = '@JetFlows/x'; }), '--only', 'P04'])).by('P04').status, 'FAIL');
      const contrib = await card(['--dir', copyPackage((p) => { p.name = 'node-red-contrib-junos-jet'; }), '--only', 'P04']);
      assert.equal(contrib.by('P04').status, 'PASS');
      assert.match(contrib.by('P04').detail, /scoped/);
      assert.equal((await card(['--dir', copyPackage((p) => { p.name = 'junos-jet-nodered'; }), '--only', 'P04'])).by('P04').status, 'PASS');
    });

    it('P01: a missing license, a non-SPDX one, or a missing license file fails', async () => {
      for (const edit of [
        (p: Record<string, any>) => { delete p.license; },
        (p: Record<string, any>) => { p.license = 'Apache 2'; },
        (p: Record<string, any>) => { p.license = 'SEE LICENSE IN LICENSE.txt'; },
      ]) {
        const c = await card(['--dir', copyPackage(edit), '--only', 'P01']);
        assert.equal(c.by('P01').status, 'FAIL', c.by('P01').detail);
        assert.equal(c.run.code, 1);
      }
      const dir = copyPackage((p) => { p.license = 'SEE LICENSE IN LICENSE.txt'; });
      fs.writeFileSync(path.join(dir, 'LICENSE.txt'), 'terms');
      assert.equal((await card(['--dir', dir, '--only', 'P01'])).by('P01').status, 'PASS');
    });

    it('P03: no repository and no bugs fails; a bugs email passes', async () => {
      const bad = await card(['--dir', copyPackage((p) => { delete p.repository; }), '--only', 'P03']);
      assert.equal(bad.by('P03').status, 'FAIL');
      const email = await card(['--dir', copyPackage((p) => { delete p.repository; p.bugs = { email: 'dev@example.org' }; }), '--only', 'P03']);
      assert.equal(email.by('P03').status, 'PASS');
    });

    it('P05: keywords without node-red fails', async () => {
      const c = await card(['--dir', copyPackage((p) => { p.keywords = ['junos', 'nodered']; }), '--only', 'P05']);
      assert.equal(c.by('P05').status, 'FAIL');
    });

    it('P06: no node-red.version, a range excluding current releases, or one excluding Node-RED 4 fails', async () => {
      const none = await card(['--dir', copyPackage((p) => { delete p['node-red'].version; }), '--only', 'P06']);
      assert.equal(none.by('P06').status, 'FAIL');
      const old = await card(['--dir', copyPackage((p) => { p['node-red'].version = '^2.0.0'; }), '--only', 'P06']);
      assert.equal(old.by('P06').status, 'FAIL', old.by('P06').detail);
      assert.match(old.by('P06').detail, /admits none of the current releases/);
      const v5 = copyPackage((p) => { p['node-red'].version = '>=5.0.0'; });
      const only5 = await card(['--dir', v5, '--only', 'P06']);
      assert.equal(only5.by('P06').status, 'FAIL');
      assert.match(only5.by('P06').detail, /newest 4\.x/);
      assert.equal((await card(['--dir', v5, '--only', 'P06', '--node-red-majors', '5'])).by('P06').status, 'PASS');
    });

    it('P07: no engines.node, or one excluding the minimum Node of the latest Node-RED, fails', async () => {
      const none = await card(['--dir', copyPackage((p) => { delete p.engines; }), '--only', 'P07']);
      assert.equal(none.by('P07').status, 'FAIL');
      const high = await card(['--dir', copyPackage((p) => { p.engines = { node: '>=99' }; }), '--only', 'P07']);
      assert.equal(high.by('P07').status, 'FAIL', high.by('P07').detail);
      assert.match(high.by('P07').detail, /does not admit Node/);
    });

    it('N01: a core node type, a type registered twice, or .js and .html that disagree fail', async () => {
      const dir = copyPackage((p) => {
        p['node-red'].nodes.clash = 'extra/clash.js';
        p['node-red'].nodes.mismatch = 'extra/mismatch.js';
      });
      fs.mkdirSync(path.join(dir, 'extra'));
      fs.writeFileSync(path.join(dir, 'extra', 'clash.js'),
        "module.exports = function (RED) { RED.nodes.registerType('inject', function () {}); RED.nodes.registerType('jet-threshold', function () {}); };\n");
      fs.writeFileSync(path.join(dir, 'extra', 'clash.html'),
        "<script type=\"text/javascript\">RED.nodes.registerType('inject', { category: 'junos' }); RED.nodes.registerType('jet-threshold', { category: 'junos' });</script>\n");
      fs.writeFileSync(path.join(dir, 'extra', 'mismatch.js'),
        "module.exports = function (RED) { RED.httpAdmin.get('/x', function () {}); RED.nodes.registerType('jet-a', function () {}); };\n");
      fs.writeFileSync(path.join(dir, 'extra', 'mismatch.html'),
        "<script type=\"text/javascript\">RED.nodes.registerType('jet-b', { category: 'junos' });</script>\n");
      const c = await card(['--dir', dir, '--only', 'N01']);
      const d = c.by('N01').detail;
      assert.equal(c.by('N01').status, 'FAIL');
      assert.match(d, /"inject" clashes with Node-RED core node types/);
      assert.match(d, /"jet-threshold" is registered by more than one node set/);
      assert.match(d, /registers "jet-a", which extra\/mismatch\.html does not define/);
      assert.match(d, /defines "jet-b", which extra\/mismatch\.js does not register/);
      assert.equal(c.run.code, 1);
    });

    it('N01: a node file that is not built fails', async () => {
      const c = await card(['--dir', copyPackage((p) => { p['node-red'].nodes.ghost = 'dist/nodes/ghost.js'; }), '--only', 'N01']);
      assert.equal(c.by('N01').status, 'FAIL');
      assert.match(c.by('N01').detail, /dist\/nodes\/ghost\.js not found/);
    });

    it('N02: a node type used in no example fails; a config node missing from the examples does not', async () => {
      const dir = copyPackage();
      editExamples(dir, (n) => n.type !== 'jet-threshold');
      const c = await card(['--dir', dir, '--only', 'N02']);
      assert.equal(c.by('N02').status, 'FAIL');
      assert.match(c.by('N02').detail, /no example uses jet-threshold$|no example uses jet-threshold;/);
      assert.doesNotMatch(c.by('N02').detail, /uses.*jet-router/);
      assert.equal(c.run.code, 1);

      const noConfig = copyPackage();
      editExamples(noConfig, (n) => n.type !== 'jet-router');
      assert.equal((await card(['--dir', noConfig, '--only', 'N02'])).by('N02').status, 'PASS');

      const empty = copyPackage();
      fs.rmSync(path.join(empty, 'examples'), { recursive: true });
      const e = await card(['--dir', empty, '--only', 'N02']);
      assert.equal(e.by('N02').status, 'FAIL');
      assert.match(e.by('N02').detail, /no example flows/);
    });

    it('D01: 7 dependencies fail, 6 pass', async () => {
      const deps = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`dep-${i}`, '^1.0.0']));
      const seven = await card(['--dir', copyPackage((p) => { p.dependencies = deps(7); }), '--only', 'D01']);
      assert.equal(seven.by('D01').status, 'FAIL');
      assert.equal((seven.by('D01').data as { total: number }).total, 7);
      assert.equal(seven.run.code, 1);
      assert.equal((await card(['--dir', copyPackage((p) => { p.dependencies = deps(6); }), '--only', 'D01'])).by('D01').status, 'PASS');
    });

    it('D02: agent-base <6 in the production tree fails, in the dev tree it does not', async () => {
      const dir = copyPackage((p) => { p.dependencies = { 'some-http-lib': '^1.0.0' }; });
      const lock = (dev: boolean): string => JSON.stringify({
        name: 'x', lockfileVersion: 3, requires: true,
        packages: {
          '': { dependencies: { 'some-http-lib': '^1.0.0' } },
          'node_modules/some-http-lib': { version: '1.0.0' },
          'node_modules/agent-base': { version: '5.1.1', ...(dev ? { dev: true } : {}) },
        },
      });
      fs.writeFileSync(path.join(dir, 'package-lock.json'), lock(false));
      const bad = await card(['--dir', dir, '--only', 'D02']);
      assert.equal(bad.by('D02').status, 'FAIL');
      assert.match(bad.by('D02').detail, /agent-base@5\.1\.1/);
      fs.writeFileSync(path.join(dir, 'package-lock.json'), lock(true));
      assert.equal((await card(['--dir', dir, '--only', 'D02'])).by('D02').status, 'PASS');
    });

    it('D02: without a lockfile, reads the installed node_modules tree', async () => {
      const c = await card(['--dir', copyPackage(), '--only', 'D02']);
      assert.equal(c.by('D02').status, 'PASS', c.by('D02').detail);
      const data = c.by('D02').data as { source: string; packages: number };
      assert.equal(data.source, 'node_modules');
      assert.ok(data.packages > 10, String(data.packages));
    });

    it('D03: a range excluding the latest release fails, and so does a failed registry lookup', async () => {
      const c = await card(['--dir', copyPackage((p) => {
        p.dependencies = { mqtt: '^4.0.0', thrift: PKG.dependencies && (PKG.dependencies as Record<string, string>).thrift, '@jetflows/scorecard-no-such-package': '^1.0.0' };
      }), '--only', 'D03']);
      const d = c.by('D03').detail;
      assert.equal(c.by('D03').status, 'FAIL');
      assert.match(d, /mqtt \^4\.0\.0 excludes the latest \d+\.\d+\.\d+/);
      assert.match(d, /lookup failed: npm view @jetflows\/scorecard-no-such-package: /);
      assert.doesNotMatch(d, /thrift/);
      assert.equal(c.run.code, 1);
    });
  });
});
