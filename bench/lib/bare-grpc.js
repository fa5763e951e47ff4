'use strict';
// The bare @grpc/grpc-js client of the bench's gRPC baselines (bench/baseline-grpc.js) and profiling
// aids (micro-calls.js, micro-lone.js): the plugin's protos loaded as the plugin loads them, a
// `client-id` metadata on every call, Login and RouteInitialize once; no session, no retries.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const { jetGrpc } = require(path.join(__dirname, '..', '..', 'dist', 'lib', 'grpc', 'proto'));

const DEADLINE_MS = 60000;

/** The RouteMatch of host route `addr`/32 in inet.0. */
const key = (addr) => ({ dest_prefix: { inet: { addr_string: addr } }, dest_prefix_len: 32, table: { name: { name: 'inet.0' } } });
/** The RouteEntry of host route `addr`/32 via 10.1.1.2, preference 5. */
const entry = (addr) => ({
  key: key(addr),
  nexthop: { gateways: [{ gateway_address: { inet: { addr_string: '10.1.1.2' } } }] },
  attributes: { preferences: { 0: { value: 5 } } },
});

/** Logs in as `clientId` on 127.0.0.1:port; resolves with {rib, unary(client, method, request)}. */
async function connect(port, clientId) {
  const unary = (client, method, request) =>
    new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      md.set('client-id', clientId);
      client[method](request, md, { deadline: Date.now() + DEADLINE_MS }, (err, reply) => (err ? reject(err) : resolve(reply)));
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

module.exports = { connect, key, entry };
