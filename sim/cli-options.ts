/**
 * The simulator's command line as read (sim/cli.ts reads it; sim/fleet-cli.ts checks and runs its
 * fleet part): a module of its own so that the two depend on it, not on each other.
 */
import type { OtherRouteInput } from './other-routes';
import type { GrpcFaultSpec } from './grpc/faults';
import type { RmonAlarmSpec, RmonScriptStep } from './rmon';

export interface CliOptions {
  host: string;
  thriftPort: number;
  /** False: no Thrift server (--no-thrift). */
  thrift: boolean;
  grpcPort: number;
  /** False: no gRPC server (--no-grpc). */
  grpc: boolean;
  httpPort: number;
  mqttPort: number;
  mqttHost?: string;
  users: Record<string, string>;
  mqttUser?: { username: string; password: string };
  tlsKey?: string;
  tlsCert?: string;
  tlsCa?: string;
  grpcTlsKey?: string;
  grpcTlsCert?: string;
  grpcTlsCa?: string;
  /** ms per route of each route call's answer (0: at once). */
  routeDelayMs: number;
  /** gRPC purge time (s) of a client that set none. */
  purgeTimeS: number;
  /** gRPC: ms a vanished client's session keeps its client id. */
  grpcLingerMs: number;
  /** Routes of other protocols (--other-route). */
  otherRoutes: OtherRouteInput[];
  /** gRPC: faults in force from the start. */
  grpcFaults: GrpcFaultSpec[];
  /** gRPC: status name of a call without a login. */
  grpcUnauthStatus?: string;
  mqttTlsKey?: string;
  mqttTlsCert?: string;
  hostname: string;
  /** Undefined: the default alarm. */
  alarms?: RmonAlarmSpec[];
  /** ifIndex → initial rate, on top of the default interfaces. */
  rates: Record<number, number>;
  script: RmonScriptStep[];
  sampling: boolean;
  help: boolean;
  /** --routers: a fleet of this many routers (absent: one router). */
  routers?: number;
  /** --interfaces: watched interfaces per router (absent: --alarm's or the default alarm). */
  interfaces?: number;
}
