/**
 * The route state (jet-router) and the threshold state (jet-threshold) in a context store that
 * answers only through callbacks, in a real Node-RED runtime: an asynchronous store registered
 * through Node-RED's `contextStorage` setting (test/support/async-context-store.ts, as a Redis or
 * other shared store would be), and Node-RED's own localfilesystem with its cache off. Neither
 * answers the synchronous `context().get(key)`: the nodes read their state with the callback form
 * before their first route call or event (what comes before waits, in order, bounded), save it the
 * same way, and find it again after a restart of the runtime.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ContextStorage, FlowNode, helper, loadWithContext, statusMatching, unloadKeepingContext, useNodeRedHelper } from '../support/nodered';
import { asyncContextStore, Gate, newCounts, StoreCounts, StoreData } from '../support/async-context-store';
import { waitFor } from '../support/wait';
import { eventually, nodeCalls, statusTexts } from '../support/fault';
import { JetSimulator } from '../../sim';

const CREDS = { r1: { username: 'lab', password: 'lab123' } };

function routerFlow(port: number, extra: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 'r1', type: 'jet-router', api: 'grpc', host: '127.0.0.1', port: String(port), requestTimeout: '5', ...extra },
    { id: 'add', type: 'jet-route-add', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['out']] },
    { id: 'del', type: 'jet-route-delete', router: 'r1', prefixes: '1.1.1.1/32', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

const thresholdFlow: FlowNode[] = [
  { id: 't', type: 'jet-threshold', mode: 'event', key: 'topic', holdDown: '0', wires: [['up'], ['down'], ['same']] },
  { id: 'up', type: 'helper' },
  { id: 'down', type: 'helper' },
  { id: 'same', type: 'helper' },
];

/** The next message that reaches helper node `id`. */
function next(id: string): Promise<Record<string, any>> {
  return waitFor<[Record<string, any>]>(helper.getNode(id), 'input', () => true, 15000, `a message at ${id}`).then(([m]) => m);
}

