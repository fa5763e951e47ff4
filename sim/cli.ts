#!/usr/bin/env node
/**
 * Runs the simulated JET router until SIGINT/SIGTERM:
 *
 *   node dist/sim/cli.js [--host 127.0.0.1] [--thrift-port 9090] [--http-port 8080]
 *                        [--user lab:lab123 ...] [--tls-key FILE --tls-cert FILE [--tls-ca FILE]]
 */
import * as fs from 'fs';
import { JetSimulator, JetSimulatorOptions } from './index';

export const USAGE = `usage: node dist/sim/cli.js [options]
  --host ADDR           address to listen on (default 127.0.0.1)
  --thrift-port N       JET Thrift port (default 9090; 0 = any free port)
  --http-port N         HTTP port for GET /rib and /health (default 8080; 0 = any free port)
  --user NAME:PASSWORD  accepted login, repeatable (default lab:lab123)
  --tls-key FILE        serve Thrift over TLS with this private key (PEM) ...
  --tls-cert FILE       ... and this certificate (PEM)
  --tls-ca FILE         CA (PEM) to verify client certificates with (asks clients for one)
  --help                this text`;

export interface CliOptions {
  host: string;
  thriftPort: number;
  httpPort: number;
  users: Record<string, string>;
  tlsKey?: string;
  tlsCert?: string;
  tlsCa?: string;
  help: boolean;
}

function parsePort(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new Error(`${name}: not a port number: ${value}`);
  return Number(value);
}

/** Parses the command line (without node and script); throws an Error with a message on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const out: CliOptions = { host: '127.0.0.1', thriftPort: 9090, httpPort: 8080, users: {}, help: false };
  let usersGiven = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--host':
        out.host = next();
        break;
      case '--thrift-port':
        out.thriftPort = parsePort(arg, next());
        break;
      case '--http-port':
        out.httpPort = parsePort(arg, next());
        break;
      case '--user': {
        const v = next();
        const colon = v.indexOf(':');
        if (colon <= 0) throw new Error(`--user: expected NAME:PASSWORD, got ${v}`);
        out.users[v.slice(0, colon)] = v.slice(colon + 1);
        usersGiven = true;
        break;
      }
      case '--tls-key':
        out.tlsKey = next();
        break;
      case '--tls-cert':
        out.tlsCert = next();
        break;
      case '--tls-ca':
        out.tlsCa = next();
        break;
      default:
        throw new Error(`unknown argument: ${arg}`);
    }
  }
  if (!usersGiven) out.users = { lab: 'lab123' };
  if ((out.tlsKey === undefined) !== (out.tlsCert === undefined)) throw new Error('--tls-key and --tls-cert go together');
  if (out.tlsCa !== undefined && out.tlsKey === undefined) throw new Error('--tls-ca needs --tls-key and --tls-cert');
  return out;
}

/** Simulator options for parsed CLI options (reads the TLS files). */
export function toSimulatorOptions(cli: CliOptions, log: (line: string) => void): JetSimulatorOptions {
  return {
    host: cli.host,
    thriftPort: cli.thriftPort,
    httpPort: cli.httpPort,
    users: cli.users,
    log,
    tls:
      cli.tlsKey !== undefined && cli.tlsCert !== undefined
        ? {
            key: fs.readFileSync(cli.tlsKey),
            cert: fs.readFileSync(cli.tlsCert),
            ca: cli.tlsCa !== undefined ? fs.readFileSync(cli.tlsCa) : undefined,
            requestCert: cli.tlsCa !== undefined,
          }
        : undefined,
  };
}

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (cli.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const sim = await JetSimulator.start(toSimulatorOptions(cli, log));
  log(`JET simulator: Thrift on ${sim.host}:${sim.thriftPort}${cli.tlsKey ? ' (TLS)' : ''}, HTTP on http://${sim.host}:${sim.httpPort}/rib; users: ${Object.keys(cli.users).join(', ')}`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping`);
    sim.stop().then(
      () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        log('stopped');
      },
      (err: Error) => {
        log(`stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`jet simulator: ${err.message}\n`);
    process.exitCode = 1;
  });
}
