/** Loads flows into a real Node-RED runtime (node-red-node-test-helper) for the node tests. */
import type { EventEmitter } from 'events';
import { waitFor } from './wait';

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

export const jetNodes = [
  require('../../nodes/jet-router'),
  require('../../nodes/jet-route-add'),
  require('../../nodes/jet-route-delete'),
];

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export function load(flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      helper.load(jetNodes, flow, credentials, () => resolve());
    } catch (err) {
      reject(err);
    }
  });
}

export interface StatusCall {
  args: [{ fill?: string; shape?: string; text?: string }];
}

/** Waits for a node to show a status whose text matches. */
export function statusMatching(node: EventEmitter, re: RegExp, timeoutMs = 15000): Promise<[StatusCall]> {
  return waitFor<[StatusCall]>(node, 'call:status', (call) => re.test(call.args[0]?.text ?? ''), timeoutMs, `status ${re}`);
}

/** Sends `msg` into `node` and resolves with the message that reaches `out` (a helper node). */
export function roundTrip(input: EventEmitter & { receive(msg: unknown): void }, out: EventEmitter, msg: unknown): Promise<Record<string, any>> {
  const got = waitFor<[Record<string, any>]>(out, 'input', () => true, 15000, 'output message');
  input.receive(msg);
  return got.then(([m]) => m);
}
