/** Small awaiting helpers for tests: wait for an event, never for a fixed time. */
import type { EventEmitter } from 'events';

export function waitFor<T extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  predicate: (...args: T) => boolean = () => true,
  timeoutMs = 15000,
  what = event,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onEvent = (...args: unknown[]): void => {
      let ok = false;
      try {
        ok = predicate(...(args as T));
      } catch {
        ok = false;
      }
      if (!ok) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    emitter.on(event, onEvent);
  });
}

/** Resolves once `check()` is true, re-checking whenever `emitter` emits `event`. */
export async function until(emitter: EventEmitter, event: string, check: () => boolean, timeoutMs = 15000, what = 'condition'): Promise<void> {
  if (check()) return;
  await waitFor(emitter, event, () => check(), timeoutMs, what);
}
