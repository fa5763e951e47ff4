/**
 * The flows the bench deploys.
 *  - sampleFlow(): flows/traffic-management.json as `npm start` deploys it (router pointed at the
 *    simulator's ports, the simulator's lab credentials), for the idle and redeploy measurements;
 *  - coreOnly(flow): the same flow without the jet-* nodes (the Node-RED-alone baseline);
 *  - benchFlow(): the sample flow's chain for many interfaces (jet-rmon-event without an ifIndex
 *    filter → function "prefix of ifIndex" → jet-threshold → jet-route-add / jet-route-delete →
 *    debug, plus the catch node), and a throughput chain (http in → generator → jet-route-add /
 *    jet-route-delete → collector → http response) on the same jet-router, and the same throughput
 *    chain on a second jet-router with api 'grpc' (the simulator's jnx.jet port): POST /bench/routes-grpc;
 *  - brokerFlow(): the sample flow's chain behind Mosquitto (section 1), on a Thrift router node and
 *    on a gRPC one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { benchModule, ROOT } from './paths';

/** A node of a flow (flows.json or the admin API's form, with `credentials` inside). */
export interface FlowNode {
  id: string;
  type: string;
  [property: string]: unknown;
}

/** The simulator's ports a flow points at. */
export interface SimPorts {
  thriftPort: number;
  grpcPort: number;
  mqttPort: number;
  httpPort: number;
}

export const CREDS = { username: 'lab', password: 'lab123' };
/** The bench routers' queue limit (the node's default is 1,000). */
export const QUEUE_LIMIT = 100000;

