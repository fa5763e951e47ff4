/**
 * The bench's child processes: a registry of every one started (so that a failed run kills them
 * all), waiting for a child's first word, asking it over IPC, stopping it within a bound.
 */
import type { ChildProcess } from 'child_process';

/** Where a started child process is registered. */
export interface ChildRegistry {
  add<T extends ChildProcess>(proc: T): T;
}

/** Every child process a run started; killAll() on failure or interrupt. */
export class Children implements ChildRegistry {
  private readonly procs: ChildProcess[] = [];

  add<T extends ChildProcess>(proc: T): T {
    this.procs.push(proc);
    return proc;
  }

  /** SIGKILL to every child still running. */
  killAll(): void {
    for (const c of this.procs) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

/** Resolves with the first IPC message of `proc` that passes `test`; rejects when it exits first or after `timeoutMs`. */
export function waitReady<T = unknown>(proc: ChildProcess, what: string, timeoutMs = 30000, test: (m: unknown) => boolean = isReady): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      proc.off('message', onMessage);
      proc.off('exit', onExit);
    };
    const onMessage = (m: unknown): void => {
      if (!test(m)) return;
      done();
      resolve(m as T);
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`${what} exited (${code})`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what} not ready within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

const isReady = (m: unknown): boolean => typeof m === 'object' && m !== null && (m as { ready?: unknown }).ready === true;

/** Resolves when `proc` printed a line matching `pattern` on stdout; rejects when it exits first or after `timeoutMs`. */
export function waitOutput(proc: ChildProcess, pattern: RegExp, what: string, timeoutMs: number, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      proc.stdout?.off('data', onData);
      proc.off('exit', onExit);
    };
    const onData = (d: Buffer): void => {
      if (!pattern.test(d.toString())) return;
      done();
      resolve();
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`${what} exited (${code}): ${stderr()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what} not ready within ${timeoutMs / 1000} s: ${stderr()}`));
    }, timeoutMs);
    proc.stdout?.on('data', onData);
    proc.once('exit', onExit);
  });
}

/** Sends `msg` to `proc` and resolves with its next IPC message. */
export function ask<T>(proc: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m as T));
    proc.send(msg);
  });
}

/** Stops `proc` with `signal`, SIGKILL after `graceMs`; resolves once it exited. */
export async function stopChild(proc: ChildProcess | null | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}
