/** jet-route-delete: deletes static routes through the JET route API (RouteDelete). */
import type { NodeAPI } from 'node-red';
import { registerRouteNode } from './shared/route-node';

export = function (RED: NodeAPI): void {
  registerRouteNode(RED, 'jet-route-delete', 'delete');
};
