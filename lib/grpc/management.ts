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

/** Output kept from one command at most (characters): a runaway answer fails instead of filling memory. */
export const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;

/** The router answered, and said the call failed (or answered nothing usable). */
export class ManagementError extends Error {
  constructor(
    readonly rpc: 'OpCommandGet' | 'ConfigSet',
    /** The status code as received (FAILURE, a number the proto does not name), or NO_STATUS / TOO_LARGE. */
    readonly code: string | number,
    message: string,
  ) {
    super(message);
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
  const text = 'cli' in command ? command.cli : command.xml;
  if (typeof text !== 'string' || text.trim() === '') return Promise.reject(new RangeError('an empty command'));
  const out_format = FORMATS[format];
  if (out_format === undefined) return Promise.reject(new RangeError(`unknown output format ${String(format)}`));
  const request: OpCommandGetRequest = 'cli' in command ? { cli_command: text, out_format } : { xml_command: text, out_format };
  const maxChars = options.maxChars ?? MAX_OUTPUT_CHARS;
  return new Promise<string>((resolve, reject) => {
    let call: grpc.ClientReadableStream<OpCommandGetResponse__Output>;
    try {
      call = client.OpCommandGet(request, metadata, { deadline });
    } catch (err) {
      reject(err as Error);
      return;
    }
    const pieces: string[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error): void => {
      settled = true;
      call.cancel();
      reject(err);
    };
    call.on('data', (message: OpCommandGetResponse__Output) => {
      if (settled) return;
      const data = message.data ?? '';
      if (message.status && !succeeded(message.status)) {
        fail(statusError('OpCommandGet', message.status, data));
        return;
      }
      size += data.length;
      if (size > maxChars) {
        fail(new ManagementError('OpCommandGet', 'TOO_LARGE', `the output passed ${maxChars} characters; the rest was not read`));
        return;
      }
      pieces.push(data);
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    call.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(pieces.join(''));
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
  if (typeof text !== 'string' || text.trim() === '') return Promise.reject(new RangeError('no configuration to load'));
  const load_type = LOAD_TYPES[options.loadType ?? 'set'];
  if (load_type === undefined) return Promise.reject(new RangeError(`unknown load type ${String(options.loadType)}`));
  const request: ConfigSetRequest = { text_config: text, load_type };
  if (options.commit !== false) request.commit = { type: 'CONFIG_COMMIT', comment: options.commitComment ?? '' };
  return new Promise<string>((resolve, reject) => {
    try {
      client.ConfigSet(request, metadata, { deadline }, (err: grpc.ServiceError | null, reply?: ConfigSetResponse__Output) => {
        if (err) reject(err);
        else if (!reply || !reply.status) reject(new ManagementError('ConfigSet', 'NO_STATUS', 'the router answered ConfigSet without a status'));
        else if (!succeeded(reply.status)) reject(statusError('ConfigSet', reply.status));
        else resolve(reply.status.message.trim());
      });
    } catch (err) {
      reject(err as Error);
    }
  });
}
