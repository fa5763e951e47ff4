/** Types shared by the node adapters. */
import type { Node, NodeDef } from 'node-red';
import type { JetRoutes } from '../../lib/jet/routes';
import type { SessionStatus } from '../../lib/jet/session';

export type Channel = 'rpc' | 'notifications';

/**
 * A node that uses a jet-router: it is told every change of the state of the channel it uses
 * (the Thrift request-response session, or the MQTT notification session).
 */
export interface RouterUser extends Node {
  onRouterStatus(status: SessionStatus, channel: Channel): void;
}

export interface JetRouterCredentials {
  username?: string;
  password?: string;
  notificationUsername?: string;
  notificationPassword?: string;
}

export interface JetRouterDef extends NodeDef {
  host?: string;
  port?: number | string;
  clientId?: string;
  useTls?: boolean | string;
  tls?: string;
  requestTimeout?: number | string;
  queueLimit?: number | string;
  notificationHost?: string;
  notificationPort?: number | string;
  notificationTls?: boolean | string;
}

/** The jet-router config node as its users see it. */
export interface JetRouterNode extends Node<JetRouterCredentials> {
  /** A route node: opens the Thrift session with the first one. */
  register(user: RouterUser): void;
  /** An event node: subscribes `filter` (reference-counted); opens the MQTT session with the first one. */
  subscribe(user: RouterUser, filter: string, handler: (topic: string, payload: Buffer) => void): void;
  /** Removes the user from both channels; closes a channel after its last user. */
  deregister(user: RouterUser, done: () => void): void;
  /** Name of the router for message topics when events carry no host name. */
  readonly routerName: string;
  /** The shared route client; exists while at least one user is registered. */
  readonly routes: JetRoutes | null;
  readonly connectionStatus: SessionStatus;
}

/** Flag from a checkbox: true, "true", "on", 1. */
export { toBool } from '../../lib/routes/validate';
