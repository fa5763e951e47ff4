/** Types shared by the node adapters. */
import type { Node, NodeDef } from 'node-red';
import type { JetRoutes } from '../../lib/core/route-client';
import type { JetApi, SessionStatus } from '../../lib/core/backend';
import type { Channel, HubUser, RouterHub } from '../../lib/core/hub';
import type { NotificationHandler } from '../../lib/core/notification-channel';
import type { RouterIdentity } from '../../lib/core/route-state';

export type { Channel };

/**
 * A node that uses a jet-router: it is told every change of the state of the channel it uses
 * (the request-response session, or the MQTT notification session).
 */
export interface RouterUser extends Node, HubUser {
  onRouterStatus(status: SessionStatus, channel: Channel): void;
}

export interface JetRouterCredentials {
  username?: string;
  password?: string;
  notificationUsername?: string;
  notificationPassword?: string;
}

export interface JetRouterDef extends NodeDef {
  /** 'grpc' or 'thrift'; absent in flows saved before gRPC existed: Thrift. */
  api?: string;
  host?: string;
  port?: number | string;
  clientId?: string;
  useTls?: boolean | string;
  tls?: string;
  requestTimeout?: number | string;
  queueLimit?: number | string;
  /** gRPC: seconds the router keeps this client's routes after the session ends; empty: the router's default. */
  purgeTime?: number | string;
  notificationHost?: string;
  notificationPort?: number | string;
  notificationTls?: boolean | string;
}

/** The jet-router config node as its users see it. */
export interface JetRouterNode extends Node<JetRouterCredentials> {
  readonly api: JetApi;
  /** The router its route state belongs to. */
  readonly identity: RouterIdentity;
  /** Its request-response TLS settings: TLS on or off, and the tls-config node's id (undefined: none picked). */
  readonly tlsSettings: { useTls: boolean; tls?: string };
  /**
   * The router's hub: its two channels (`rpc`, `notifications`: their state and sessions) and the
   * route client. Node code uses the members below; tests reach the channels here.
   */
  readonly hub: RouterHub;
  /** A route node: opens the request-response session with the first one. */
  register(user: RouterUser): void;
  /** An event node: subscribes `filter` (reference-counted); opens the MQTT session with the first one. */
  subscribe(user: RouterUser, filter: string, handler: NotificationHandler): void;
  /** Removes the user from both channels; closes a channel after its last user. */
  deregister(user: RouterUser, done: () => void): void;
  /**
   * Runs `run` once the route state is read from the context store (at once when it is; calls
   * made before run in their order), or calls `refuse` with the reason: too many calls wait
   * already (queueLimit), or the router stopped first.
   */
  whenStateLoaded(run: () => void, refuse: (why: string) => void): void;
  /** Name of the router for message topics when events carry no host name. */
  readonly routerName: string;
  /** The shared route client; exists while at least one user is registered (after the route state is read). */
  readonly routes: JetRoutes | null;
  /** Desired routes the router refused at the last replay after login (dropped). */
  readonly replayRefused: number;
}
