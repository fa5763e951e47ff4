'use strict';
// A real Node-RED 4 process for the bench, set up the way scripts/start-demo.js does it: a user
// directory whose node_modules/@jetflows/node-red-junos-jet is a symlink to this checkout, a
// settings.js, a flows.json. Started with --expose-gc and bench/probe.js preloaded (memory and
// handle readings over IPC), optionally with --cpu-prof. Listens on 127.0.0.1 only.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { freePort, request } = require('./util');

const ROOT = path.resolve(__dirname, '..', '..');
const PKG = require(path.join(ROOT, 'package.json'));
/** Every Node-RED process started, so that the bench can kill them if it fails. */
const spawned = [];

class NodeRed {
  /** pluginDir: the checkout of this package to install (default: this one; the bench's A/B runs pass another). */
  constructor({ name = 'node-red', withPlugin = true, profileDir = null, nodeFlags = [], pluginDir = ROOT } = {}) {
    this.pluginDir = pluginDir;
    this.name = name;
    this.nodeFlags = nodeFlags;
    this.withPlugin = withPlugin;
    this.profileDir = profileDir;
    this.userDir = fs.mkdtempSync(path.join(os.tmpdir(), `jet-bench-${name}-`));
    this.port = 0;
    this.log = '';
    this.proc = null;
    this.seq = 0;
    this.waiting = new Map();
  }

  get pid() {
    return this.proc ? this.proc.pid : 0;
  }

  /** Writes the user directory with `flows` and their credentials, starts Node-RED, resolves when it serves. */
  async start(flows, credentials = {}) {
    const dir = this.userDir;
    const deps = {};
    if (this.withPlugin) {
      const link = path.join(dir, 'node_modules', ...PKG.name.split('/'));
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.rmSync(link, { recursive: true, force: true });
      fs.symlinkSync(this.pluginDir, link, 'dir');
      deps[PKG.name] = '*';
    }
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'node-red-bench', private: true, dependencies: deps }, null, 2));
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows, null, 2));
    fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));
    this.port = await freePort();
    const settings = path.join(dir, 'settings.js');
    fs.writeFileSync(
      settings,
      `module.exports = ${JSON.stringify(
        {
          uiHost: '127.0.0.1',
          uiPort: this.port,
          flowFile: 'flows.json',
          credentialSecret: false,
          logging: { console: { level: 'info', metrics: false, audit: false } },
          editorTheme: { projects: { enabled: false }, tours: false },
          externalModules: { autoInstall: false },
          // The default '5mb' is enough for the bench's requests; kept explicit.
          apiMaxLength: '5mb',
        },
        null,
        2,
      )};\n`,
    );
    const args = ['--expose-gc', '--require', path.join(ROOT, 'bench', 'probe.js'), ...this.nodeFlags];
    if (this.profileDir) {
      fs.mkdirSync(this.profileDir, { recursive: true });
      args.push('--cpu-prof', '--cpu-prof-dir', this.profileDir, '--cpu-prof-name', `${this.name}-${process.pid}-${Date.now()}.cpuprofile`);
    }
    args.push(require.resolve('node-red/red.js'), '--userDir', dir, '--settings', settings);
    const proc = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.proc = proc;
    spawned.push(proc);
    proc.on('message', (m) => {
      const w = m && this.waiting.get(m.id);
      if (w) {
        this.waiting.delete(m.id);
        w(m);
      }
    });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within 60 s:\n${this.log}`)), 60000);
      const onData = (d) => {
        this.log += d.toString();
        if (this.log.length > 2e6) this.log = this.log.slice(-1e6);
        if (/Started flows/.test(this.log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}):\n${this.log}`));
      });
    });
  }

  /** Memory (after a full GC when gc is true) and active resources of the process, through bench/probe.js. */
  probe(gc = true) {
    return this.ask('stats', { gc });
  }

  /** A question to bench/probe.js (`probe` names it), answered over IPC within `timeoutMs`. */
  ask(probe, extra = {}, timeoutMs = 20000) {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: probe ${probe} got no answer`));
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(t);
        if (m.error) reject(new Error(m.error));
        else resolve(m);
      });
      this.proc.send({ ...extra, probe, id });
    });
  }

  /** Full deployment of `flows` through the admin API (credentials inside the nodes). */
  async deploy(flows) {
    const res = await request(this.port, 'POST', '/flows', flows, { 'Node-RED-Deployment-Type': 'full' });
    if (res.status !== 200 && res.status !== 204) throw new Error(`${this.name}: deploy answered ${res.status}: ${res.text}`);
    return res.json;
  }

  post(urlPath, body, timeoutMs = 120000) {
    return request(this.port, 'POST', urlPath, body, {}, timeoutMs);
  }

  async stop() {
    // Diagnostic: JET_BENCH_NR_LOG=<dir> keeps each Node-RED's output (e.g. with --red-flags --trace-gc).
    if (process.env.JET_BENCH_NR_LOG) fs.writeFileSync(path.join(process.env.JET_BENCH_NR_LOG, `${this.name}-${this.pid}.log`), this.log);
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
    await gone;
    clearTimeout(t);
  }

  remove() {
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}

module.exports = { NodeRed, ROOT, PKG, spawned };
