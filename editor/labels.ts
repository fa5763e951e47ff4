/**
 * Small pieces the dialogs' definitions share: their labels' helpers and the router's default port,
 * which the jet-router label and port placeholder show (lib/core/defaults.ts, as the runtime uses it).
 */
import { apiOf } from '../lib/core/backend';
import { DEFAULT_PORTS } from '../lib/core/defaults';
import { EditorNode } from './host';

export { apiOf };

/** A property with a value (not undefined, null or blank). */
export function given(v: unknown): boolean {
  return v !== undefined && v !== null && String(v).trim() !== '';
}

/** `labelStyle` of every node: a name given by hand is shown in italics. */
export function labelStyle(this: EditorNode): string {
  return this.name ? 'node_label_italic' : '';
}

/** The request-response port of a router with this `api` (anything but 'grpc' is Thrift) and no port of its own. */
export function defaultPort(api: unknown): number {
  return DEFAULT_PORTS[apiOf(api)];
}
