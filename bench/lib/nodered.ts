/**
 * A real Node-RED 4 process for the bench, set up the way scripts/start-demo.js does it: a user
 * directory whose node_modules/@jetflows/node-red-junos-jet is a symlink to this checkout, a
 * settings.js, a flows.json. Started with --expose-gc and the bench's probe preloaded (memory and
 * handle readings over IPC), optionally with --cpu-prof. Listens on 127.0.0.1 only.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { freePort, HttpAnswer, request } from './util';
import { benchModule, PKG, ROOT } from './paths';
import type { Children } from './children';
import type { FlowNode } from './flows';

export interface NodeRedOptions {
  name?: string;
  withPlugin?: boolean;
  profileDir?: string | null;
  nodeFlags?: readonly string[];
  /** The checkout of this package to install (default: this one; the bench's A/B runs pass another). */
  pluginDir?: string;
  /** Where the process is registered, so that a failed run can kill it. */
  children?: Children;
  /** Modules for function nodes (settings.js functionGlobalContext): name → absolute path, required by Node-RED. */
  globals?: Record<string, string>;
}

/** What the probe answers to 'stats' (see probe.ts). */
export interface ProbeStats {
  mem: NodeJS.MemoryUsage;
  resources: Record<string, number>;
  handles: number;
}

interface ProbeReply {
  id: number;
  error?: string;
  [key: string]: unknown;
}

export class NodeRed {
  readonly name: string;
  readonly userDir: string;
  port = 0;
  log = '';
  private proc: ChildProcess | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, (m: ProbeReply) => void>();
  private readonly pluginDir: string;
  private readonly nodeFlags: readonly string[];
  private readonly withPlugin: boolean;
  private readonly profileDir: string | null;
  private readonly children?: Children;
  private readonly globals: Record<string, string>;

  constructor({ name = 'node-red', withPlugin = true, profileDir = null, nodeFlags = [], pluginDir = ROOT, children, globals = {} }: NodeRedOptions = {}) {
    this.globals = globals;
    this.pluginDir = pluginDir;
    this.name = name;
    this.nodeFlags = nodeFlags;
    this.withPlugin = withPlugin;
    this.profileDir = profileDir;
    this.children = children;
    this.userDir = fs.mkdtempSync(path.join(os.tmpdir(), `jet-bench-${name}-`));
  }

  get pid(): number {
    return this.proc?.pid ?? 0;
  }

  /** Writes the user directory with `flows` and their credentials, starts Node-RED, resolves when it serves. */
  async start(flows: readonly FlowNode[], credentials: Record<string, unknown> = {}): Promise<void> {
    const dir = this.userDir;
    const deps: Record<string, string> = {};
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
      )};\n` +
        `module.exports.functionGlobalContext = {${Object.entries(this.globals)
          .map(([k, file]) => `\n  ${JSON.stringify(k)}: require(${JSON.stringify(file)}),`)
          .join('')}\n};\n`,
    );
    const args = ['--expose-gc', '--require', benchModule('probe'), ...this.nodeFlags];
    if (this.profileDir) {
      fs.mkdirSync(this.profileDir, { recursive: true });
      args.push('--cpu-prof', '--cpu-prof-dir', this.profileDir, '--cpu-prof-name', `${this.name}-${process.pid}-${Date.now()}.cpuprofile`);
    }
    args.push(require.resolve('node-red/red.js'), '--userDir', dir, '--settings', settings);
    const proc = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.proc = proc;
    this.children?.add(proc);
    proc.on('message', (m: ProbeReply) => {
      const w = m && this.waiting.get(m.id);
      if (w) {
        this.waiting.delete(m.id);
        w(m);
      }
    });
    const onData = (d: Buffer): void => {
      this.log += d.toString();
      if (this.log.length > 2e6) this.log = this.log.slice(-1e6);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        proc.stdout?.off('data', onStarted);
        proc.stderr?.off('data', onStarted);
        proc.off('exit', onExit);
      };
      const onStarted = (): void => {
        if (!/Started flows/.test(this.log)) return;
        done();
        resolve();
      };
      const onExit = (code: number | null): void => {
        done();
        reject(new Error(`${this.name} exited (${code}):\n${this.log}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name} did not start within 60 s:\n${this.log}`));
      }, 60000);
      proc.stdout?.on('data', onStarted);
      proc.stderr?.on('data', onStarted);
      proc.once('exit', onExit);
    });
  }

  /** Memory (after a full GC when gc is true) and active resources of the process, through the probe. */
  probe(gc = true): Promise<ProbeStats> {
    return this.ask<ProbeStats>('stats', { gc });
  }

  /** A question to the probe (`probe` names it), answered over IPC within `timeoutMs`. */
  ask<T = Record<string, unknown>>(probe: string, extra: Record<string, unknown> = {}, timeoutMs = 20000): Promise<T> {
    const proc = this.proc;
    if (!proc) return Promise.reject(new Error(`${this.name}: not running`));
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: probe ${probe} got no answer`));
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(t);
        if (m.error) reject(new Error(m.error));
        else resolve(m as unknown as T);
      });
      proc.send({ ...extra, probe, id });
    });
  }

  /** Full deployment of `flows` through the admin API (credentials inside the nodes). */
  async deploy(flows: readonly FlowNode[]): Promise<unknown> {
    const res = await request(this.port, 'POST', '/flows', flows, { 'Node-RED-Deployment-Type': 'full' });
    if (res.status !== 200 && res.status !== 204) throw new Error(`${this.name}: deploy answered ${res.status}: ${res.text}`);
    return res.json;
  }

  post(urlPath: string, body: unknown, timeoutMs = 120000): Promise<HttpAnswer> {
    return request(this.port, 'POST', urlPath, body, {}, timeoutMs);
  }

  async stop(): Promise<void> {
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

  remove(): void {
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}
