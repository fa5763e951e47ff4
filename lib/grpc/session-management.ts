/**
 * The management API of a gRPC router session (`RouteBackend.management`, lib/core/management.ts;
 * `jnx.jet.management`, docs/protocol.md §6): OpCommandGet and ConfigSet on the session's own wire,
 * through its call runner (lib/core/rpc-session.ts `call`): in one queue with the route calls,
 * within the window and the deadline, with the session's `client-id` metadata, and on a logged-in
 * connection only. The requests and replies are lib/grpc/management.ts's.
 *
 * Each call is written once: when the connection drops before the answer, it is not sent again on
 * the next session (the session's `once`). For a command, the caller asks again when it needs to
 * (the nodes do after every login). For a ConfigSet it is the point: a load that reached the router
 * may have been loaded and committed, and sending it again would commit it twice (every commit
 * stays in the router's history). Such a ConfigSet fails with an {@link OutcomeUnknownError} (the
 * connection dropped, the deadline passed, the session was closed while it was out): the caller
 * reads the configuration back before it loads anything again.
 *
 * The one call sent a second time is one the router refused as not logged in ("Authorization
 * failed", gRPC UNAUTHENTICATED): it did nothing with it. The session logs in again and the call
 * goes once more on the new login, as the route calls do.
 */
import { NotLoggedInError, SessionError } from '../core/backend';
import type { CallRunner } from '../core/backend';
import type { ManagementApi, OpCommand, OutputFormat } from '../core/management';
import { ManagementRefusedError, OutcomeUnknownError } from '../core/management-errors';
import { configSetRequest, configSetResult, OpCommandOutput, opCommandRequest } from './management';
import type { GrpcWire } from './wire';
import type { ConfigSetRequest } from '../gen-grpc/jnx/jet/management/ConfigSetRequest';
import type { ConfigSetResponse__Output } from '../gen-grpc/jnx/jet/management/ConfigSetResponse';
import type { OpCommandGetRequest } from '../gen-grpc/jnx/jet/management/OpCommandGetRequest';
import type { OpCommandGetResponse__Output } from '../gen-grpc/jnx/jet/management/OpCommandGetResponse';

/** The backend's reading of a call's gRPC error (lib/grpc/backend.ts): not logged in, connection lost, timeout, or an answer. */
export type CallErrorOf = (method: string, err: Error, wire: GrpcWire) => Promise<Error>;

type Method = 'OpCommandGet' | 'ConfigSet';

export class GrpcManagement implements ManagementApi {
  constructor(
    private readonly run: CallRunner<GrpcWire>,
    private readonly callError: CallErrorOf,
  ) {}

  command(command: OpCommand, format: OutputFormat): Promise<string> {
    let request: OpCommandGetRequest;
    try {
      request = opCommandRequest(command, format);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.send('OpCommandGet', async (wire, deadlineMs) => {
      const output = new OpCommandOutput();
      await wire.stream<OpCommandGetResponse__Output>(
        (md, o) => wire.management.OpCommandGet(request, md, o),
        deadlineMs,
        (message) => output.add(message),
      );
      return output.text;
    });
  }

  async configure(text: string, comment: string): Promise<void> {
    const request: ConfigSetRequest = configSetRequest(text, { loadType: 'set', commit: true, commitComment: comment });
    await this.send('ConfigSet', async (wire, deadlineMs) => {
      const reply = await wire.unary<ConfigSetResponse__Output>((md, o, cb) => wire.management.ConfigSet(request, md, o, cb), deadlineMs);
      return configSetResult(reply);
    });
  }

  /**
   * Runs `fn` once on the session (twice when the router refused the first as not logged in). A
   * ConfigSet written to a connection that got no answer rejects with an OutcomeUnknownError.
   */
  private async send<T>(method: Method, fn: (wire: GrpcWire, deadlineMs: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let written = false;
      let notLoggedIn = false;
      try {
        return await this.run(
          method,
          async (wire, deadlineMs) => {
            written = true;
            try {
              return await fn(wire, deadlineMs);
            } catch (err) {
              // The router's refusal (its words) is an answer as it is; gRPC errors are read as the route calls' are.
              if (err instanceof ManagementRefusedError || err instanceof RangeError) throw err;
              const e = await this.callError(method, err as Error, wire);
              notLoggedIn = e instanceof NotLoggedInError;
              throw e;
            }
          },
          { once: true },
        );
      } catch (err) {
        if (notLoggedIn && attempt === 1) continue;
        // Written and unanswered: the router may have loaded and committed it.
        if (method === 'ConfigSet' && written && err instanceof SessionError) throw new OutcomeUnknownError(err);
        throw err;
      }
    }
  }
}
