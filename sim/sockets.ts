/**
 * What every simulated server (Thrift, gRPC, MQTT, HTTP) does the same way: listen on a port and
 * clean up when that fails, keep its accepted sockets each with a promise of its close, and close
 * everything within a bound. One copy here.
 */
import * as net from 'net';
import { once } from 'events';
import { handlesSettled } from './settle';

/**
 * Listens on `port`/`host`; resolves with the bound port. When listening fails (port in use...),
 * closes the server, runs `cleanup`, waits for the handles to go and rethrows.
 */
export async function listenOrCleanUp(server: net.Server, port: number, host: string, cleanup?: () => void | Promise<void>): Promise<number> {
  server.listen(port, host);
  try {
    await once(server, 'listening'); // rejects on 'error'
  } catch (err) {
    server.close();
    await cleanup?.();
    await handlesSettled();
    throw err;
  }
  return (server.address() as net.AddressInfo).port;
}

/** A server's accepted sockets, each with a promise of its 'close'. */
export class TrackedSockets {
  private readonly sockets = new Map<net.Socket, Promise<void>>();

  constructor(private readonly log: (line: string) => void) {}

  get size(): number {
    return this.sockets.size;
  }

  /** Keeps `socket` until it closes; its errors go to the log (prefixed with `what`). */
  track(socket: net.Socket, what: string): void {
    this.sockets.set(
      socket,
      new Promise<void>((resolve) => socket.once('close', () => resolve())).finally(() => this.sockets.delete(socket)),
    );
    socket.on('error', (err: Error) => this.log(`${what}: socket error: ${err.message}`));
  }

  /** Destroys every socket now. */
  destroyAll(): void {
    for (const socket of this.sockets.keys()) socket.destroy();
  }

  /**
   * Stops `server` listening and destroys every socket; resolves when all are closed (and `also`
   * settled: e.g. the MQTT broker's own close), or after `timeoutMs` with a line in the log naming `what`.
   */
  async closeWith(server: net.Server | undefined, timeoutMs: number, what: string, also: Promise<unknown>[] = []): Promise<void> {
    const serverClosed = server?.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    this.destroyAll();
    const all = Promise.all([serverClosed, ...also, ...this.sockets.values()]).then(() => 'closed' as const);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.log(`${what}: close timed out; some sockets may still be closing`);
  }
}

/** The timers of delayed answers (a slow router), each ended early when the server closes. */
export class Delays {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  /** Resolves after `ms` (at once for 0), or when endAll() runs first. */
  pause(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  endAll(): void {
    for (const [t, end] of this.timers) {
      clearTimeout(t);
      end();
    }
    this.timers.clear();
  }
}
