/**
 * What sections 1b, 2, 3 and 4 share, started once and kept for as long as a section still needs
 * it: the in-process simulated router and publisher (LocalRouter), Node-RED with the plugin (the
 * sample flow deployed, later the bench flow), Node-RED alone (the sample flow without its jet-*
 * nodes), and the baselines: the Python replica, the mqtt.js + npm thrift client and the bare
 * grpc-js client, each its own process, connected for as long as they are kept.
 */
import { ChildProcess, fork } from 'child_process';
import { benchFlow, benchTopic, coreOnly, FlowNode, sampleFlow, splitCredentials } from './flows';
import { NodeRed } from './nodered';
import { LocalRouter } from './local-router';
import { startPython, type PythonGen } from './python';
import { stopChild, waitReady, type Children } from './children';
import { benchModule } from './paths';
import { RMON_TOPIC } from './events';
import { sleep, until, type Log } from './util';

/** The shared parts, in the order they are started. */
export const RESOURCES = ['sim', 'plugin', 'core', 'python', 'node', 'grpc'] as const;
export type Resource = (typeof RESOURCES)[number];

export interface FixtureOptions {
  log: Log;
  children: Children;
  pythonGen: PythonGen;
  /** Nagle off on the in-process broker's sockets and the publisher (the default; --nagle leaves it on). */
  nodelay: boolean;
  /** --profile: where Node-RED with the plugin and the Node baseline write their CPU profiles. */
  profileDir: string | null;
  /** --red-flags: node flags of Node-RED with the plugin. */
  redFlags: readonly string[];
}

export class Fixture {
  private localRouter: LocalRouter | null = null;
  private pluginRed: NodeRed | null = null;
  private coreRed: NodeRed | null = null;
  private readonly procs = new Map<'python' | 'node' | 'grpc', ChildProcess>();
  private sample: FlowNode[] = [];
  private benchFlowDeployed = false;
  /** Every Node-RED started, for --logs and for removing their user directories at the end. */
  readonly reds: NodeRed[] = [];

  constructor(private readonly o: FixtureOptions) {}

  get router(): LocalRouter {
    if (!this.localRouter) throw new Error('the in-process simulator is not running');
    return this.localRouter;
  }

  get plugin(): NodeRed {
    if (!this.pluginRed) throw new Error('Node-RED with the plugin is not running');
    return this.pluginRed;
  }

  get core(): NodeRed {
    if (!this.coreRed) throw new Error('Node-RED alone is not running');
    return this.coreRed;
  }

  /** The sample flow as deployed on the plugin's Node-RED (admin API form). */
  get sampleFlow(): FlowNode[] {
    return this.sample;
  }

  /** The process of baseline `key` (python, node or grpc). */
  proc(key: 'python' | 'node' | 'grpc'): ChildProcess {
    const p = this.procs.get(key);
    if (!p) throw new Error(`the ${key} baseline is not running`);
    return p;
  }

  has(r: Resource): boolean {
    switch (r) {
      case 'sim':
        return this.localRouter !== null;
      case 'plugin':
        return this.pluginRed !== null;
      case 'core':
        return this.coreRed !== null;
      default:
        return this.procs.has(r);
    }
  }

  /** Starts what `needs` holds and is not running yet, in the order of RESOURCES (every part needs the simulator). */
  async ensure(needs: ReadonlySet<Resource>): Promise<void> {
    const log = this.o.log;
    for (const r of RESOURCES) {
      if (this.has(r) || !(r === 'sim' ? needs.size > 0 : needs.has(r))) continue;
      if (r === 'sim') {
        this.localRouter = await LocalRouter.start(this.o.nodelay, log);
      } else if (r === 'plugin') {
        this.sample = sampleFlow(this.router.sim);
        const { nodes, creds } = splitCredentials(this.sample);
        log('starting Node-RED with the plugin and the sample flow');
        const red = new NodeRed({ name: 'plugin', profileDir: this.o.profileDir, nodeFlags: this.o.redFlags, children: this.o.children });
        this.reds.push(red);
        this.pluginRed = red;
        const connected = this.router.routerConnected(RMON_TOPIC, 30000);
        await red.start(nodes, creds);
        await connected;
      } else if (r === 'core') {
        if (!this.sample.length) this.sample = sampleFlow(this.router.sim);
        log('starting Node-RED alone (the sample flow without jet-* nodes)');
        const red = new NodeRed({ name: 'core', withPlugin: false, children: this.o.children });
        this.reds.push(red);
        this.coreRed = red;
        await red.start(coreOnly(splitCredentials(this.sample).nodes), {});
      } else if (r === 'python') {
        const sim = this.router.sim;
        this.procs.set('python', await startPython(this.o.children, { genDir: this.o.pythonGen.get(), thriftPort: sim.thriftPort, mqttPort: sim.mqttPort, topic: benchTopic('python') }));
      } else if (r === 'node') {
        const sim = this.router.sim;
        this.procs.set('node', await this.forkBaseline('baseline-node', 'node baseline', [String(sim.thriftPort), String(sim.mqttPort), benchTopic('node')], 'node-baseline'));
      } else {
        this.procs.set('grpc', await this.forkBaseline('baseline-grpc', 'grpc baseline', [String(this.router.sim.grpcPort)], 'grpc-baseline'));
      }
    }
  }

  private async forkBaseline(module: string, what: string, args: string[], profileName: string): Promise<ChildProcess> {
    const dir = this.o.profileDir;
    const execArgv = dir ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${profileName}.cpuprofile`] : [];
    const proc = this.o.children.add(fork(benchModule(module), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await waitReady(proc, what, 20000);
    return proc;
  }

  /** Deploys the bench flow on the plugin's Node-RED (once): its router nodes logged in, the gRPC one initialized. */
  async deployBenchFlow(): Promise<void> {
    if (this.benchFlowDeployed) return;
    this.benchFlowDeployed = true;
    const sim = this.router.sim;
    this.o.log('deploying the bench flow');
    const connected = this.router.routerConnected(benchTopic('plugin'));
    // The gRPC router node of the throughput chain: ready once its RouteInitialize was answered.
    const inits = sim.grpc.counters.calls.RouteInitialize || 0;
    await this.plugin.deploy(benchFlow(sim));
    await connected;
    await until(() => (sim.grpc.counters.calls.RouteInitialize || 0) > inits, 'the gRPC router node to log in and initialize', 15000, 5);
    await sleep(500);
  }

  /** Deploys the sample flow again on the plugin's Node-RED (its router node logged in and subscribed); the bench flow is gone. */
  async deploySampleFlow(): Promise<void> {
    const connected = this.router.routerConnected(RMON_TOPIC);
    await this.plugin.deploy(this.sample);
    await connected;
    this.benchFlowDeployed = false;
  }

  /** Stops the baselines that `keep` does not hold (Node-RED and the simulator stay until close()). */
  async release(keep: ReadonlySet<Resource>): Promise<void> {
    for (const key of ['python', 'node', 'grpc'] as const) {
      const p = this.procs.get(key);
      if (!p || keep.has(key)) continue;
      this.procs.delete(key);
      await stopChild(p);
    }
  }

  /** Stops everything: the baselines, both Node-REDs, the simulator. Their user directories stay until remove(). */
  async close(): Promise<void> {
    await this.release(new Set());
    if (this.pluginRed) await this.pluginRed.stop();
    if (this.coreRed) await this.coreRed.stop();
    if (this.localRouter) await this.localRouter.stop();
    this.localRouter = null;
  }

  /** Removes the Node-RED user directories. */
  remove(): void {
    for (const red of this.reds) red.remove();
  }
}
