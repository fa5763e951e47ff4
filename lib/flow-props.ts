/**
 * Reading node properties from flow JSON. Flow JSON comes from the editor, from imports and from the
 * admin API, so a number may arrive as 5 or "5" and a missing one as undefined: every node reads
 * numbers, flags and objects here, one way, and a value it cannot use is a RouteValidationError
 * naming the property.
 */

/** The largest Thrift i32: the upper bound of toInteger unless a field says otherwise. */
export const I32_MAX = 2147483647;

/**
 * A property (or route field) that cannot be used, naming the field and the value. The class keeps
 * the name it has had since the first release: Catch nodes and logs show it.
 */
export class RouteValidationError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    why: string,
  ) {
    super(`${field}: ${why}`);
    this.name = 'RouteValidationError';
  }
}

/** A flag from flow JSON or a form: true, "true", "on", 1, "1"; anything else is false. */
export function toBool(value: unknown): boolean {
  return value === true || value === 'true' || value === 'on' || value === 1 || value === '1';
}

/** An integer from 5, "5" or " 5 "; undefined, null and "" give the default. */
export function toInteger(field: string, value: unknown, fallback: number, min = 0, max = I32_MAX): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n)) throw new RouteValidationError(field, value, `expected a whole number, got ${show(value)}`);
  if (n < min || n > max) throw new RouteValidationError(field, value, `${n} is out of range ${min}..${max}`);
  return n;
}

/** A plain object (not an array, a buffer or null): what a message's payload must be to carry fields. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** A value as an error message shows it: strings quoted and cut at 60 characters, objects by kind. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}
