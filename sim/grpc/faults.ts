/**
 * Answers the simulated router's gRPC server can be told to give instead of its own (tests, the
 * CLI's --grpc-fault, POST /grpc/faults): chosen calls, by method, fail with a gRPC status (the
 * whole call: RESOURCE_EXHAUSTED, INTERNAL, ...) or answer with a sub-code (the request's first
 * route stops with it: TRY_AGAIN, NOT_INITIALIZED, ...), for a number of calls or for a time.
 * A router does both under load or while its rpd restarts (docs/protocol.md §6).
 *
 * Login is never faulted here (a refused login is the users' business: --user).
 */
import * as grpc from '@grpc/grpc-js';

/** What to answer, and for which calls. */
export interface GrpcFaultSpec {
  /** Method names separated by `|` ('RouteAdd|RouteUpdate'), or '*': every call but Login. */
  method: string;
  /** A gRPC status name the call fails with, e.g. 'RESOURCE_EXHAUSTED' ... */
  status?: string;
  /** ... or a sub-code name the reply carries, e.g. 'TRY_AGAIN' (status FAILURE, operations_completed 0). */
  subCode?: string;
  /** The error's details or the reply's message (default: "simulated <name>"). */
  details?: string;
  /** How many calls to answer so (default 1 without `forMs`; unlimited with it). */
  count?: number;
  /** Answer so for this long from now (ms). */
  forMs?: number;
}

/** A fault in force, as listed. */
export interface GrpcFaultInfo {
  method: string;
  status?: string;
  subCode?: string;
  details: string;
  /** Calls it may still answer (null: unlimited until `until`). */
  left: number | null;
  /** Date.now() when it ends (null: when its count is used up). */
  until: number | null;
}

/** What one faulted call answers: a gRPC error, or a reply carrying a sub-code. */
export type GrpcFaultAnswer = { error: grpc.StatusObject } | { subCode: string; message: string };

/** A gRPC status code by its name (RangeError for an unknown one, or OK). */
export function statusCode(name: string): grpc.status {
  const code = (grpc.status as unknown as Record<string, unknown>)[name.toUpperCase()];
  if (typeof code !== 'number' || name.toUpperCase() === 'OK') throw new RangeError(`unknown gRPC status ${JSON.stringify(name)} (e.g. RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE)`);
  return code;
}

/** A status name given to option `flag`, upper case; an Error naming the flag when it is no status. */
export function statusName(flag: string, name: string): string {
  try {
    statusCode(name);
  } catch (err) {
    throw new Error(`${flag}: ${(err as Error).message}`);
  }
  return name.toUpperCase();
}

const METHOD = /^(\*|[A-Za-z]+(\|[A-Za-z]+)*)$/;

/** A spec checked (RangeError naming the problem) and as it will be listed. */
export function checkFault(spec: GrpcFaultSpec, now = Date.now()): GrpcFaultInfo {
  if (typeof spec.method !== 'string' || !METHOD.test(spec.method)) throw new RangeError('fault: method must be a method name, names joined by |, or *');
  if ((spec.status === undefined) === (spec.subCode === undefined)) throw new RangeError('fault: give a status or a subCode (one of them)');
  if (spec.status !== undefined) statusCode(String(spec.status));
  if (spec.subCode !== undefined && !/^[A-Z_]+$/.test(String(spec.subCode))) throw new RangeError(`fault: subCode ${JSON.stringify(spec.subCode)} is not a sub-code name`);
  for (const k of ['count', 'forMs'] as const) {
    const v = spec[k];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new RangeError(`fault: ${k} must be a whole number ≥ 1`);
  }
  const name = spec.status?.toUpperCase() ?? String(spec.subCode);
  return {
    method: spec.method,
    status: spec.status?.toUpperCase(),
    subCode: spec.subCode,
    details: spec.details ?? `simulated ${name}`,
    left: spec.count ?? (spec.forMs === undefined ? 1 : null),
    until: spec.forMs === undefined ? null : now + spec.forMs,
  };
}

export class GrpcFaults {
  private faults: GrpcFaultInfo[] = [];

  /** Adds a fault (after those in force: the first that matches a call answers it). Throws a RangeError on a bad spec. */
  add(spec: GrpcFaultSpec): GrpcFaultInfo {
    const fault = checkFault(spec);
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  /** The faults still in force. */
  list(): GrpcFaultInfo[] {
    this.prune(Date.now());
    return this.faults.map((f) => ({ ...f }));
  }

  /** What a `method` call answers now instead of the server's own answer (and one use of that fault), or null. */
  take(method: string): GrpcFaultAnswer | null {
    if (this.faults.length === 0 || method === 'Login') return null;
    const now = Date.now();
    this.prune(now);
    const fault = this.faults.find((f) => f.method === '*' || f.method.split('|').includes(method));
    if (!fault) return null;
    if (fault.left !== null) fault.left--;
    this.prune(now);
    if (fault.status !== undefined) return { error: { code: statusCode(fault.status), details: fault.details, metadata: new grpc.Metadata() } };
    return { subCode: fault.subCode!, message: fault.details };
  }

  private prune(now: number): void {
    this.faults = this.faults.filter((f) => (f.left === null || f.left > 0) && (f.until === null || f.until > now));
  }
}

/**
 * A --grpc-fault SPEC: comma-separated key=value pairs, keys method, status or sub-code, details,
 * count, for (ms): e.g. `method=RouteUpdate,status=RESOURCE_EXHAUSTED,count=1` or
 * `method=RouteAdd|RouteUpdate,sub-code=TRY_AGAIN,for=5000`. Throws an Error naming the problem.
 */
export function parseFault(value: string): GrpcFaultSpec {
  const spec: Partial<GrpcFaultSpec> = {};
  for (const pair of value.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`--grpc-fault: expected key=value, got ${pair}`);
    const key = pair.slice(0, i).trim().toLowerCase();
    const v = pair.slice(i + 1).trim();
    const whole = (): number => {
      if (!/^\d+$/.test(v)) throw new Error(`--grpc-fault: ${key} must be a whole number, got ${v}`);
      return Number(v);
    };
    if (key === 'method') spec.method = v;
    else if (key === 'status') spec.status = v;
    else if (key === 'sub-code' || key === 'subcode' || key === 'sub_code') spec.subCode = v.toUpperCase();
    else if (key === 'details') spec.details = v;
    else if (key === 'count') spec.count = whole();
    else if (key === 'for') spec.forMs = whole();
    else throw new Error(`--grpc-fault: unknown key ${key}`);
  }
  try {
    checkFault(spec as GrpcFaultSpec);
  } catch (err) {
    throw new Error(`--grpc-fault: ${(err as Error).message.replace(/^fault: /, '')}`);
  }
  return spec as GrpcFaultSpec;
}
