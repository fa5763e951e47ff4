/**
 * The JET management API as the nodes use it, whichever transport carries it (today only gRPC
 * `jnx.jet.management`: docs/protocol.md §6). A router session that offers it exposes it as
 * `RouteBackend.management`; on a Thrift router it is undefined.
 *
 * How a call fails, for its caller to tell apart (the errors are lib/core/management-errors.ts):
 * - ManagementRefusedError: the router answered and refused (its own words);
 * - OutcomeUnknownError (a SessionError): a configuration load was written to the router
 *   and no answer came (connection lost, deadline passed, session closed): whether the router
 *   loaded and committed it is unknown. It is never sent again on its own: read the configuration
 *   back before loading it again;
 * - any other SessionError: no answer came (no session, queue full, login refused...); a load
 *   failing so was never written;
 * - anything else: the transport's error for a call the router answered in its own way (a gRPC
 *   status such as UNIMPLEMENTED), its message in words.
 */

/** An operational command: CLI text (`show interfaces ge-0/0/0.0`) or an XML RPC. */
export type OpCommand = { cli: string } | { xml: string };

/** What the router renders the output as: Junos JSON, XML, or the CLI's text. */
export type OutputFormat = 'json' | 'xml' | 'cli';

export interface ManagementApi {
  /**
   * Runs an operational command on the router's shared session (its queue, deadline and re-login)
   * and resolves with the whole output (the streamed pieces joined). Rejects with the router's own
   * message when it refuses the command, or with the session's reason when no answer came.
   */
  command(command: OpCommand, format: OutputFormat): Promise<string>;
  /**
   * Loads configuration text (`set` / `delete` lines, load type set) and commits it with `comment`.
   * Rejects with the router's own message when it refuses the load or the commit, and with an
   * OutcomeUnknownError when it was sent and no answer came.
   */
  configure(text: string, comment: string): Promise<void>;
}
