/**
 * Capped exponential backoff with jitter, as a pure function so that the schedule is testable.
 * attempt 0 is the first retry: initial * factor^attempt, capped at max, then scaled by a random
 * factor in [1 - jitter, 1 + jitter] and capped at max again.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: the fraction by which a delay may vary either way. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30000, factor: 2, jitter: 0.2 };

export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(0, Math.floor(attempt));
  const base = Math.min(opts.maxMs, opts.initialMs * Math.pow(opts.factor, Math.min(n, 64)));
  const spread = 1 + opts.jitter * (2 * random() - 1);
  return Math.round(Math.min(opts.maxMs, Math.max(0, base * spread)));
}
