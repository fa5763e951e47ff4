/**
 * An asynchronous context store for the tests, registered through Node-RED's `contextStorage`
 * setting (`{ module: asyncContextStore, config: { data, gate } }`), as a Redis or other shared store
 * would be. It keeps to Node-RED's rules for a store without a cache:
 *  - get / set / keys answer through their callback on a later tick, never at once;
 *  - a synchronous get / set / keys (no callback) throws, as localfilesystem does with its cache
 *    off; each one is counted in `sync`;
 *  - values are kept as JSON text, so what a node reads is a copy made when it was written.
 * `config.data` (a Map) holds the values, so a test can keep them across runtimes (a restart);
 * `config.gate` can hold every answer back until the test opens it.
 */

export type StoreData = Map<string, string>;

/** Holds the store's answers while closed; opening it lets them go, in order. */
export class Gate {
  private open = true;
  private readonly held: Array<() => void> = [];

  close(): void {
    this.open = false;
  }

  release(): void {
    this.open = true;
    for (const fn of this.held.splice(0)) setImmediate(fn);
  }

  /** Answers held back at the moment. */
  get waiting(): number {
    return this.held.length;
  }

  pass(fn: () => void): void {
    if (this.open) setImmediate(fn);
    else this.held.push(fn);
  }
}

export interface AsyncStoreConfig {
  data?: StoreData;
  gate?: Gate;
  /** The next this many gets answer with an error (a store that is down), then they work. */
  failGets?: { count: number };
  /** Counters the test reads: calls by kind, and synchronous calls refused. */
  counts?: StoreCounts;
}

export interface StoreCounts {
  get: number;
  set: number;
  sync: number;
}

export function newCounts(): StoreCounts {
  return { get: 0, set: 0, sync: 0 };
}

type Callback = (err?: Error | null, ...values: unknown[]) => void;

const field = (scope: string, key: string): string => `${scope}\u0000${key}`;

class AsyncContextStore {
  private readonly data: StoreData;
  private readonly gate: Gate;
  private readonly counts: StoreCounts;
  private readonly failGets: { count: number };

  constructor(config: AsyncStoreConfig) {
    this.data = config.data ?? new Map();
    this.gate = config.gate ?? new Gate();
    this.counts = config.counts ?? newCounts();
    this.failGets = config.failGets ?? { count: 0 };
  }

  open(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private refuseSync(what: string): never {
    this.counts.sync++;
    throw new Error(`async test store: ${what} without a callback (only asynchronous access is supported)`);
  }

  get(scope: string, key: string | string[], callback?: Callback): void {
    if (typeof callback !== 'function') this.refuseSync('get');
    this.counts.get++;
    const keys = Array.isArray(key) ? key : [key];
    if (this.failGets.count > 0) {
      this.failGets.count--;
      this.gate.pass(() => callback(new Error('ECONNREFUSED (the test store is down)')));
      return;
    }
    // Read when the answer goes, as a store outside the process would.
    this.gate.pass(() => {
      const values = keys.map((k) => {
        const text = this.data.get(field(scope, k));
        return text === undefined ? undefined : JSON.parse(text);
      });
      callback(null, ...values);
    });
  }

  set(scope: string, key: string | string[], value: unknown, callback?: Callback): void {
    if (typeof callback !== 'function') this.refuseSync('set');
    this.counts.set++;
    const keys = Array.isArray(key) ? key : [key];
    const values = Array.isArray(key) ? (Array.isArray(value) ? value : [value]) : [value];
    // Serialized at once: the value as it is now is what the store keeps.
    const texts = keys.map((_k, i) => (values[i] === undefined ? undefined : JSON.stringify(values[i])));
    this.gate.pass(() => {
      keys.forEach((k, i) => {
        const text = texts[i];
        if (text === undefined) this.data.delete(field(scope, k));
        else this.data.set(field(scope, k), text);
      });
      callback(null);
    });
  }

  keys(scope: string, callback?: Callback): void {
    if (typeof callback !== 'function') this.refuseSync('keys');
    const prefix = field(scope, '');
    this.gate.pass(() => callback(null, [...this.data.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length))));
  }

  delete(scope: string): Promise<void> {
    const prefix = field(scope, '');
    for (const k of [...this.data.keys()]) if (k.startsWith(prefix)) this.data.delete(k);
    return Promise.resolve();
  }

  clean(activeNodes: string[]): Promise<void> {
    const active = new Set(activeNodes);
    for (const k of [...this.data.keys()]) {
      const scope = k.slice(0, k.indexOf('\u0000'));
      if (scope !== 'global' && !active.has(scope.split(':')[0])) this.data.delete(k);
    }
    return Promise.resolve();
  }
}

/** The store module: Node-RED calls it with the store's `config`. */
export function asyncContextStore(config: AsyncStoreConfig): AsyncContextStore {
  return new AsyncContextStore(config ?? {});
}
