/**
 * The one place that turns connection state and outcomes into Node-RED node status
 * ({fill, shape, text}). Pure: the nodes only pass what they know.
 */
import type { SessionStatus } from './jet/backend';

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export const MAX_TEXT = 64;

export function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

export function sessionStatus(s: SessionStatus): NodeStatus {
  switch (s.state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: clip(`connected ${s.detail}`) };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: clip(`connecting ${s.detail}`) };
    case 'login-failed':
      return { fill: 'red', shape: 'ring', text: clip(s.detail || 'login failed') };
    case 'disconnected':
      return { fill: 'red', shape: 'ring', text: clip(`disconnected: ${s.detail}`) };
    case 'closed':
    case 'idle':
    default:
      return {};
  }
}

/**
 * What a node that also reports its own outcomes shows: problems with the connection win; when
 * connected, its last outcome (if any) stands.
 */
export function combinedStatus(connection: SessionStatus, last: NodeStatus | null): NodeStatus {
  if (connection.state === 'connected' && last) return last;
  return sessionStatus(connection);
}
