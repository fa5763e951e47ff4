/**
 * Helpers for the fault suite (test/fault-*.test.ts): the Node-RED admin API, deploys, resource
 * snapshots (handles, timers, heap), unhandled-rejection tracking, a test PKI made with the openssl
 * CLI, a TCP proxy that can turn into a black hole (half-open peer), the sample flow's chain
 * replicated per interface, and a seeded random generator.
 */
import { execFileSync } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { helper, jetNodes, sampleFlow, FlowNode, useNodeRedHelper } from './nodered';
import { waitFor } from './wait';
import { JetSimulator, JetSimulatorOptions } from '../../sim';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const supertest = require('supertest');

// ------------------------------------------------------------------------------ Node-RED runtime

/** The core tls-config node module (loaded alongside ours when a flow uses TLS). */
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const tlsConfigNode = require('@node-red/nodes/core/network/05-tls.js');

/** Loads a flow with our nodes and any extra node modules (e.g. tlsConfigNode). */
export function loadWith(extra: unknown[], flow: FlowNode[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      helper.load([...extra, ...jetNodes], flow, credentials, (err?: Error) => (err ? reject(err) : resolve()));
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * The real Node-RED admin HTTP API (GET/POST /flows, GET /credentials/...). helper.request() talks
 * to an express app of the helper's own that has no admin routes; RED.httpAdmin is the editor-api
 * app that RED.init (helper.startServer) built, and its runtime API reads and writes the same
 * flows module the helper loaded.
 */
export function admin(): any {
  return supertest(helper._RED.httpAdmin);
}

/**
 * Deploys through the admin API as the editor does (POST /flows, Node-RED-Deployment-Type) and
 * resolves once the runtime has started the new flows (the API answers before they start).
 */
export async function deploy(flow: FlowNode[], type: 'full' | 'nodes' | 'flows' = 'full'): Promise<void> {
  const started = waitFor(helper._events as EventEmitter, 'flows:started', () => true, 15000, `flows:started after a ${type} deploy`);
  const res = await admin().post('/flows').set('Node-RED-Deployment-Type', type).set('Content-Type', 'application/json').send(flow);
  if (res.status !== 204) throw new Error(`deploy answered ${res.status}: ${res.text}`);
  await started;
}

/** Every status a node showed (its text), from the helper's spy on Node.prototype.status. */
export function statusTexts(id?: string): string[] {
  const spy = helper._NodePrototype.status as { getCalls(): Array<{ thisValue: { id: string }; args: [{ text?: string }] }> };
  return spy
    .getCalls()
    .filter((c) => id === undefined || c.thisValue?.id === id)
    .map((c) => String(c.args[0]?.text ?? ''));
}

/** Calls of a spied Node.prototype method (warn, error, send, ...) made by node `id`. */
export function nodeCalls(method: 'warn' | 'error' | 'log' | 'send', id: string): unknown[][] {
  const spy = helper._NodePrototype[method] as { getCalls(): Array<{ thisValue: { id: string }; args: unknown[] }> };
  return spy
    .getCalls()
    .filter((c) => c.thisValue?.id === id)
    .map((c) => c.args);
}

/** The node's current status text: the last one it showed. */
export function lastStatus(id: string): string {
  const all = statusTexts(id);
  return all[all.length - 1] ?? '';
}

// ------------------------------------------------------------------------------ resources

export interface ResourceSnapshot {
  handles: number;
  /** process.getActiveResourcesInfo() as counts per type (TCPSocketWrap, Timeout, ...). */
  resources: Record<string, number>;
}

export function resources(): ResourceSnapshot {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return { handles: (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length, resources: counts };
}

/**
 * Same handles and the same resources per type; `timerSlack` lets `now` hold that many more
 * timers than `then` (a call or keepalive timer that happens to be armed at that instant).
 */
export function sameResources(now: ResourceSnapshot, then: ResourceSnapshot, timerSlack = 0): boolean {
  if (now.handles !== then.handles) return false;
  const keys = new Set([...Object.keys(now.resources), ...Object.keys(then.resources)]);
  for (const k of keys) {
    const d = (now.resources[k] ?? 0) - (then.resources[k] ?? 0);
    if (d !== 0 && !(k === 'Timeout' && d > 0 && d <= timerSlack)) return false;
  }
  return true;
}

/**
 * The handles and resources once they have stayed the same for `stillMs`: a snapshot taken at one
 * instant may hold a transient Immediate or a call's timer, which a later "back to this state" check
 * would then wait for in vain. Polls every 20 ms, up to `timeoutMs`.
 */
export async function stillResources(stillMs = 300, timeoutMs = 10000): Promise<ResourceSnapshot> {
  const t0 = Date.now();
  let last = resources();
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const now = resources();
    if (!sameResources(now, last)) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= stillMs) {
      return now;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`handles still changing after ${timeoutMs} ms: now ${JSON.stringify(now)}`);
  }
}

/**
 * Bounded polling for a condition no event announces (sockets of both ends closing, handles going
 * away): re-checks every `everyMs` until true or `timeoutMs`.
 */
export async function eventually(check: () => boolean, timeoutMs: number, what: string | (() => string), everyMs = 20): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

let gcFn: (() => void) | null = null;
/** Heap used after a full garbage collection (gc exposed at run time, no node flag needed). */
export function heapAfterGc(): number {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}

/** Records unhandled promise rejections while it is installed. */
export function trackUnhandledRejections(): { list: unknown[]; stop(): void } {
  const list: unknown[] = [];
  const fn = (reason: unknown): void => {
    list.push(reason);
  };
  process.on('unhandledRejection', fn);
  return { list, stop: () => process.off('unhandledRejection', fn) };
}

/**
 * The mocha hooks the runtime fault suites share, registered by calling this inside `describe`: the
 * test runtime started once, every test's flow unloaded and its simulator stopped after it, and the
 * unhandled rejections of each test recorded.
 */
export function runtimeFixture(): { startSim(options?: JetSimulatorOptions): Promise<JetSimulator>; unhandled(): unknown[] } {
  let sim: JetSimulator | undefined;
  let tracker: ReturnType<typeof trackUnhandledRejections> | undefined;
  useNodeRedHelper();
  beforeEach(() => {
    tracker = trackUnhandledRejections();
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    tracker?.stop();
  });
  return {
    startSim: async (options = {}) => (sim = await JetSimulator.start(options)),
    unhandled: () => tracker?.list ?? [],
  };
}

// ------------------------------------------------------------------------------ sample flow

export const SAMPLE = {
  file: 'traffic-management.json',
  /**
   * The sample flow as it was saved before issue 18 (its event node filters by `ifIndex: 541`, no
   * interface lookup): what a flow saved then keeps doing, and what the Thrift tests deploy (an
   * interface lookup needs the gRPC management API). Relative to flows/.
   */
  ifIndexFile: '../test/fixtures/traffic-management-ifindex.json',
  router: '7a6f1c2e3b4d5002',
  event: '7a6f1c2e3b4d5011',
  threshold: '7a6f1c2e3b4d5012',
  add: '7a6f1c2e3b4d5013',
  added: '7a6f1c2e3b4d5014',
  del: '7a6f1c2e3b4d5015',
  deleted: '7a6f1c2e3b4d5016',
  noChange: '7a6f1c2e3b4d5017',
  tab: '7a6f1c2e3b4d5001',
};
export const SAMPLE_CAPTURE = [SAMPLE.added, SAMPLE.deleted, SAMPLE.noChange];

export interface ChainSpec {
  ifIndex: number;
  prefix: string;
  nexthop: string;
}

export interface ChainIds {
  event: string;
  threshold: string;
  add: string;
  added: string;
  del: string;
  deleted: string;
  noChange: string;
}

/** Ids of chain `i` of {@link replicatedSampleFlow}: the sample flow's ids with a suffix (none for chain 0). */
export function chainIds(i: number): ChainIds {
  const s = i === 0 ? '' : `-${i}`;
  return {
    event: SAMPLE.event + s,
    threshold: SAMPLE.threshold + s,
    add: SAMPLE.add + s,
    added: SAMPLE.added + s,
    del: SAMPLE.del + s,
    deleted: SAMPLE.deleted + s,
    noChange: SAMPLE.noChange + s,
  };
}

/**
 * The sample flow as a user with several interfaces builds it: its chain (rmon event → threshold →
 * route add / delete) copied once per interface, each copy with its own ifIndex, prefix and next
 * hop, all sharing the one jet-router.
 */
export function replicatedSampleFlow(chains: ChainSpec[], router: Record<string, unknown>): FlowNode[] {
  const base = sampleFlow(SAMPLE.ifIndexFile, SAMPLE_CAPTURE, router);
  const shared = base.filter((n) => n.type === 'tab' || n.type === 'jet-router');
  const chain = base.filter((n) => !shared.includes(n));
  const out: FlowNode[] = [...shared];
  chains.forEach((c, i) => {
    const s = i === 0 ? '' : `-${i}`;
    for (const n of chain) {
      const copy: FlowNode = { ...n, id: n.id + s };
      if (Array.isArray(n.wires)) copy.wires = (n.wires as string[][]).map((port) => port.map((id) => id + s));
      if (n.type === 'jet-rmon-event') copy.ifIndex = String(c.ifIndex);
      if (n.type === 'jet-route-add') Object.assign(copy, { prefixes: c.prefix, nexthops: c.nexthop });
      if (n.type === 'jet-route-delete') copy.prefixes = c.prefix;
      out.push(copy);
    }
  });
  return out;
}

// ------------------------------------------------------------------------------ PKI (openssl CLI)

export interface Pki {
  dir: string;
  /** CA certificate file (PEM) and contents. */
  caFile: string;
  ca: Buffer;
  caKeyFile: string;
}

export interface ServerCert {
  key: Buffer;
  cert: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A fresh CA (P-256) in `dir`, named `name`. */
export function makeCa(dir: string, name: string): Pki {
  const caKeyFile = path.join(dir, `${name}.key`);
  const caFile = path.join(dir, `${name}.pem`);
  openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', caKeyFile, '-out', caFile, '-days', '2', '-subj', `/CN=JET fault test ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { dir, caFile, ca: fs.readFileSync(caFile), caKeyFile };
}

/** A server certificate signed by `ca` for the given subjectAltName (e.g. "IP:127.0.0.1,DNS:localhost"). */
export function makeServerCert(ca: Pki, name: string, san: string): ServerCert {
  const dir = ca.dir;
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.pem`);
  const extFile = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extFile, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${name}`], dir);
  openssl(['x509', '-req', '-in', csrFile, '-CA', ca.caFile, '-CAkey', ca.caKeyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extFile], dir);
  return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// ------------------------------------------------------------------------------ half-open proxy

/**
 * A TCP proxy on 127.0.0.1 in front of a server. blackhole(true) makes it a half-open path: every
 * connection, old and new, stays open and every byte either way is dropped (as when a router or a
 * firewall on the way stops forwarding without resetting anything).
 */
export class BlackholeProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private dropping = false;
  port = 0;

  constructor(private readonly targetPort: number, private readonly targetHost = '127.0.0.1') {}

  async listen(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.once('close', () => this.sockets.delete(s));
      }
      client.on('data', (d: Buffer) => {
        if (!this.dropping) upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        if (!this.dropping) client.write(d);
      });
      // A black hole passes no close either: the far end going away stays unseen.
      client.once('close', () => this.dropping || upstream.destroy());
      upstream.once('close', () => this.dropping || client.destroy());
    });
    this.server = server;
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  blackhole(on: boolean): void {
    this.dropping = on;
  }

  /** Connections open through the proxy (client side). */
  get connections(): number {
    return this.sockets.size / 2;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((r) => server.close(() => r(undefined)));
  }
}

// ------------------------------------------------------------------------------ random

/** mulberry32: a small seeded PRNG, so that a failing fuzz run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Measures the longest stall of the event loop (a 5 ms interval's largest gap beyond its period). */
export function loopStallProbe(): { stop(): number } {
  let last = process.hrtime.bigint();
  let worst = 0;
  const t = setInterval(() => {
    const now = process.hrtime.bigint();
    worst = Math.max(worst, Number(now - last) / 1e6 - 5);
    last = now;
  }, 5);
  return {
    stop: () => {
      clearInterval(t);
      const now = process.hrtime.bigint();
      return Math.round(Math.max(worst, Number(now - last) / 1e6 - 5));
    },
  };
}