/** The next `n` messages that reach helper node `id`, in order. */
function collect(id: string, n: number): Promise<Array<Record<string, any>>> {
  const node = helper.getNode(id);
  const got: Array<Record<string, any>> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} messages at ${id} (got ${got.length})`)), 15000);
    const on = (m: Record<string, any>): void => {
      got.push(m);
      if (got.length < n) return;
      clearTimeout(timer);
      node.off('input', on);
      resolve(got);
    };
    node.on('input', on);
  });
}

interface StoreUnderTest {
  name: string;
  /** A store that keeps its data across runtimes of one test. */
  storage(): ContextStorage;
  /** What the store holds under `key` for node `id` (undefined: nothing yet). */
  read(id: string, key: string): unknown;
  /** Holds the store's answers (the async test store only). */
  gate?: Gate;
  counts?: StoreCounts;
  cleanUp(): void;
}

function asyncStore(): StoreUnderTest {
  const data: StoreData = new Map();
  const gate = new Gate();
  const counts = newCounts();
  return {
    name: 'an asynchronous store (contextStorage module)',
    storage: () => ({ default: { module: asyncContextStore, config: { data, gate, counts } } }),
    read: (id, key) => {
      for (const [k, text] of data) if (k.split('\u0000')[0].split(':')[0] === id && k.endsWith(`\u0000${key}`)) return JSON.parse(text);
      return undefined;
    },
    gate,
    counts,
    cleanUp: () => undefined,
  };
}

function fileStore(): StoreUnderTest {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-context-'));
  return {
    name: 'localfilesystem with its cache off',
    storage: () => ({ default: { module: 'localfilesystem', config: { dir, cache: false } } }),
    read: (id, key) => {
      // A node's context is <flow>/<node>.json; a node without a flow (a config node) has <node>/flow.json.
      const root = path.join(dir, 'context');
      const files = fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) : [];
      const file = files.find((f) => path.basename(f) === `${id}.json` || f === path.join(id, 'flow.json'));
      return file ? JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'))[key] : undefined;
    },
    cleanUp: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

describe('state in a context store that answers only through callbacks', function () {
  this.timeout(60000);
  useNodeRedHelper({ unloadAfterEach: false });

  for (const make of [asyncStore, fileStore]) {
    describe(make().name, () => {
      let store: StoreUnderTest;
      let sim: JetSimulator | null = null;
      let loaded = false;
      beforeEach(() => {
        store = make();
        loaded = false;
      });
      afterEach(async () => {
        store.gate?.release();
        if (loaded) await unloadKeepingContext();
        await sim?.stop();
        sim = null;
        store.cleanUp();
      });

      async function start(flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
        await loadWithContext(store.storage(), flow, credentials);
        loaded = true;
      }
      /** A restart of the runtime; `whileDown` runs between the stop and the start. */
      async function restart(flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}, whileDown = (): void => undefined): Promise<void> {
        loaded = false;
        await unloadKeepingContext();
        whileDown();
        await start(flow, credentials);
      }
      const desired = (): string[] => ((store.read('r1', 'desiredRoutes') as { desired?: Array<{ prefix: string }> } | undefined)?.desired ?? []).map((r) => r.prefix);

      it('jet-router: the route state is saved there, and read back after a restart of the runtime: its routes are replayed', async () => {
        sim = await JetSimulator.start({ sampling: false, thriftPort: false });
        const flow = routerFlow(sim.grpcPort);
        await start(flow, CREDS);
        const add = helper.getNode('add');
        await statusMatching(add, /^connected 127\.0\.0\.1:/);
        const m = next('out');
        add.receive({ payload: 1 });
        assert.equal((await m).payload.results[0].status, 'added');
        await eventually(() => desired().includes('1.1.1.1/32'), 15000, () => `the route state saved in the store: ${JSON.stringify(desired())}`);

        // The router loses the route while Node-RED is down (its JET daemon restarts).
        loaded = false;
        await unloadKeepingContext();
        await sim.restartGrpc();
        assert.equal(sim.rib.size, 0);
        await start(flow, CREDS);
        // The restarted runtime replays the desired route it read from the store.
        await eventually(() => Boolean(sim!.rib.get('inet.0', '1.1.1.1/32')), 15000, 'the desired route replayed from the stored state');
        assert.equal(store.counts ? store.counts.sync : 0, 0, 'no synchronous access');
        assert.deepEqual(nodeCalls('warn', 'r1'), []);
      });

      it('jet-threshold: the state is saved there and read back after a restart of the runtime', async () => {
        await start(thresholdFlow);
        let up = next('up');
        helper.getNode('t').receive({ topic: 'A', payload: { direction: 'rising' } });
        assert.equal((await up).threshold.state, 'high');
        await eventually(() => (store.read('t', 'thresholdState') as Record<string, unknown> | undefined)?.A !== undefined, 15000, 'the threshold state saved');

        await restart(thresholdFlow);
        const same = next('same');
        helper.getNode('t').receive({ topic: 'A', payload: { direction: 'rising' } });
        assert.match((await same).payload.reason, /repeated rising event, already high/);
        up = next('up');
        helper.getNode('t').receive({ topic: 'B', payload: { direction: 'rising' } });
        await up;
        assert.equal(store.counts ? store.counts.sync : 0, 0, 'no synchronous access');
      });

      if (make === asyncStore) {
        it('jet-router: route calls made before the state is read wait for it, in order; more than queueLimit are refused', async () => {
          sim = await JetSimulator.start({ sampling: false, thriftPort: false });
          const flow = routerFlow(sim.grpcPort, { queueLimit: '2' });
          await start(flow, CREDS);
          await statusMatching(helper.getNode('add'), /^connected 127\.0\.0\.1:/);
          const first = next('out');
          helper.getNode('add').receive({ payload: 1 });
          await first;

          // After a restart the store holds its answers back: the router has not read its state.
          await restart(flow, CREDS, () => store.gate!.close());
          assert.ok(store.gate!.waiting > 0, 'the read is held');
          const logins = sim.grpc.counters.logins;
          const results = collect('out', 2);
          const errors: string[] = [];
          const del = helper.getNode('del');
          const add = helper.getNode('add');
          del.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
          del.receive({ payload: 1 });
          add.receive({ payload: 2 });
          del.receive({ payload: 3 });
          await eventually(() => errors.length === 1, 15000, () => `the third call refused: ${JSON.stringify(nodeCalls('error', 'del').map(String))} ${JSON.stringify(nodeCalls('warn', 'r1').map(String))}`);
          assert.match(errors[0], /2 call\(s\) already wait for the route state to be read from the context store; the message was not sent to the router/);
          assert.equal(sim.grpc.counters.logins, logins, 'no session before the state is read');

          store.gate!.release();
          const [deleted, added] = await results;
          assert.deepEqual([deleted.payload.results[0].status, added.payload.results[0].status], ['deleted', 'added'], 'in order, after the read');
          assert.ok(sim.rib.get('inet.0', '1.1.1.1/32'));
          await eventually(() => desired().includes('1.1.1.1/32'), 15000, 'saved');
          assert.equal(store.counts!.sync, 0);
        });

        it('jet-router: a store that cannot be read is asked again; the route nodes say so meanwhile; nothing is written before', async () => {
          sim = await JetSimulator.start({ sampling: false, thriftPort: false });
          const failGets = { count: 1 };
          const storage = store.storage();
          Object.assign(storage.default.config!, { failGets });
          await loadWithContext(storage, routerFlow(sim.grpcPort), CREDS);
          loaded = true;
          const add = helper.getNode('add');
          const shown = (re: RegExp): boolean => statusTexts('add').some((t) => re.test(t));
          await eventually(() => shown(/^disconnected: context store: ECONNREFUSED/), 15000, () => statusTexts('add').join(' | '));
          assert.equal(store.counts!.set, 0, 'nothing written over a state that was not read');
          assert.equal(sim.grpc.counters.logins, 0);
          await eventually(() => shown(/^connected 127\.0\.0\.1:/), 15000, () => statusTexts('add').join(' | '));
          const warnings = nodeCalls('warn', 'r1').map((a) => String(a[0]));
          assert.equal(warnings.length, 1, warnings.join(' | '));
          assert.match(warnings[0], /^could not read the route state from the context store \(ECONNREFUSED \(the test store is down\)\): asking again every 30 s at most/);
          assert.ok(nodeCalls('log', 'r1').some((a) => /read the route state from the context store after 1 failed attempt/.test(String(a[0]))));
          const m = next('out');
          add.receive({ payload: 1 });
          assert.equal((await m).payload.results[0].status, 'added');
        });

        it('jet-threshold: events that come before the state is read wait for it and are judged on it', async () => {
          await start(thresholdFlow);
          const up = next('up');
          helper.getNode('t').receive({ topic: 'A', payload: { direction: 'rising' } });
          await up;

          await restart(thresholdFlow, {}, () => store.gate!.close());
          assert.ok(store.gate!.waiting > 0, 'the read is held');
          const same = collect('same', 1);
          const down = collect('down', 1);
          // Judged before the read, A would be a new key and this a transition to high.
          helper.getNode('t').receive({ topic: 'A', payload: { direction: 'rising' } });
          helper.getNode('t').receive({ topic: 'A', payload: { direction: 'falling' } });
          store.gate!.release();
          assert.match((await same)[0].payload.reason, /repeated rising event, already high/);
          assert.equal((await down)[0].threshold.key, 'A');
          assert.equal(store.counts!.sync, 0);
        });
      }
    });
  }
});
