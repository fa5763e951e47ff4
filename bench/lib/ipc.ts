/** The messages between the bench and its child processes (baselines, publisher, router), over IPC. */

/** Bench → baseline-node / baseline-grpc: add n host routes <octet>.x.y.z/32 from `start`, one at a time (seq) or all at once (pipe). */
export interface ThroughputQuestion {
  cmd: 'throughput';
  mode: 'seq' | 'pipe';
  n: number;
  start: number;
  octet: number;
}

/** baseline-node's answer: the RouteAdd time and the err codes (route count per code). */
export interface ThriftThroughputAnswer {
  elapsedMs: number;
  statuses: Record<string, number>;
}

/** baseline-grpc's answer: RouteAdd and RouteDelete times apart, requests, sub codes (route count per code). */
export interface GrpcThroughputAnswer {
  elapsedMs: number;
  deleteMs: number;
  requests: number;
  statuses: Record<string, number>;
  deleteStatuses: Record<string, number>;
  error?: string;
}

/** Bench → publisher-proc: n events on `topic` at `rate` per second (see publisher-proc.ts for `cycle`). */
export interface PublishQuestion {
  cmd: 'publish';
  topic: string;
  first: number;
  n: number;
  rate: number;
  cycle: { base: number; K: number } | null;
}

/** publisher-proc's answer: [ifIndex, hrtime ms of publish()] per event, and the publishing time. */
export interface PublishAnswer {
  sent: Array<[number, number]>;
  seconds: number;
}

/** router-proc → bench once listening. */
export interface RouterReady {
  ready: true;
  thriftPort: number;
  grpcPort: number;
}

/** router-proc → bench: RIB changes [prefix, hrtime ms, op (add, modify, delete, purge)], batched per event-loop turn. */
export interface RibChanges {
  c: Array<[string, number, string?]>;
}

/** Bench → router-proc: {cmd: 'rib'}; its answer: the number of routes in the RIB. */
export interface RibSize {
  rib: number;
}
