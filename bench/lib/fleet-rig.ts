/**
 * What the fleet section (sections/fleet.ts) drives: the simulated fleet in its own process
 * (fleet-proc.ts), asked over IPC with numbered questions, and the flows it deploys: the generated
 * fleet flow (tools/fleet-flow.ts) for some of the fleet's routers, with the simulator's credentials
 * in its router nodes, and for the memory per desired route the same flow plus the throughput
 * section's route generator chain (http in → generator → jet-route-add / jet-route-delete →
 * collector → http response) on its one router.
 */
import { ChildProcess, fork } from 'child_process';
import { fleetFlow, nodeId, ROLE, withCredentials, type FlowNode } from '../../tools/fleet-flow';
import { benchModule } from './paths';
import { waitReady, type Children } from './children';
import { COLLECTOR_FN, CREDS, GENERATOR_FN } from './flows';
import type { FleetEndpoint } from '../../sim/fleet';

/** The fleet process, asked over IPC. */
export class FleetProc {
  private seq = 0;
  private readonly waiting = new Map<number, (m: Record<string, unknown>) => void>();

  private constructor(
    readonly proc: ChildProcess,
    readonly routers: FleetEndpoint[],
  ) {
    proc.on('message', (m: Record<string, unknown>) => {
      const w = typeof m?.id === 'number' ? this.waiting.get(m.id) : undefined;
      if (!w) return;
      this.waiting.delete(m.id as number);
      w(m);
    });
  }

  /** Forks fleet-proc with `routers` × `interfaces` × `prefixes`; resolves once it serves. */
  static async start(children: Children, routers: number, interfaces: number, prefixes: number): Promise<FleetProc> {
    const proc = children.add(fork(benchModule('fleet-proc'), [String(routers), String(interfaces), String(prefixes)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const ready = await waitReady<{ routers: FleetEndpoint[] }>(proc, 'fleet', 60000);
    return new FleetProc(proc, ready.routers);
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  /** Asks `cmd`; resolves with the answer, rejects with its error or after `timeoutMs`. */
  ask<T>(cmd: string, extra: Record<string, unknown> = {}, timeoutMs = 180000): Promise<T> {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`fleet: no answer to ${cmd} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        const { id: _id, ...answer } = m;
        if (typeof answer.error === 'string') reject(new Error(`fleet: ${cmd}: ${answer.error}`));
        else resolve(answer as T);
      });
      this.proc.send({ ...extra, id, cmd });
    });
  }
}

/** The generated flow for fleet routers `indexes`, with the simulator's credentials in its router nodes. */
export function fleetNodes(fleet: FleetProc, indexes: readonly number[], interfaces: number, prefixes: number): FlowNode[] {
  const routers = indexes.map((k) => {
    const e = fleet.routers[k];
    return { port: e.grpcPort, mqttPort: e.mqttPort, hostname: e.hostname };
  });
  return withCredentials(fleetFlow({ routers, interfaces, prefixes }), CREDS);
}

/** Node-RED's flow before the first deployment: one empty tab. */
export const EMPTY_FLOW: FlowNode[] = [{ id: 'e000000000000001', type: 'tab', label: 'empty', disabled: false, info: '' }];

/** The URL of the route generator chain that routeChain() adds. */
export const ROUTES_URL = '/bench/fleet-routes';

/** The route generator chain (as in the throughput section) on the one router of a one-router fleet flow. */
export function routeChain(): FlowNode[] {
  const z = nodeId(0, ROLE.tab);
  const router = nodeId(0, ROLE.router);
  const fn = (id: string, name: string, func: string, outputs: number, wires: string[][], x: number, y: number): FlowNode => ({ id, type: 'function', z, name, func, outputs, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x, y, wires });
  return [
    { id: 'c0000000000000h1', type: 'http in', z, name: '', url: ROUTES_URL, method: 'post', upload: false, swaggerDoc: '', x: 150, y: 800, wires: [['c0000000000000f1']] },
    fn('c0000000000000f1', 'generate routes', GENERATOR_FN, 3, [['c0000000000000a1'], ['c0000000000000d1'], ['c0000000000000f2']], 350, 800),
    { id: 'c0000000000000a1', type: 'jet-route-add', z, name: '', router, prefixes: '', nexthops: '10.1.1.2', preference: '5', metric: '', table: '', appId: '111:222', verify: false, x: 560, y: 780, wires: [['c0000000000000f2']] },
    { id: 'c0000000000000d1', type: 'jet-route-delete', z, name: '', router, prefixes: '', table: '', appId: '111:222', x: 560, y: 820, wires: [['c0000000000000f2']] },
    fn('c0000000000000f2', 'count results', COLLECTOR_FN, 1, [['c0000000000000h2']], 770, 800),
    { id: 'c0000000000000h2', type: 'http response', z, name: '', statusCode: '', headers: {}, x: 950, y: 800, wires: [] },
  ];
}
