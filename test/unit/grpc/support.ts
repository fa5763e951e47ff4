/**
 * What the gRPC backend's tests share: route specs, a backend on a local port with a fast backoff,
 * waiting for its states, and a small stub jnx.jet server built from the same protos for answers
 * the simulator never gives.
 */
import * as net from 'net';
import * as grpc from '@grpc/grpc-js';
import { GrpcBackend } from '../../../lib/grpc/backend';
import type { GrpcBackendOptions } from '../../../lib/grpc/connector';
import { CLIENT_ID_METADATA } from '../../../lib/grpc/protocol';
import { jetGrpc } from '../../../lib/grpc/proto';
import type { ReadyInfo, SessionStatus } from '../../../lib/core/backend';
import type { RouteSpec } from '../../../lib/core/route-spec';
import { waitFor } from '../../support/wait';
import { GrpcServer, Rib, type GrpcCallInfo } from '../../../sim';

export const HOST = '127.0.0.1';
export const FAST_BACKOFF = { initialMs: 20, maxMs: 400, factor: 2, jitter: 0 };

export function spec(prefix: string, nexthops: string[], preference = 5, table?: string): RouteSpec {
  const family = prefix.includes(':') ? 'inet6' : 'inet';
  return { appId: '111:222', prefix, family, table: table ?? (family === 'inet' ? 'inet.0' : 'inet6.0'), nexthops, preference, metric: 3 };
}

/** n distinct /32 routes from 10.0.0.0 on. */
export function manyRoutes(n: number, base = 10): RouteSpec[] {
  const out: RouteSpec[] = [];
  for (let i = 0; i < n; i++) out.push(spec(`${base}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, ['192.0.2.1']));
  return out;
}

export function backendFor(port: number, extra: Partial<GrpcBackendOptions> = {}): GrpcBackend {
  return new GrpcBackend({
    host: HOST,
    port,
    username: 'lab',
    password: 'lab123',
    clientId: 'node-red-1',
    requestTimeoutMs: 4000,
    queueLimit: 10000,
    backoff: FAST_BACKOFF,
    ...extra,
  });
}

export function connected(b: GrpcBackend): Promise<[ReadyInfo]> {
  return waitFor<[ReadyInfo]>(b, 'ready', () => true, 10000, 'ready');
}

/** Starts a backend and resolves with what its first login told. */
export async function started(b: GrpcBackend): Promise<ReadyInfo> {
  const ready = connected(b);
  b.start();
  return (await ready)[0];
}

export function stateIs(b: GrpcBackend, state: SessionStatus['state'], match?: (detail: string) => boolean): Promise<[SessionStatus]> {
  return waitFor<[SessionStatus]>(b, 'state', (s) => s.state === state && (!match || match(s.detail)), 10000, `state ${state}`);
}

/**
 * The simulator's gRPC server, fresh for each test of the calling describe block (mocha hooks):
 * its RIB, its port, the calls it received, and the backend under test, closed after each test.
 */
export interface SimulatorFixture {
  rib: Rib;
  server: GrpcServer;
  port: number;
  calls: GrpcCallInfo[];
  backend: GrpcBackend | null;
  /** A backend on the server's port, started; resolves once it logged in. */
  start(extra?: Partial<GrpcBackendOptions>): Promise<GrpcBackend>;
}

export function useSimulator(serverOptions: { purgeSecondMs?: number } = {}): SimulatorFixture {
  const fx = {
    backend: null,
    calls: [],
    async start(extra: Partial<GrpcBackendOptions> = {}): Promise<GrpcBackend> {
      const b = backendFor(fx.port, extra);
      fx.backend = b;
      await started(b);
      return b;
    },
  } as unknown as SimulatorFixture;
  beforeEach(async () => {
    fx.rib = new Rib();
    fx.server = new GrpcServer({ rib: fx.rib, ...serverOptions });
    fx.port = await fx.server.listen(0, HOST);
    fx.calls = [];
    fx.server.on('call', (c: GrpcCallInfo) => fx.calls.push(c));
    fx.backend = null;
  });
  afterEach(async () => {
    await fx.backend?.close(2000);
    await fx.server.close();
  });
  return fx;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------- a stub jnx.jet server

export type Handlers = Record<string, grpc.handleUnaryCall<unknown, unknown>>;

export interface Stub {
  port: number;
  calls: { method: string; clientId: string; request: unknown }[];
  stop(): Promise<void>;
}

/** What the stub's Management service does (default: OpCommandGet ends with no output, ConfigSet succeeds). */
export interface ManagementStub {
  OpCommandGet?: grpc.handleServerStreamingCall<unknown, unknown>;
  ConfigSet?: grpc.handleUnaryCall<unknown, unknown>;
}

/**
 * A grpc.Server with jnx.jet services whose unary handlers the test gives (unlisted methods answer
 * SUCCESS; RouteGet nothing), and Management with `management`'s handlers.
 */
export async function startStub(handlers: Handlers, management: ManagementStub = {}): Promise<Stub> {
  const jet = jetGrpc();
  const server = new grpc.Server();
  const calls: Stub['calls'] = [];
  const record = (method: string, call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'metadata' | 'request'>): void => {
    const v = call.metadata.get(CLIENT_ID_METADATA)[0];
    calls.push({ method, clientId: v === undefined ? '' : String(v), request: call.request });
  };
  const ok = { status: { code: 'SUCCESS', message: '' }, sub_code: 'SUCCESS' };
  const unary = (method: string, fallback: unknown): grpc.handleUnaryCall<unknown, unknown> => (call, callback) => {
    record(method, call);
    const h = handlers[method];
    if (h) h(call, callback);
    else callback(null, fallback);
  };
  server.addService(jet.jnx.jet.authentication.Authentication.service, { Login: unary('Login', { status: { code: 'SUCCESS', message: '' } }) });
  server.addService(jet.jnx.jet.routing.base.Base.service, {
    RoutePurgeTimerAdd: unary('RoutePurgeTimerAdd', ok),
    RoutePurgeTimerGet: unary('RoutePurgeTimerGet', ok),
    RoutePurgeTimerDelete: unary('RoutePurgeTimerDelete', ok),
  });
  server.addService(jet.jnx.jet.routing.rib.Rib.service, {
    RouteInitialize: unary('RouteInitialize', { ...ok, num_client_routes: 0 }),
    RouteCleanup: unary('RouteCleanup', ok),
    RouteAdd: unary('RouteAdd', { ...ok, operations_completed: 0 }),
    RouteModify: unary('RouteModify', ok),
    RouteUpdate: unary('RouteUpdate', ok),
    RouteDelete: unary('RouteDelete', ok),
    RouteGet: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
  });
  server.addService(jet.jnx.jet.management.Management.service, {
    OpCommandGet: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      record('OpCommandGet', call);
      if (management.OpCommandGet) management.OpCommandGet(call);
      else call.end();
    },
    ConfigSet: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      record('ConfigSet', call);
      if (management.ConfigSet) management.ConfigSet(call, callback);
      else callback(null, { status: { code: 'SUCCESS', message: '' } });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
