/**
 * The bare @grpc/grpc-js client of the bench's gRPC baselines (baseline-grpc.ts) and profiling aids
 * (the micro section): the plugin's protos loaded as the plugin loads them, a `client-id` metadata on
 * every call, Login and RouteInitialize once; no session, no retries.
 */
import * as grpc from '@grpc/grpc-js';
import { jetGrpc } from '../../lib/grpc/proto';

const DEADLINE_MS = 60000;

/** The RouteMatch of host route `addr`/32 in inet.0. */
export const key = (addr: string): Record<string, unknown> => ({ dest_prefix: { inet: { addr_string: addr } }, dest_prefix_len: 32, table: { name: { name: 'inet.0' } } });
/** The RouteEntry of host route `addr`/32 via 10.1.1.2, preference 5. */
export const entry = (addr: string): Record<string, unknown> => ({
  key: key(addr),
  nexthop: { gateways: [{ gateway_address: { inet: { addr_string: '10.1.1.2' } } }] },
  attributes: { preferences: { 0: { value: 5 } } },
});

/** What the bench reads of a reply: the status and sub code (enum names). */
export interface Reply {
  status?: { code?: string; message?: string } | null;
  sub_code?: string;
}

type UnaryMethod = (request: unknown, md: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, reply: Reply) => void) => unknown;

/** One unary call of `method` on `client` (the client's own method, looked up by name). */
export type Unary = (client: grpc.Client, method: string, request: unknown) => Promise<Reply>;

export interface BareGrpc {
  rib: grpc.Client;
  unary: Unary;
}

/** Logs in as `clientId` on 127.0.0.1:port; resolves with {rib, unary(client, method, request)}. */
export async function connect(port: number, clientId: string): Promise<BareGrpc> {
  const unary: Unary = (client, method, request) =>
    new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      md.set('client-id', clientId);
      (client as unknown as Record<string, UnaryMethod>)[method](request, md, { deadline: Date.now() + DEADLINE_MS }, (err, reply) => (err ? reject(err) : resolve(reply)));
    });
  const G = jetGrpc().jnx.jet;
  const target = `127.0.0.1:${port}`;
  const rib = new G.routing.rib.Rib(target, grpc.credentials.createInsecure());
  const auth = new G.authentication.Authentication(target, grpc.credentials.createInsecure(), { channelOverride: rib.getChannel() });
  const login = await unary(auth, 'Login', { username: 'lab', password: 'lab123', client_id: clientId });
  if (login.status && login.status.code !== 'SUCCESS') throw new Error(`login refused: ${login.status.message}`);
  const init = await unary(rib, 'RouteInitialize', {});
  if (init.status && init.status.code !== 'SUCCESS') throw new Error(`RouteInitialize: ${init.sub_code} ${init.status.message}`);
  return { rib, unary };
}
