/**
 * A real Node-RED process in a fresh user directory, as a user runs it: for the install test and
 * the browser test. The Node-RED is the one `node-red` resolves to: the devDependency (Node-RED 4),
 * or the Node-RED 5 of the Node 22 CI leg (support/select-node-red). Listens on 127.0.0.1 only;
 * stop() always ends it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function request(
  port: number,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: () => any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${urlPath}: no answer within 30 s`)));
    if (data) req.write(data);
    req.end();
  });
}

export class NodeRedProcess {
  readonly userDir: string;
  port = 0;
  log = '';
  /** The version the started Node-RED printed ("Node-RED version: v5.0.7"). */
  version = '';
  private proc: ChildProcess | null = null;

  constructor(userDir?: string) {
    this.userDir = userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jet-nr-'));
    fs.mkdirSync(this.userDir, { recursive: true });
    if (!fs.existsSync(path.join(this.userDir, 'package.json'))) {
      fs.writeFileSync(path.join(this.userDir, 'package.json'), JSON.stringify({ name: 'node-red-user', private: true, dependencies: {} }));
    }
  }

  /** Starts Node-RED (the `node-red` the tests resolve) and resolves when it serves. */
  async start(settings: Record<string, unknown> = {}): Promise<void> {
    this.port = await freePort();
    const settingsFile = path.join(this.userDir, 'settings.js');
    fs.writeFileSync(
      settingsFile,
      `module.exports = ${JSON.stringify({
        uiHost: '127.0.0.1',
        uiPort: this.port,
        flowFile: 'flows.json',
        credentialSecret: false,
        logging: { console: { level: 'info', metrics: false, audit: false } },
        editorTheme: { tours: false, projects: { enabled: false } },
        ...settings,
      })};\n`,
    );
    const proc = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', this.userDir, '--settings', settingsFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Node-RED did not start within 60 s:\n${this.log}`)), 60000);
      const from = this.log.length; // the log of this start (a restart appends to the same log)
      let started = false;
      const onData = (d: Buffer): void => {
        this.log += d.toString();
        const log = this.log.slice(from);
        if (!started && /Server now running at/.test(log)) {
          started = true;
          clearTimeout(timer);
          this.version = /Node-RED version: v(\S+)/.exec(log)?.[1] ?? '';
          // The process must be the Node-RED this leg tests, not another one found on the way
          // (Node-RED adds "-git" to its version when a .git directory sits above its install).
          const want = (require('node-red/package.json') as { version: string }).version;
          if (this.version.replace(/-git$/, '') !== want) reject(new Error(`started Node-RED ${this.version || '(no version printed)'}, expected ${want}:\n${this.log}`));
          else resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Node-RED exited (${code}):\n${this.log}`));
      });
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await gone;
    clearTimeout(t);
  }

  remove(): void {
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}
