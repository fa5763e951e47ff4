/**
 * The JET management API (`jnx.jet.management.Management`, docs/protocol.md §6 "The management
 * API"): Junos operational commands and configuration loads, on the same gRPC session (port,
 * Login, `client-id` metadata) as the RIB API. A thin layer over the generated client: the caller
 * owns the session and passes the client, the metadata and the deadline of each call.
 *
 * - opCommand: OpCommandGet streams the output in several messages; their `data` is concatenated
 *   in order. A message whose status says failure ends the call (the stream is cancelled) with a
 *   {@link ManagementError} carrying the router's message; so does output beyond `maxChars`.
 * - configSet: ConfigSet of `text_config` (load type SET for `set`/`delete` lines), committed with
 *   a comment unless `commit: false` (then the change stays in the candidate configuration). A
 *   status other than success, or none, is a ManagementError with the router's message.
 * gRPC failures (deadline, unavailable, "Authorization failed") reject with grpc-js's ServiceError
 * as it is, for the session to classify like any other call's.
 *
 * The pieces (opCommandRequest, OpCommandOutput, configSetRequest, configSetResult) are what the
 * router session's management API (lib/grpc/session-management.ts) runs on its own wire, and
 * outputFormatOf / loadTypeOf are how the simulator reads the same requests.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ManagementClient } from '../gen-grpc/jnx/jet/management/Management';
import type { OpCommandGetRequest } from '../gen-grpc/jnx/jet/management/OpCommandGetRequest';
import type { OpCommandGetResponse__Output } from '../gen-grpc/jnx/jet/management/OpCommandGetResponse';
import type { ConfigSetRequest } from '../gen-grpc/jnx/jet/management/ConfigSetRequest';
import type { ConfigSetResponse__Output } from '../gen-grpc/jnx/jet/management/ConfigSetResponse';
import type { ConfigLoadType } from '../gen-grpc/jnx/jet/management/ConfigLoadType';
import type { OpCommandOutputFormat } from '../gen-grpc/jnx/jet/management/OpCommandOutputFormat';
import type { RpcStatus__Output } from '../gen-grpc/jnx/jet/common/RpcStatus';

import { ManagementRefusedError } from '../core/management-errors';
import type { OpCommand, OutputFormat } from '../core/management';

export type { ManagementClient };

export type { OpCommand, OutputFormat };
/** How ConfigSet loads `text_config`: `set` for set/delete lines; the others take curly-brace text. */
export type LoadType = 'set' | 'merge' | 'replace' | 'override' | 'update';

const FORMATS: Record<OutputFormat, OpCommandOutputFormat> = {
  json: 'OP_COMMAND_OUTPUT_JSON',
  xml: 'OP_COMMAND_OUTPUT_XML',
  cli: 'OP_COMMAND_OUTPUT_CLI',
};

const LOAD_TYPES: Record<LoadType, ConfigLoadType> = {
  set: 'CONFIG_LOAD_SET',
  merge: 'CONFIG_LOAD_MERGE',
  replace: 'CONFIG_LOAD_REPLACE',
  override: 'CONFIG_LOAD_OVERRIDE',
  update: 'CONFIG_LOAD_UPDATE',
};

const own = <K extends string>(table: Record<K, unknown>, key: unknown): key is K =>
  typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key);

/**
 * A request's `out_format` as this package names it; undefined for a value the proto does not name
 * (proto-loader gives enums as names, and a number only for an unnamed value). The simulator reads
 * requests with it.
 */
export function outputFormatOf(value: unknown): OutputFormat | undefined {
  return (Object.keys(FORMATS) as OutputFormat[]).find((k) => FORMATS[k] === value);
}

/** A request's `load_type` as this package names it, or undefined (as {@link outputFormatOf}). */
export function loadTypeOf(value: unknown): LoadType | undefined {
  return (Object.keys(LOAD_TYPES) as LoadType[]).find((k) => LOAD_TYPES[k] === value);
}

/** Output kept from one command at most (characters): a runaway answer fails instead of filling memory. */
export const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;

/** The router answered, and said the call failed (or answered nothing usable). */
export class ManagementError extends ManagementRefusedError {
  constructor(
    readonly rpc: 'OpCommandGet' | 'ConfigSet',
    /** The status code as received (FAILURE, a number the proto does not name), or NO_STATUS / TOO_LARGE. */
    readonly code: string | number,
    message: string,
  ) {
    super(rpc, message);
    this.name = 'ManagementError';
  }
}

function succeeded(status: RpcStatus__Output): boolean {
  return status.code === 'SUCCESS' || (status.code as unknown) === 0;
}

function statusError(rpc: ManagementError['rpc'], status: RpcStatus__Output, fallback = ''): ManagementError {
  const words = status.message.trim() || fallback.trim();
  return new ManagementError(rpc, status.code, words !== '' ? words : `${rpc} failed (status ${String(status.code)})`);
}

