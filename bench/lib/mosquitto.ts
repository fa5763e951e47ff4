/**
 * Debian's Mosquitto as the bench's broker behind which latency is measured (sections 1 and burst):
 * started as `mosquitto -p <port>` with its default configuration (no configuration file: localhost
 * only, anonymous allowed, Nagle on, max_inflight_messages 20), its output kept for the report.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { freePort, until } from './util';

export interface Mosquitto {
  proc: ChildProcess;
  port: number;
  /** Its version line (`mosquitto -h`). */
  version: string | undefined;
  /** Its first output lines, joined with " | ". */
  log: string;
}

/** Starts Mosquitto on a free port, registered with `own`; resolves once it listens (throws when it exited). */
export async function startMosquitto(own: <T extends ChildProcess>(c: T) => T): Promise<Mosquitto> {
  const port = await freePort();
  const proc = own(spawn('/usr/sbin/mosquitto', ['-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  for (const s of [proc.stdout, proc.stderr]) s?.on('data', (d: Buffer) => (out += d.toString()));
  const version = mosquittoVersion();
  await until(() => /running|Opening ipv4 listen socket/.test(out) || proc.exitCode !== null, 'mosquitto to listen', 10000, 20).catch(() => undefined);
  if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${out}`);
  return { proc, port, version, log: out.trim().split('\n').slice(0, 4).join(' | ') };
}

/** Mosquitto's version line (`mosquitto -h` prints it and exits with 3). */
export function mosquittoVersion(): string | undefined {
  try {
    execFileSync('/usr/sbin/mosquitto', ['-h'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (err) {
    return String((err as { stdout?: Buffer }).stdout || '').split('\n')[0].trim() || 'mosquitto';
  }
}
