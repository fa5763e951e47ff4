/**
 * The simulated router's `jnx.jet.management.Management` service (docs/protocol.md §6) on its gRPC
 * port: the management model of sim/management (interfaces, `show` commands in Junos's shapes, the
 * `snmp rmon` configuration with commits) behind the same login as the RIB API. Requests are read
 * with lib/grpc/management.ts, the client's own names for formats and load types.
 *
 * - A call whose connection has no logged-in session for its `client-id` fails with
 *   UNAUTHENTICATED "Authorization failed", as a RIB call does (RouteInitialize is not needed).
 * - OpCommandGet streams the output in several messages (sim/management/render.ts chunks), each
 *   with status SUCCESS; a command the router refuses (an unknown interface, a command the
 *   simulator does not answer) is one message with status FAILURE and the router's words.
 * - ConfigSet loads `text_config` with its load type into the candidate and, with `commit`,
 *   commits it under the session's user; the reply's status is FAILURE with the router's words
 *   for what it refuses (syntax, a load type that does not fit the text, the commit check, a
 *   locked configuration), SUCCESS with its warnings otherwise. Commits reach the RMON engine
 *   through the model's 'commit' event (sim/index.ts).
 * Management calls do not wait in a session's RIB queue and take no route delay: on Junos they
 * go to another daemon than the RIB calls.
 */
import * as grpc from '@grpc/grpc-js';
import { loadTypeOf, outputFormatOf } from '../../lib/grpc/management';
import { AUTHORIZATION_FAILED } from '../../lib/grpc/protocol';
import type { ManagementHandlers } from '../../lib/gen-grpc/jnx/jet/management/Management';
import type { ConfigSetRequest__Output } from '../../lib/gen-grpc/jnx/jet/management/ConfigSetRequest';
import type { OpCommandGetRequest__Output } from '../../lib/gen-grpc/jnx/jet/management/OpCommandGetRequest';
import type { ConfigSetInput, ConfigSetReply, ManagementModel, OpReply } from '../management';
import type { GrpcCalls } from './handlers';

/** What the management calls need of the server. */
export interface ManagementCallContext {
  /** The session of a call (counted, logged as refused when there is none): GrpcCalls.authorize. */
  authorize: GrpcCalls['authorize'];
  model: ManagementModel;
  log(line: string): void;
}

const status = (ok: boolean, message: string): { code: 'SUCCESS' | 'FAILURE'; message: string } => ({ code: ok ? 'SUCCESS' : 'FAILURE', message });

/** One line for the log: a command or configuration without its line breaks, bounded. */
function short(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 119)}…` : one;
}

/** The OpCommandGet request as the model's command, or the router's words for a request it cannot run. */
function opRequest(req: OpCommandGetRequest__Output): { command: { cli: string } | { xml: string }; format: 'json' | 'xml' | 'cli' } | { refused: string } {
  const format = outputFormatOf(req.out_format);
  if (!format) return { refused: `error: unknown out_format ${String(req.out_format)}` };
  if (req.command === 'cli_command') return { command: { cli: req.cli_command ?? '' }, format };
  if (req.command === 'xml_command') return { command: { xml: req.xml_command ?? '' }, format };
  return { refused: 'error: no command (cli_command or xml_command) in the request' };
}

/** The ConfigSet request as the model's input, or the router's words for a request it cannot load. */
function setRequest(req: ConfigSetRequest__Output, user: string): ConfigSetInput | { refused: string } {
  const loadType = loadTypeOf(req.load_type);
  if (!loadType) return { refused: `error: unknown load_type ${String(req.load_type)}` };
  const commit = req.commit ? { comment: req.commit.comment ?? '' } : null;
  if (req.config === 'text_config') return { text: req.text_config ?? '', format: 'text', loadType, commit, user };
  if (req.config === 'xml_config') return { text: req.xml_config ?? '', format: 'xml', loadType, commit, user };
  if (req.config === 'json_config') return { text: req.json_config ?? '', format: 'json', loadType, commit, user };
  return { refused: 'error: no configuration (text_config, xml_config or json_config) in the request' };
}

export function managementHandlers(ctx: ManagementCallContext): ManagementHandlers {
  return {
    OpCommandGet: (call) => {
      const session = ctx.authorize('OpCommandGet', call);
      if (!session) {
        call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: AUTHORIZATION_FAILED });
        return;
      }
      const req = opRequest(call.request);
      const reply: OpReply = 'refused' in req ? { ok: false, message: req.refused } : ctx.model.opCommand(req.command, req.format);
      const what = 'refused' in req ? '(no command)' : `${'cli' in req.command ? req.command.cli : short(req.command.xml)} (${req.format})`;
      if (!reply.ok) {
        ctx.log(`grpc: session ${session.id}: OpCommandGet ${what} refused: ${reply.message}`);
        call.write({ status: status(false, reply.message), data: '' });
        call.end();
        return;
      }
      ctx.log(`grpc: session ${session.id}: OpCommandGet ${what}: ${reply.chunks.length} message(s)`);
      for (const data of reply.chunks) {
        if (call.cancelled) return;
        call.write({ status: status(true, ''), data });
      }
      call.end();
    },
    ConfigSet: (call, callback) => {
      const session = ctx.authorize('ConfigSet', call);
      if (!session) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: AUTHORIZATION_FAILED });
        return;
      }
      const req = setRequest(call.request, session.user);
      const reply: ConfigSetReply = 'refused' in req ? { ok: false, message: req.refused } : ctx.model.configSet(req);
      if (!reply.ok) {
        ctx.log(`grpc: session ${session.id}: ConfigSet refused: ${short(reply.message)}`);
        callback(null, { status: status(false, reply.message) });
        return;
      }
      const committed = reply.commit ? `, commit ${reply.commit.sequence} (${JSON.stringify(reply.commit.comment)})` : ', not committed';
      ctx.log(`grpc: session ${session.id}: ConfigSet loaded${committed}${reply.warnings.length ? `; ${reply.warnings.join('; ')}` : ''}`);
      callback(null, { status: status(true, reply.warnings.join('\n')) });
    },
  };
}
