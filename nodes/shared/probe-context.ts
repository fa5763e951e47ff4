/**
 * What the admin endpoints that log in to a router from the editor (jet-router's Test connection,
 * jet-rmon-event's Look up and Apply to router: lib/router/probe.ts, lib/router/rmon-admin.ts) need
 * from the Node-RED runtime: the deployed jet-router's stored credentials and the settings they
 * belong to, a tls-config node's options, the default client id. One implementation for all of them.
 */
import * as os from 'os';
import type { NodeAPI } from 'node-red';
import type { ConnectionOptions } from 'tls';
import { defaultClientId } from '../../lib/core/client-id';
import type { ProbeContext } from '../../lib/router/probe';
import type { JetRouterNode } from './types';

export interface TlsConfigNode {
  addTLSOptions(opts: Record<string, unknown>): void;
}

/**
 * What tells this Node-RED instance from another on the same host: its user directory (two
 * instances never share one). Not the port: a restart on another port must keep the client id,
 * which owns the routes on a gRPC router.
 */
export function instanceKey(RED: NodeAPI): string {
  return String((RED.settings as unknown as { userDir?: string }).userDir ?? '');
}

export function probeContext(RED: NodeAPI): ProbeContext {
  return {
    storedCredentials: (id) => {
      const deployed = RED.nodes.getNode(id) as unknown as (JetRouterNode & { type: string }) | null;
      if (!deployed || deployed.type !== 'jet-router') return null;
      const creds = (RED.nodes.getCredentials(id) ?? {}) as { username?: string; password?: string };
      return { username: creds.username, password: creds.password, ...deployed.identity, ...deployed.tlsSettings };
    },
    tlsOptions: (id) => {
      const tlsNode = RED.nodes.getNode(id) as unknown as (TlsConfigNode & { type?: string }) | null;
      if (!tlsNode) return `the TLS config node ${id} is not deployed yet: deploy it, then test again`;
      if (typeof tlsNode.addTLSOptions !== 'function') return `node ${id} is not a TLS config node`;
      const opts: Record<string, unknown> = {};
      tlsNode.addTLSOptions(opts);
      return opts as ConnectionOptions;
    },
    defaultClientId: (id) => defaultClientId(os.hostname(), instanceKey(RED), id ?? 'test'),
  };
}
