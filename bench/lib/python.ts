/**
 * Baseline (b), the Python replica of the original app (bench/baseline_python.py): its Thrift client
 * generated once per run by `thrift --gen py` from idl/, and the process started on a topic.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { BENCH_SRC, ROOT } from './paths';
import { waitOutput, type ChildRegistry } from './children';

/** The replica's generated Thrift code: made on first use, removed by remove(). */
export class PythonGen {
  private dir = '';

  get(): string {
    if (!this.dir) {
      this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-bench-py-'));
      execFileSync('thrift', ['--gen', 'py', '-out', this.dir, path.join(ROOT, 'idl', 'jet.thrift')]);
    }
    return this.dir;
  }

  remove(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}

export interface PythonOptions {
  genDir: string;
  thriftPort: number;
  mqttPort: number;
  topic: string;
  /** The subscription's QoS (the replica's default is 0). */
  qos?: number;
}

/** Starts the replica; resolves once it logged in and subscribed (it prints "ready"), within 20 s. */
export async function startPython(children: ChildRegistry, o: PythonOptions): Promise<ChildProcess> {
  const args = [path.join(BENCH_SRC, 'baseline_python.py'), o.genDir, String(o.thriftPort), String(o.mqttPort), o.topic];
  if (o.qos !== undefined) args.push(String(o.qos));
  const proc = children.add(spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 1e5) err = err.slice(-5e4);
  });
  await waitOutput(proc, /ready/, 'python replica', 20000, () => err);
  return proc;
}
