/** jet-route-add: adds static routes through the JET route API (RouteAdd), optionally reading them back. */
import type { NodeAPI } from 'node-red';
import { registerRouteNode } from './shared/route-node';

export = function (RED: NodeAPI): void {
  registerRouteNode(RED, 'jet-route-add', 'add');
};
