/**
 * The JET management API as the nodes use it, whichever transport carries it (today only gRPC
 * `jnx.jet.management`: docs/protocol.md §6). A router session that offers it exposes it as
 * `RouteBackend.management`; on a Thrift router it is undefined.
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
   * Rejects with the router's own message when it refuses the load or the commit.
   */
  configure(text: string, comment: string): Promise<void>;
}
