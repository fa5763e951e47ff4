/** Loads flows into a real Node-RED runtime (node-red-node-test-helper) for the node tests. */
import type { EventEmitter } from 'events';
import { waitFor } from './wait';
import { NODE_SETS, withCatalog } from './catalog';

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

/** Our node modules, each with the RED._ of its node set and the real catalogs (support/catalog). */
export const jetNodes = NODE_SETS.map((set) => withCatalog(set, require(`../../nodes/${set}`)));

/**
 * The mocha hooks of a describe block that loads flows, registered by calling this inside it: the
 * test runtime's server started before the block and stopped after it; with `unloadAfterEach`
 * (the default) every test's flow unloaded after it, before the block's own afterEach hooks
 * registered later (stopping a simulator the flow was connected to).
 */
export function useNodeRedHelper(options: { unloadAfterEach?: boolean } = {}): void {
  before(function (done) {
    helper.startServer(done);
  });
  after(function (done) {
    helper.stopServer(done);
  });
  if (options.unloadAfterEach ?? true) {
    afterEach(async () => {
      await helper.unload();
    });
  }
}

const JET_TYPES = new Set(['jet-router', 'jet-rmon-event', 'jet-threshold', 'jet-route-add', 'jet-route-delete', 'jet-command']);

/**
 * The sample flow of flows/ made loadable in the test runtime: the JET nodes as they are, the
 * listed debug nodes turned into helper nodes (same ids, so the wires stay), everything else
 * (inject, http request, comments) left out; the router pointed at the given ports.
 */
export function sampleFlow(file: string, capture: string[], router: Record<string, unknown>): FlowNode[] {
  const fs = require('fs') as typeof import('fs');
  const path = require('path') as typeof import('path');
  const all = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'flows', file), 'utf8')) as FlowNode[];
  const kept = all.filter((n) => n.type === 'tab' || JET_TYPES.has(n.type) || capture.includes(n.id));
  const ids = new Set(kept.map((n) => n.id));
  return kept.map((n) => {
    const copy: FlowNode = { ...n };
    if (capture.includes(n.id)) return { id: n.id, type: 'helper', z: n.z } as FlowNode;
    if (n.type === 'jet-router') Object.assign(copy, router);
    if (Array.isArray(n.wires)) copy.wires = (n.wires as string[][]).map((port) => port.filter((id) => ids.has(id)));
    return copy;
  });
}

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

/** Node-RED's `contextStorage` setting: store name → { module, config }. */
export type ContextStorage = Record<string, { module: unknown; config?: Record<string, unknown> }>;

/**
 * Loads `flow` in a runtime whose context stores are `contextStorage`, as Node-RED's start loads
 * them (the helper itself only ever makes a memory store): the stores are opened after the runtime
 * is set up and before the flows start. Undo with {@link unloadKeepingContext}.
 */
export function loadWithContext(contextStorage: ContextStorage, flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
  helper.settings({ contextStorage });
  // The helper awaits what a node module returns before it loads the flows.
  const openStores = (): Promise<unknown> => helper._context.load();
  return new Promise((resolve, reject) => {
    try {
      helper.load([openStores, ...jetNodes], flow, credentials, (err?: Error) => (err ? reject(err) : resolve()));
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * Stops the flows as Node-RED stops (every node closes; what it saves on close reaches the stores),
 * closes the stores, and unloads the helper without wiping them (helper.unload() deletes every
 * node's context): a later {@link loadWithContext} with the same stores is a restart.
 */
export async function unloadKeepingContext(): Promise<void> {
  await helper._redNodes.stopFlows();
  await helper._context.close();
  helper.settings({});
  // Back to a memory store of its own, which is all that unload() cleans.
  helper._context.init(helper._settings);
  await helper.unload();
}