/** The sample flow, with `credentials` inside the router node (admin API form). */
export function sampleFlow(sim: SimPorts): FlowNode[] {
  const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'traffic-management.json'), 'utf8')) as FlowNode[];
  for (const node of nodes) {
    if (node.type === 'jet-router') {
      node.host = '127.0.0.1';
      // The sample flow's router may speak Thrift or gRPC (new router nodes start as gRPC).
      node.port = String(node.api === 'grpc' ? sim.grpcPort : sim.thriftPort);
      node.notificationPort = String(sim.mqttPort);
      node.credentials = { ...CREDS };
    }
    if (node.type === 'http request' && typeof node.url === 'string') {
      node.url = node.url.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${sim.httpPort}`);
    }
  }
  return nodes;
}

/** `flow` without its jet-* nodes (wires and catch scopes to them removed). */
export function coreOnly(flow: readonly FlowNode[]): FlowNode[] {
  const keep = flow.filter((n) => !String(n.type).startsWith('jet-'));
  const ids = new Set(keep.map((n) => n.id));
  return keep.map((n) => {
    const c = JSON.parse(JSON.stringify(n)) as FlowNode;
    if (Array.isArray(c.wires)) c.wires = (c.wires as string[][]).map((out) => out.filter((id) => ids.has(id)));
    if (c.type === 'catch') c.scope = null;
    return c;
  });
}

/** Splits admin-API form (credentials inside nodes) into a flows.json and a flows_cred.json. */
export function splitCredentials(flow: readonly FlowNode[]): { nodes: FlowNode[]; creds: Record<string, unknown> } {
  const creds: Record<string, unknown> = {};
  const nodes = flow.map((n) => {
    const c = { ...n };
    if (c.credentials) {
      creds[c.id] = c.credentials;
      delete c.credentials;
    }
    return c;
  });
  return { nodes, creds };
}

const PREFIX_FN = [
  '// ifIndex i -> 10.<i>>16>.<i>>8>.<i>/32: one distinct host route per interface',
  'const i = msg.payload.ifIndex;',
  "msg.payload.prefixes = '10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255) + '/32';",
  'return msg;',
].join('\n');

export const GENERATOR_FN = [
  '// {op: "add"|"delete"|"none", mode: "one"|"many", n, start, octet}: n host routes <octet>.x.y.z/32,',
  '// in one message or in n messages of one prefix each; the clock starts once they are built.',
  'const p = msg.payload || {};',
  'const n = Number(p.n) || 0, start = Number(p.start) || 0, octet = Number(p.octet) || 20;',
  'const prefixes = new Array(n);',
  'for (let i = 0; i < n; i++) {',
  '  const k = start + i;',
  "  prefixes[i] = octet + '.' + ((k >> 16) & 255) + '.' + ((k >> 8) & 255) + '.' + (k & 255) + '/32';",
  '}',
  "const out = p.op === 'delete' ? 1 : p.op === 'none' ? 2 : 0; // none: straight to the collector (harness cost)",
  "const many = p.mode === 'many';",
  'const b = { msgs: many ? n : 1, done: 0, routes: 0, statuses: {}, res: msg.res, t0: 0 };',
  'const wrap = (m) => { const a = [null, null, null]; a[out] = m; return a; };',
  'b.t0 = Date.now();',
  'if (many) {',
  '  for (let i = 0; i < n; i++) node.send(wrap({ payload: { prefixes: prefixes[i] }, bench: b }), false);',
  '} else {',
  '  node.send(wrap({ payload: { prefixes }, bench: b }), false);',
  '}',
  'return null;',
].join('\n');

export const COLLECTOR_FN = [
  '// Counts the route nodes\' outputs of one generator run; answers the HTTP request after the last.',
  'const b = msg.bench;',
  'if (!b) return null;',
  'b.done++;',
  'const results = (msg.payload && msg.payload.results) || [];',
  'for (const r of results) { b.routes++; b.statuses[r.status] = (b.statuses[r.status] || 0) + 1; }',
  'if (b.done < b.msgs) return null;',
  'const elapsedMs = Date.now() - b.t0;',
  'return { res: b.res, statusCode: 200, payload: { elapsedMs, msgs: b.msgs, routes: b.routes, statuses: b.statuses } };',
].join('\n');

/** The topic each implementation subscribes to in the bench, so that all three can stay connected while one is measured. */
export const benchTopic = (impl: string): string => `/bench/${impl}/junos/events/syslog/SNMPD_RMON_EVENTLOG`;

export function benchFlow(sim: SimPorts): FlowNode[] {
  const z = 'b0000000000000001';
  const fn = (id: string, name: string, func: string, outputs: number, wires: string[][], x: number, y: number): FlowNode => ({ id, type: 'function', z, name, func, outputs, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x, y, wires });
  const dbg = (id: string, name: string, complete: string, x: number, y: number): FlowNode => ({ id, type: 'debug', z, name, active: true, tosidebar: true, console: false, tostatus: false, complete, targetType: 'msg', statusVal: '', statusType: 'auto', x, y, wires: [] });
  return [
    { id: z, type: 'tab', label: 'JET bench', disabled: false, info: 'Deployed by npm run bench.' },
    {
      id: 'b000000000000000r',
      type: 'jet-router',
      name: 'simulated router',
      host: '127.0.0.1',
      port: String(sim.thriftPort),
      clientId: 'bench-plugin',
      useTls: false,
      tls: '',
      requestTimeout: '10',
      // Above the throughput runs' 10,000 calls: the session's queue limit (default 1,000) also refuses
      // calls that wait behind the in-flight window while connected (see BENCHMARKS.md, Findings).
      queueLimit: String(QUEUE_LIMIT),
      notificationHost: '',
      notificationPort: String(sim.mqttPort),
      notificationTls: false,
      credentials: { ...CREDS },
    },
    // ---- the sample flow's chain, for every interface
    { id: 'b0000000000000e01', type: 'jet-rmon-event', z, name: '', router: 'b000000000000000r', topic: benchTopic('plugin'), ifIndex: '', alarmIndex: '', eventIndex: '', subtag: '', direction: 'both', x: 150, y: 140, wires: [['b0000000000000f01']] },
    fn('b0000000000000f01', 'prefix of ifIndex', PREFIX_FN, 1, [['b0000000000000t01']], 330, 140),
    { id: 'b0000000000000t01', type: 'jet-threshold', z, name: '', mode: 'event', property: 'payload', key: 'topic', rising: '1024', falling: '1023', sampleType: 'absolute', startup: 'both', holdDown: '0', x: 520, y: 140, wires: [['b0000000000000a01'], ['b0000000000000d01'], ['b0000000000000g03']] },
    { id: 'b0000000000000a01', type: 'jet-route-add', z, name: '', router: 'b000000000000000r', prefixes: '', nexthops: '10.1.1.2', preference: '5', metric: '3', table: '', appId: '111:222', verify: false, x: 740, y: 100, wires: [['b0000000000000g01']] },
    { id: 'b0000000000000d01', type: 'jet-route-delete', z, name: '', router: 'b000000000000000r', prefixes: '', table: '', appId: '111:222', x: 740, y: 140, wires: [['b0000000000000g02']] },
    dbg('b0000000000000g01', 'IFL input traffic rate is above threshold, hence added route', 'payload.results', 1000, 100),
    dbg('b0000000000000g02', 'IFL input traffic rate is below threshold, hence deleting route', 'payload.results', 1000, 140),
    dbg('b0000000000000g03', 'No configuration changes required', 'payload.reason', 900, 180),
    { id: 'b0000000000000c01', type: 'catch', z, name: 'route errors', scope: ['b0000000000000a01', 'b0000000000000d01'], uncaught: false, x: 740, y: 220, wires: [['b0000000000000g04']] },
    dbg('b0000000000000g04', 'route call failed', 'error.message', 920, 220),
    // ---- throughput: POST /bench/routes
    { id: 'b0000000000000h01', type: 'http in', z, name: '', url: '/bench/routes', method: 'post', upload: false, swaggerDoc: '', x: 150, y: 320, wires: [['b0000000000000f02']] },
    fn('b0000000000000f02', 'generate routes', GENERATOR_FN, 3, [['b0000000000000a02'], ['b0000000000000d02'], ['b0000000000000f03']], 350, 320),
    { id: 'b0000000000000a02', type: 'jet-route-add', z, name: '', router: 'b000000000000000r', prefixes: '', nexthops: '10.1.1.2', preference: '5', metric: '3', table: '', appId: '111:222', verify: false, x: 560, y: 300, wires: [['b0000000000000f03']] },
    { id: 'b0000000000000d02', type: 'jet-route-delete', z, name: '', router: 'b000000000000000r', prefixes: '', table: '', appId: '111:222', x: 560, y: 340, wires: [['b0000000000000f03']] },
    fn('b0000000000000f03', 'count results', COLLECTOR_FN, 1, [['b0000000000000h02']], 770, 320),
    { id: 'b0000000000000h02', type: 'http response', z, name: '', statusCode: '', headers: {}, x: 950, y: 320, wires: [] },
    // ---- the same throughput chain on a gRPC router (api 'grpc', the simulator's jnx.jet port):
    //      POST /bench/routes-grpc. No metric: jnx.jet routes have none (the node would say so per route).
    {
      id: 'b000000000000000s',
      type: 'jet-router',
      name: 'simulated router (gRPC)',
      api: 'grpc',
      host: '127.0.0.1',
      port: String(sim.grpcPort),
      clientId: 'bench-plugin-grpc',
      useTls: false,
      tls: '',
      requestTimeout: '10',
      // Above the throughput runs' 10,000 calls: the session's queue limit (default 1,000) also refuses
      // calls that wait behind the in-flight window while connected (see BENCHMARKS.md, Findings).
      queueLimit: String(QUEUE_LIMIT),
      purgeTime: '',
      notificationHost: '',
      notificationPort: String(sim.mqttPort),
      notificationTls: false,
      credentials: { ...CREDS },
    },
    { id: 'b0000000000000h05', type: 'http in', z, name: '', url: '/bench/routes-grpc', method: 'post', upload: false, swaggerDoc: '', x: 150, y: 480, wires: [['b0000000000000f05']] },
    fn('b0000000000000f05', 'generate routes (gRPC)', GENERATOR_FN, 3, [['b0000000000000a03'], ['b0000000000000d03'], ['b0000000000000f06']], 350, 480),
    { id: 'b0000000000000a03', type: 'jet-route-add', z, name: '', router: 'b000000000000000s', prefixes: '', nexthops: '10.1.1.2', preference: '5', metric: '', table: '', appId: '111:222', verify: false, x: 560, y: 460, wires: [['b0000000000000f06']] },
    { id: 'b0000000000000d03', type: 'jet-route-delete', z, name: '', router: 'b000000000000000s', prefixes: '', table: '', appId: '111:222', x: 560, y: 500, wires: [['b0000000000000f06']] },
    fn('b0000000000000f06', 'count results (gRPC)', COLLECTOR_FN, 1, [['b0000000000000h06']], 770, 480),
    { id: 'b0000000000000h06', type: 'http response', z, name: '', statusCode: '', headers: {}, x: 950, y: 480, wires: [] },
    // ---- POST /bench/reset: msg.reset = true (no topic) makes jet-threshold forget every key
    { id: 'b0000000000000h03', type: 'http in', z, name: '', url: '/bench/reset', method: 'post', upload: false, swaggerDoc: '', x: 150, y: 400, wires: [['b0000000000000f04']] },
    fn('b0000000000000f04', 'reset threshold', 'return [{ reset: true }, { res: msg.res, statusCode: 200, payload: { reset: true } }];', 2, [['b0000000000000t01'], ['b0000000000000h04']], 350, 400),
    { id: 'b0000000000000h04', type: 'http response', z, name: '', statusCode: '', headers: {}, x: 550, y: 400, wires: [] },
  ];
}

const THRESHOLD_PREFIX_FN = [
  '// after jet-threshold: ifIndex i (from the event, or the key host/i) -> 10.<i>>16>.<i>>8>.<i>/32',
  "const i = (msg.payload && msg.payload.ifIndex) || Number(String(msg.topic).split('/').pop());",
  "msg.payload.prefixes = '10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255) + '/32';",
  'return msg;',
].join('\n');

/** The topic of implementation `key` behind Mosquitto (section 1). */
export const brokerTopic = (key: string): string => `/bench/mosq/${key}/junos/events/syslog/SNMPD_RMON_EVENTLOG`;

/**
 * Section 1's flow: jet-rmon-event (at `pluginQos`) → jet-threshold → function → jet-route-add /
 * jet-route-delete, on a Thrift router node and on a gRPC one, subscribed to the topics of 'plugin'
 * and 'plugin-grpc' (+ `suffix`, for the A/B checkout's copy).
 */
export function brokerFlow(ports: { thriftPort: number; grpcPort: number }, mqttPort: number, pluginQos: number, suffix = ''): FlowNode[] {
  const z = 'm000000000000001';
  const nodes: FlowNode[] = [{ id: z, type: 'tab', label: 'JET bench behind Mosquitto', disabled: false, info: '' }];
  const routers: Array<[string, string, number]> = [['t', 'thrift', ports.thriftPort], ['g', 'grpc', ports.grpcPort]];
  for (const [tag, api, port] of routers) {
    const r = `m00000000000r${tag}0`;
    const key = (api === 'grpc' ? 'plugin-grpc' : 'plugin') + suffix;
    nodes.push(
      { id: r, type: 'jet-router', name: `router (${api})`, api, host: '127.0.0.1', port: String(port), clientId: `bench-mosq-${api}${suffix}`, useTls: false, tls: '', requestTimeout: '10', queueLimit: String(QUEUE_LIMIT), notificationHost: '', notificationPort: String(mqttPort), notificationTls: false, credentials: { ...CREDS } },
      { id: `m00000000000e${tag}0`, type: 'jet-rmon-event', z, name: '', router: r, topic: brokerTopic(key), ifIndex: '', alarmIndex: '', eventIndex: '', subtag: '', direction: 'both', qos: String(pluginQos), wires: [[`m00000000000t${tag}0`]] },
      { id: `m00000000000t${tag}0`, type: 'jet-threshold', z, name: '', mode: 'event', property: 'payload', key: 'topic', rising: '1024', falling: '1023', sampleType: 'absolute', startup: 'both', holdDown: '0', wires: [[`m00000000000f${tag}0`], [`m00000000000f${tag}1`], []] },
      { id: `m00000000000f${tag}0`, type: 'function', z, name: 'prefix of ifIndex', func: THRESHOLD_PREFIX_FN, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[`m00000000000a${tag}0`]] },
      { id: `m00000000000f${tag}1`, type: 'function', z, name: 'prefix of ifIndex (falling)', func: THRESHOLD_PREFIX_FN, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[`m00000000000d${tag}0`]] },
      { id: `m00000000000a${tag}0`, type: 'jet-route-add', z, name: '', router: r, prefixes: '', nexthops: '10.1.1.2', preference: '5', metric: api === 'grpc' ? '' : '3', table: '', appId: '111:222', verify: false, wires: [[]] },
      { id: `m00000000000d${tag}0`, type: 'jet-route-delete', z, name: '', router: r, prefixes: '', table: '', appId: '111:222', wires: [[]] },
    );
  }
  return nodes;
}

/** The functionGlobalContext name under which the "bare client in Node-RED" flow finds lib/bare-thrift. */
const BARE_THRIFT_GLOBAL = 'bareThrift';

/** The functionGlobalContext modules the flow of {@link nodeRedBareFlow} needs (NodeRed's `globals`). */
export const NODE_RED_BARE_GLOBALS: Record<string, string> = { [BARE_THRIFT_GLOBAL]: benchModule('lib/bare-thrift') };

/**
 * Section 1's "bare client in Node-RED" (Node-RED's own floor for the same work): Node-RED's core
 * `mqtt in` node (its mqtt-broker config node, QoS 1, payload as a Buffer) → one function node that
 * hands the payload to the bench's bare Thrift client (lib/bare-thrift.ts, through
 * functionGlobalContext): JSON.parse, one regex, RouteAdd or RouteDelete, not awaited, as the bare
 * client in its own process does. No jet-* node: what a message costs through Node-RED itself.
 */
export function nodeRedBareFlow(thriftPort: number, mqttPort: number, topic: string): FlowNode[] {
  const z = 'n000000000000001';
  const broker = 'n00000000000000b';
  return [
    { id: z, type: 'tab', label: 'bare Thrift client in Node-RED', disabled: false, info: '' },
    {
      id: broker, type: 'mqtt-broker', name: 'Mosquitto', broker: '127.0.0.1', port: String(mqttPort), clientid: 'bench-nr-bare', autoConnect: true, usetls: false,
      protocolVersion: '4', keepalive: '60', cleansession: true, autoUnsubscribe: true,
      birthTopic: '', birthQos: '0', birthPayload: '', birthMsg: {}, closeTopic: '', closeQos: '0', closePayload: '', closeMsg: {}, willTopic: '', willQos: '0', willPayload: '', willMsg: {}, userProps: '', sessionExpiry: '',
    },
    { id: 'n00000000000000i', type: 'mqtt in', z, name: '', topic, qos: '1', datatype: 'buffer', broker, nl: false, rap: true, rh: 0, inputs: 0, x: 150, y: 100, wires: [['n00000000000000f']] },
    {
      id: 'n00000000000000f', type: 'function', z, name: 'bare Thrift client', outputs: 0, timeout: 0, noerr: 0, libs: [], x: 400, y: 100, wires: [],
      initialize: `context.set('bare', await global.get(${JSON.stringify(BARE_THRIFT_GLOBAL)}).connectBareThrift(${thriftPort}, 'bench-nr-bare'));`,
      func: "context.get('bare').payload(msg.payload);\nreturn null;",
      finalize: "const b = context.get('bare');\nif (b) b.close();",
    },
  ];
}
