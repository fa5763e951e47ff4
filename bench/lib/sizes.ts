/**
 * How much each section measures: the full run's counts, --quick's smaller ones, and --size
 * overrides (e.g. a smoke run with tiny counts). The results file records the sizes used, and the
 * report states them.
 */

/** Latency (1b): per rate, `rounds` chunks of `chunk` events for each implementation, in rotating order. */
export interface LatencyRate {
  rate: number;
  chunk: number;
  rounds: number;
}

/** Latency behind Mosquitto (1): per rate, `repeats` chunks of `chunk` events for each implementation. */
export interface BrokerRate {
  rate: number;
  chunk: number;
  repeats: number;
}

export interface Sizes {
  /** Events each implementation gets before it is measured (sections 1 and 1b). */
  warmup: number;
  rates: LatencyRate[];
  broker: BrokerRate[];
  /** Routes per throughput run (2). */
  routes: number;
  throughputRounds: number;
  /** Routes per warm-up run of each kind (2). */
  throughputWarmup: number;
  /** The idle window (3). */
  idleSeconds: number;
  /** Time for V8's memory reducer after the forced full GC, before the window (3). */
  idleSettleSeconds: number;
  /** The window's slices, reported per process (3). */
  idleSliceSeconds: number;
  /** Events through the plugin between the two readings (4). */
  leakEvents: number;
  /** Interfaces those events go round (4). */
  leakInterfaces: number;
  /** Events in flight at the most (4). */
  leakWindow: number;
  /** Prefixes and jet-threshold keys, each its own, rising then falling (4). */
  leakKeys: number;
  /** Full redeploys (4). */
  redeploys: number;
  /** Micro (5): routes per add/delete of the route path, and its rounds (the first one not counted). */
  microRoutes: number;
  microRounds: number;
  /** Micro (5): one-route calls per round, 8 in flight. */
  microCalls: number;
  /** Micro (5): lone calls (each awaited, 1 ms apart) per round, and their rounds. */
  microLoneCalls: number;
  microLoneRounds: number;
  /** Burst: rising events (then as many falling) on as many interfaces of one router, back to back. */
  burstEvents: number;
  /** Burst: bursts per implementation, implementations in rotating order. */
  burstRepeats: number;
  /** Fleet: routers in one Node-RED, watched interfaces and backup prefixes per interface. */
  fleetRouters: number;
  fleetInterfaces: number;
  fleetPrefixes: number;
  /** Fleet: events/s spread over the fleet (and on one router), events per repeat, repeats of each. */
  fleetRate: number;
  fleetChunk: number;
  fleetRepeats: number;
  /** Fleet: the idle window, after the settling time. */
  fleetIdleSeconds: number;
  fleetSettleSeconds: number;
  /** Fleet: desired routes on one router for the memory per desired route. */
  fleetBigRoutes: number;
}

export function fullSizes(): Sizes {
  return {
    warmup: 200,
    rates: [
      { rate: 1, chunk: 5, rounds: 2 },
      { rate: 100, chunk: 200, rounds: 5 },
      { rate: 1000, chunk: 1000, rounds: 5 },
    ],
    // Short repeats (0.5 s), many of them, implementations in rotating order: each one meets the
    // machine's slow and fast spells alike (they last seconds on this shared VM).
    broker: [
      { rate: 100, chunk: 50, repeats: 20 },
      { rate: 500, chunk: 250, repeats: 16 },
    ],
    routes: 10000,
    throughputRounds: 3,
    throughputWarmup: 2000,
    idleSeconds: 60,
    idleSettleSeconds: 25,
    idleSliceSeconds: 10,
    leakEvents: 100000,
    leakInterfaces: 100,
    leakWindow: 100,
    leakKeys: 30000,
    redeploys: 50,
    microRoutes: 10000,
    microRounds: 5,
    microCalls: 10000,
    microLoneCalls: 3000,
    microLoneRounds: 3,
    burstEvents: 1000,
    burstRepeats: 5,
    fleetRouters: 50,
    fleetInterfaces: 10,
    fleetPrefixes: 10,
    fleetRate: 500,
    fleetChunk: 1000,
    fleetRepeats: 6,
    fleetIdleSeconds: 30,
    fleetSettleSeconds: 20,
    fleetBigRoutes: 100000,
  };
}

export function quickSizes(): Sizes {
  return {
    ...fullSizes(),
    rates: [
      { rate: 1, chunk: 5, rounds: 1 },
      { rate: 100, chunk: 150, rounds: 2 },
      { rate: 1000, chunk: 1000, rounds: 2 },
    ],
    broker: [
      { rate: 100, chunk: 50, repeats: 6 },
      { rate: 500, chunk: 250, repeats: 6 },
    ],
    throughputRounds: 1,
    idleSeconds: 30,
    leakEvents: 20000,
    redeploys: 10,
    microRounds: 3,
    microLoneCalls: 1000,
    burstRepeats: 2,
    fleetRepeats: 3,
    fleetIdleSeconds: 15,
  };
}

/** The keys --size takes, with what they mean (for --help). */
export function sizeHelp(): string {
  return [
    '  --size KEY=VALUE (repeatable) overrides a count; KEY is one of',
    `    ${Object.keys(fullSizes()).filter((k) => k !== 'rates' && k !== 'broker').join(', ')} (numbers),`,
    '    rates=RATE:CHUNK:ROUNDS,...    (1b: events/s, events per chunk, rounds)',
    '    broker=RATE:CHUNK:REPEATS,...  (1: events/s, events per repeat, repeats)',
  ].join('\n');
}

function triples(key: string, value: string): number[][] {
  const parts = value.split(',').map((t) => t.split(':').map(Number));
  for (const p of parts) {
    if (p.length !== 3 || !p.every((x) => Number.isInteger(x) && x > 0)) throw new Error(`--size ${key}=${value}: want RATE:CHUNK:COUNT,... of positive integers`);
  }
  return parts;
}

/** `sizes` with each `KEY=VALUE` of `overrides` applied; throws on an unknown key or a bad value. */
export function withOverrides(sizes: Sizes, overrides: readonly string[]): Sizes {
  const out: Sizes = { ...sizes };
  for (const o of overrides) {
    const eq = o.indexOf('=');
    const key = eq > 0 ? o.slice(0, eq) : '';
    const value = o.slice(eq + 1);
    if (!(key in out)) throw new Error(`--size ${o}: unknown size (${Object.keys(out).join(', ')})`);
    if (key === 'rates') out.rates = triples(key, value).map(([rate, chunk, rounds]) => ({ rate, chunk, rounds }));
    else if (key === 'broker') out.broker = triples(key, value).map(([rate, chunk, repeats]) => ({ rate, chunk, repeats }));
    else {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new Error(`--size ${o}: not a number`);
      (out as unknown as Record<string, number>)[key] = n;
    }
  }
  // An interface's next event must not be in flight with its last: its prefix is what times both.
  if (out.leakWindow > out.leakInterfaces) throw new Error(`--size: leakWindow (${out.leakWindow}) must not exceed leakInterfaces (${out.leakInterfaces})`);
  return out;
}
