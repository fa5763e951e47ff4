/** Types shared by the node adapters. */
import type { Node, NodeDef } from 'node-red';
import type { JetRoutes } from '../../lib/jet/routes';
import type { SessionStatus } from '../../lib/jet/session';

/** A node that uses a jet-router: it is told every change of the connection state. */
export interface RouterUser extends Node {
  onRouterStatus(status: SessionStatus): void;
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
}

/** The jet-router config node as its users see it. */
export interface JetRouterNode extends Node<JetRouterCredentials> {
  register(user: RouterUser): void;
  deregister(user: RouterUser, done: () => void): void;
  /** The shared route client; exists while at least one user is registered. */
  readonly routes: JetRoutes | null;
  readonly connectionStatus: SessionStatus;
}

/** Flag from a checkbox: true, "true", "on", 1. */
export function toBool(value: unknown): boolean {
  return value === true || value === 'true' || value === 'on' || value === 1 || value === '1';
}
