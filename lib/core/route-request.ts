/**
 * How a route node reads a message: msg.payload.prefixes / .nexthops / .preference / .metric /
 * .table override the node's properties when present; a trigger payload (timestamp, boolean,
 * nothing) uses the properties as they are; a string, list or buffer payload is refused, because it
 * would otherwise silently program the configured prefixes instead of what the sender meant.
 */
import { buildRouteSpecs, RouteInput, RouteSpec, RouteValidationError } from './route-spec';
import type { RouteOutcome } from './route-client';
import { isPlainObject } from '../flow-props';

const OVERRIDES = ['prefixes', 'nexthops', 'preference', 'metric', 'table'] as const;

export function routeInputFromMessage(props: RouteInput, payload: unknown): RouteInput {
  if (isPlainObject(payload)) {
    const input: RouteInput = { ...props };
    for (const key of OVERRIDES) {
      if (payload[key] !== undefined) input[key] = payload[key];
    }
    return input;
  }
  if (typeof payload === 'string' || Array.isArray(payload) || Buffer.isBuffer(payload)) {
    throw new RouteValidationError(
      'msg.payload',
      payload,
      'a string, list or buffer is not a route request: send an object such as {"prefixes": "1.1.1.1/32", "nexthops": "10.1.1.2"}, or any trigger value to use the node\'s properties',
    );
  }
  return props;
}

export function routeSpecsFromMessage(props: RouteInput, payload: unknown, needNexthops: boolean): RouteSpec[] {
  return buildRouteSpecs(routeInputFromMessage(props, payload), needNexthops);
}

/** The payload sent on: the input object with results and changed added, or a new object. */
export function resultPayload(payload: unknown, results: RouteOutcome[]): Record<string, unknown> {
  const base = isPlainObject(payload) ? payload : {};
  base.results = results;
  base.changed = results.some((r) => r.status === 'added' || r.status === 'deleted');
  return base;
}
