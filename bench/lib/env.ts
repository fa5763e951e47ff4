/** The machine and the versions of what the bench runs, for the report. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { ROOT } from './paths';

export interface Versions {
  node: string;
  nodeRed: string;
  thrift: string;
  grpcJs: string;
  protoLoader: string;
  mqtt: string;
  aedes: string;
  python: string;
  paho: string;
  pythonThrift: string;
  thriftCompiler: string;
}

export interface Machine {
  cores: number;
  model: string;
  mhz: number;
  memory: string;
  kernel: string;
}

export function versions(): Versions {
  const pkgVersion = (name: string): string => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'n/a';
    }
  };
  const run = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
    } catch {
      return 'n/a';
    }
  };
  const py = '/usr/bin/python3';
  return {
    node: process.version,
    nodeRed: pkgVersion('node-red'),
    thrift: pkgVersion('thrift'),
    grpcJs: pkgVersion('@grpc/grpc-js'),
    protoLoader: pkgVersion('@grpc/proto-loader'),
    mqtt: pkgVersion('mqtt'),
    aedes: pkgVersion('aedes'),
    python: run(py, ['-c', 'import platform; print(platform.python_version())']),
    paho: run(py, ['-c', 'import paho.mqtt; print(paho.mqtt.__version__)']),
    pythonThrift: run('dpkg-query', ['-W', '-f=${Version}', 'python3-thrift']),
    thriftCompiler: run('thrift', ['--version']).replace(/^Thrift version /, ''),
  };
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    model: (cpus[0] && cpus[0].model.trim()) || 'n/a',
    mhz: cpus[0] ? cpus[0].speed : 0,
    memory: `${(os.totalmem() / 1073741824).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}
