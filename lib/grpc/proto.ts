/**
 * The JET gRPC contract (idl/jnx_*.proto, docs/protocol.md §6) loaded at run time with @grpc/proto-loader,
 * with the same options as the generated types (scripts/gen-proto.js): field names as in the
 * .proto files, uint64 as strings, enums as their names, defaults filled in, `oneof` names set.
 * Shared by the gRPC backend and the simulator's gRPC server: one reading of the wire.
 */
import * as path from 'path';
import * as fs from 'fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AuthenticationProto } from '../gen-grpc/jnx_authentication';
import type { ProtoGrpcType as RoutingBaseProto } from '../gen-grpc/jnx_routing_base';
import type { ProtoGrpcType as RibProto } from '../gen-grpc/jnx_routing_rib';
import type { ProtoGrpcType as ManagementProto } from '../gen-grpc/jnx_management';

export const PROTO_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** idl/ of the package, from dist/lib/grpc (built) or lib/grpc (ts-node). */
function idlDir(): string {
  for (const up of ['../../..', '../..']) {
    const dir = path.resolve(__dirname, up, 'idl');
    if (fs.existsSync(path.join(dir, 'jnx_routing_rib.proto'))) return dir;
  }
  throw new Error(`idl/jnx_routing_rib.proto not found above ${__dirname}: the package is incomplete`);
}

export type JetGrpc = AuthenticationProto & RoutingBaseProto & RibProto & ManagementProto;

let loaded: JetGrpc | null = null;

/** The service constructors and message types of jnx.jet (loaded once). */
export function jetGrpc(): JetGrpc {
  if (!loaded) {
    const dir = idlDir();
    const definition = protoLoader.loadSync(
      ['jnx_authentication.proto', 'jnx_routing_base.proto', 'jnx_routing_rib.proto', 'jnx_management.proto'],
      { ...PROTO_OPTIONS, includeDirs: [dir] },
    );
    loaded = grpc.loadPackageDefinition(definition) as unknown as JetGrpc;
  }
  return loaded;
}

/** The gRPC service paths, for logs and tests. */
export const SERVICES = {
  authentication: 'jnx.jet.authentication.Authentication',
  base: 'jnx.jet.routing.base.Base',
  rib: 'jnx.jet.routing.rib.Rib',
  management: 'jnx.jet.management.Management',
} as const;
