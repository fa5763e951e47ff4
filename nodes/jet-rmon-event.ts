/**
 * jet-rmon-event: RMON threshold events from the router's notification stream. Subscribes through
 * its jet-router (shared MQTT session), parses each notification with lib/rmon/parser, filters it
 * and sends `msg.topic = <hostname>/<ifIndex>`, `msg.payload = the event`. What does not parse is
 * counted, shown in the status and warned about at most once a minute; it never throws.
 */
import type { NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { parseRmonNotification, describeEvent } from '../lib/rmon/parser';
import { describeFilter, matchesRmonFilter, parseRmonEventFilter, RmonEventFilter, rmonMessage } from '../lib/rmon/filter';
import { DEFAULT_RMON_TOPIC } from '../lib/jet/notifications';
import { validateTopicFilter } from '../lib/mqtt/topic';
import type { SessionStatus } from '../lib/jet/session';
import { clip, MAX_TEXT, sessionStatus, NodeStatus } from '../lib/node-status';
import type { JetRouterNode, RouterUser } from './shared/types';

interface RmonEventDef extends NodeDef {
  router?: string;
  topic?: string;
  ifIndex?: string | number;
  alarmIndex?: string | number;
  eventIndex?: string | number;
  subtag?: string;
  direction?: string;
}

const WARN_INTERVAL_MS = 60000;

export = function (RED: NodeAPI): void {
  function RmonEvent(this: RouterUser, def: RmonEventDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const router = def.router ? (RED.nodes.getNode(def.router) as JetRouterNode | null) : null;
    const topic = (def.topic ?? '').trim() || DEFAULT_RMON_TOPIC;
    let filter: RmonEventFilter;
    try {
      filter = parseRmonEventFilter(def);
      const bad = validateTopicFilter(topic);
      if (bad) throw new Error(`topic: ${bad}`);
    } catch (err) {
      node.error(`jet-rmon-event: ${(err as Error).message}; fix the node's properties`);
      node.status({ fill: 'red', shape: 'ring', text: clip((err as Error).message) });
      return;
    }
    if (!router) {
      node.status({ fill: 'red', shape: 'ring', text: 'no jet-router configured' });
      return;
    }

    let connection: SessionStatus = { state: 'idle', detail: '' };
    let received = 0;
    let unparsed = 0;
    let lastWarn = 0;
    let last: string | null = null;

    const show = (): void => {
      let s: NodeStatus;
      if (connection.state !== 'connected') s = sessionStatus(connection);
      else if (last) s = { fill: 'green', shape: 'dot', text: last };
      else s = { fill: 'green', shape: 'ring', text: clip(`listening: ${describeFilter(filter)}`) };
      if (unparsed > 0) {
        // The count is what this suffix is for: clip the text in front of it, never the count.
        const tail = ` · ${unparsed} unparsed`;
        s = { ...s, text: `${clip(s.text ?? '', MAX_TEXT - tail.length)}${tail}` };
      }
      node.status(s);
    };

    node.onRouterStatus = (s: SessionStatus, channel): void => {
      if (channel !== 'notifications') return;
      connection = s;
      show();
    };

    router.subscribe(node, topic, (mqttTopic: string, payload: Buffer) => {
      received++;
      const parsed = parseRmonNotification(payload);
      if (!parsed.ok) {
        unparsed++;
        const now = Date.now();
        if (now - lastWarn >= WARN_INTERVAL_MS) {
          lastWarn = now;
          node.warn(`ignored a notification on ${clip(mqttTopic)}: ${parsed.reason} (${unparsed} of ${received} unparsed so far)`);
        }
        show();
        return;
      }
      const event = parsed.event;
      if (!matchesRmonFilter(event, filter)) return;
      const m = rmonMessage(event, router.routerName);
      last = clip(`${m.topic} ${describeEvent(event)}`);
      show();
      node.send({ topic: m.topic, payload: m.payload } as NodeMessage);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      router.deregister(node, done);
    });
  }

  RED.nodes.registerType('jet-rmon-event', RmonEvent as never);
};