/** The OpCommandGet request for a command; throws a RangeError for an empty command or an unknown format. */
export function opCommandRequest(command: OpCommand, format: OutputFormat): OpCommandGetRequest {
  const text = 'cli' in command ? command.cli : command.xml;
  if (typeof text !== 'string' || text.trim() === '') throw new RangeError('an empty command');
  const out_format = own(FORMATS, format) ? FORMATS[format] : undefined;
  if (out_format === undefined) throw new RangeError(`unknown output format ${String(format)}`);
  return 'cli' in command ? { cli_command: text, out_format } : { xml_command: text, out_format };
}

/**
 * The output of one OpCommandGet as its messages arrive: add() takes each message's `data` in
 * order and throws a {@link ManagementError} for a message whose status is not success (the
 * router's words) or for output beyond `maxChars`; `text` is the whole output once the stream ended.
 */
export class OpCommandOutput {
  private readonly pieces: string[] = [];
  private size = 0;

  constructor(private readonly maxChars = MAX_OUTPUT_CHARS) {}

  add(message: OpCommandGetResponse__Output): void {
    const data = message.data ?? '';
    if (message.status && !succeeded(message.status)) throw statusError('OpCommandGet', message.status, data);
    this.size += data.length;
    if (this.size > this.maxChars) {
      throw new ManagementError('OpCommandGet', 'TOO_LARGE', `the output passed ${this.maxChars} characters; the rest was not read`);
    }
    this.pieces.push(data);
  }

  get text(): string {
    return this.pieces.join('');
  }
}

/**
 * Runs one operational command; resolves with the whole output (every message's `data`, in order).
 * Rejects with a ManagementError when a message's status is not success (the stream is cancelled
 * then) or the output passes `maxChars`, with a RangeError for an empty command, else with the
 * grpc ServiceError.
 */
export function opCommand(
  client: ManagementClient,
  command: OpCommand,
  format: OutputFormat,
  metadata: grpc.Metadata,
  deadline: grpc.Deadline,
  options: { maxChars?: number } = {},
): Promise<string> {
  let request: OpCommandGetRequest;
  try {
    request = opCommandRequest(command, format);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const output = new OpCommandOutput(options.maxChars);
  return new Promise<string>((resolve, reject) => {
    let call: grpc.ClientReadableStream<OpCommandGetResponse__Output>;
    try {
      call = client.OpCommandGet(request, metadata, { deadline });
    } catch (err) {
      reject(err as Error);
      return;
    }
    let settled = false;
    call.on('data', (message: OpCommandGetResponse__Output) => {
      if (settled) return;
      try {
        output.add(message);
      } catch (err) {
        settled = true;
        call.cancel();
        reject(err as Error);
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    call.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(output.text);
    });
  });
}

export interface ConfigSetOptions {
  /** Default 'set' (`set`/`delete` lines). */
  loadType?: LoadType;
  /** Default true; false leaves the change in the candidate configuration. */
  commit?: boolean;
  /** The commit's comment, shown in the router's commit history. */
  commitComment?: string;
}

/** The ConfigSet request for `text`; throws a RangeError for empty text or an unknown load type. */
export function configSetRequest(text: string, options: ConfigSetOptions): ConfigSetRequest {
  if (typeof text !== 'string' || text.trim() === '') throw new RangeError('no configuration to load');
  const loadType = options.loadType ?? 'set';
  const load_type = own(LOAD_TYPES, loadType) ? LOAD_TYPES[loadType] : undefined;
  if (load_type === undefined) throw new RangeError(`unknown load type ${String(options.loadType)}`);
  const request: ConfigSetRequest = { text_config: text, load_type };
  if (options.commit !== false) request.commit = { type: 'CONFIG_COMMIT', comment: options.commitComment ?? '' };
  return request;
}

/** ConfigSet's reply: the status message of a success ('' when none); throws a ManagementError otherwise. */
export function configSetResult(reply: ConfigSetResponse__Output | undefined): string {
  if (!reply || !reply.status) throw new ManagementError('ConfigSet', 'NO_STATUS', 'the router answered ConfigSet without a status');
  if (!succeeded(reply.status)) throw statusError('ConfigSet', reply.status);
  return reply.status.message.trim();
}

/**
 * Loads `text` and (unless `commit: false`) commits it. Resolves with the status message of a
 * successful reply ('' when the router says nothing); rejects with a ManagementError when the
 * status is not success or missing, with a RangeError for empty text, else with the ServiceError.
 */
export function configSet(
  client: ManagementClient,
  text: string,
  options: ConfigSetOptions,
  metadata: grpc.Metadata,
  deadline: grpc.Deadline,
): Promise<string> {
  let request: ConfigSetRequest;
  try {
    request = configSetRequest(text, options);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return new Promise<string>((resolve, reject) => {
    try {
      client.ConfigSet(request, metadata, { deadline }, (err: grpc.ServiceError | null, reply?: ConfigSetResponse__Output) => {
        if (err) reject(err);
        else {
          try {
            resolve(configSetResult(reply));
          } catch (e) {
            reject(e as Error);
          }
        }
      });
    } catch (err) {
      reject(err as Error);
    }
  });
}
