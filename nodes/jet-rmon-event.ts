/**
 * jet-rmon-event: RMON threshold events from the router's notification stream. Subscribes through
 * its jet-router (shared MQTT session), parses each notification with lib/rmon/parser, filters it
 * and sends `msg.topic = <hostname>/<ifIndex>`, `msg.payload = the event`. A notification that claims
 * to be an RMON event (its topic or event-id) and does not parse is counted, shown in the status and
 * warned about at most once a minute; other notifications (a wildcard topic) are ignored; it never
 * throws.
 *
 * Status: the notification connection's trouble first; then a subscription the broker refused (red,
 * with the broker's reason); then, after the session was down (broker restart, redeploy), a yellow
 * "events may have been missed" until the next event is sent, since the router does not repeat a
 * crossing; then the last event, or "listening".
 */
import type { NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { classifyRmonNotification, describeEvent, type RmonEvent as RmonEventData } from '../lib/rmon/parser';
import { describeFilter, matchesRmonFilter, parseRmonEventFilter, RmonEventFilter, rmonMessage } from '../lib/rmon/filter';
import { DEFAULT_RMON_TOPIC } from '../lib/core/defaults';
import { parseQos } from '../lib/mqtt/session';
import type { NotificationHandler, SubscriptionStatus } from '../lib/core/notification-channel';
import { validateTopicFilter } from '../lib/mqtt/topic';
import type { SessionStatus } from '../lib/core/backend';
import { NO_ROUTER, sessionStatus, NodeStatus, StatusCode, StatusView } from '../lib/node-status';
import { clip, MAX_TEXT, StatusWords, Translate } from './shared/status';
import type { JetRouterNode, RouterUser } from './shared/types';

interface RmonEventDef extends NodeDef {
  router?: string;
  topic?: string;
  ifIndex?: string | number;
  alarmIndex?: string | number;
  eventIndex?: string | number;
  subtag?: string;
  direction?: string;
  /** MQTT QoS of the subscription: 0, 1 or 2 (1 or "1"); missing (a flow saved before it existed) or anything else: 1. */
  qos?: string | number;
}

const WARN_INTERVAL_MS = 60000;

/**
 * Ids of event nodes stopped by a deploy (not removed): the node that replaces one starts after a
 * gap in which events were lost, unlike a node deployed for the first time or after a restart of
 * Node-RED (where the module, and this set, are new).
 */
const redeployed = new Set<string>();

export = function (RED: NodeAPI): void {
  function RmonEvent(this: RouterUser, def: RmonEventDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const words = new StatusWords(RED._ as Translate, 'jet-rmon-event');
    const restarted = redeployed.delete(node.id);
    const router = def.router ? (RED.nodes.getNode(def.router) as JetRouterNode | null) : null;
    const topic = (def.topic ?? '').trim() || DEFAULT_RMON_TOPIC;
    const qos = parseQos(def.qos);
    let filter: RmonEventFilter;
    try {
      filter = parseRmonEventFilter(def);
      const bad = validateTopicFilter(topic);
      if (bad) throw new Error(`topic: ${bad}`);
    } catch (err) {
      node.error(`jet-rmon-event: ${(err as Error).message}; fix the node's properties`);
      node.status(words.status({ fill: 'red', shape: 'ring', code: 'invalidConfig', params: { message: (err as Error).message } }));
      return;
    }
    if (!router) {
      node.status(words.status(NO_ROUTER));
      return;
    }

    let connection: SessionStatus = { state: 'idle', detail: '' };
    let subscription: SubscriptionStatus | null = null;
    let received = 0;
    let unparsed = 0;
    let lastWarn = 0;
    /** The last event sent on (its status text is built only when shown). */
    let last: { topic: string; event: RmonEventData } | null = null;
    /** The notification session was connected once for this node, and has been down since. */
    let everConnected = false;
    let down = false;
    /** Events may have been lost (the session was down, or the subscription refused): until the next one is sent. */
    let missed = false;

    const render = (): NodeStatus => {
      let s: StatusCode;
      const tails: string[] = [];
      if (connection.state !== 'connected') s = sessionStatus(connection);
      else if (subscription?.state === 'refused') s = { fill: 'red', shape: 'ring', code: 'subscriptionRefused', params: { reason: subscription.reason } };
      else if (missed) {
        s = { fill: 'yellow', shape: 'ring', code: 'listening', params: { filter: describeFilter(filter) } };
        tails.push(words.text('missed'));
      } else if (last) s = { fill: 'green', shape: 'dot', code: 'event', params: { topic: last.topic, event: describeEvent(last.event) } };
      else s = { fill: 'green', shape: 'ring', code: 'listening', params: { filter: describeFilter(filter) } };
      // The count is what this suffix is for: clip the text in front of the tails, never a tail.
      if (unparsed > 0) tails.push(words.text('unparsed', { n: unparsed }));
      const tail = tails.map((t) => ` · ${t}`).join('');
      const shown = words.status(s, Math.max(0, MAX_TEXT - tail.length));
      return { ...shown, text: `${shown.text ?? ''}${tail}` };
    };
    // What messages change is shown at most every STATUS_INTERVAL_MS; session changes at once.
    const view = new StatusView(render, (st) => node.status(st));
    const show = (): void => view.now();

    node.onRouterStatus = (s: SessionStatus, channel): void => {
      if (channel !== 'notifications') return;
      connection = s;
      if (s.state === 'connected') {
        // Not on the first connect of a node deployed for the first time: nothing was missed yet.
        if (down || (!everConnected && restarted)) missed = true;
        everConnected = true;
        down = false;
      } else if (everConnected && s.state !== 'idle' && s.state !== 'closed') {
        down = true;
        subscription = null;
      }
      show();
    };

    const onMessage = (mqttTopic: string, payload: Buffer): void => {
      const c = classifyRmonNotification(mqttTopic, payload);
      // Another kind of notification on a wildcard topic: not ours, and not a fault.
      if (c.kind === 'other') return;
      received++;
      if (c.kind === 'unparsed') {
        unparsed++;
        const now = Date.now();
        if (now - lastWarn >= WARN_INTERVAL_MS) {
          lastWarn = now;
          node.warn(`ignored a notification on ${clip(mqttTopic)}: ${c.reason} (${unparsed} of ${received} RMON notifications unparsed so far)`);
        }
        view.update();
        return;
      }
      const event = c.event;
      if (!matchesRmonFilter(event, filter)) return;
      const m = rmonMessage(event, router.routerName);
      last = { topic: m.topic, event };
      missed = false;
      view.update();
      node.send({ topic: m.topic, payload: m.payload } as NodeMessage);
    };
    // The broker's answer to this filter's subscription, on every connect. Carried by the handler
    // so that it reaches the session through the jet-router node, which passes the handler on.
    // It carries the QoS asked for too: the session subscribes the filter at the highest one asked.
    const handler: NotificationHandler = Object.assign(onMessage, {
      qos,
      onSubscription: (st: SubscriptionStatus): void => {
        if (st.filter !== topic) return;
        // Refused, then granted: what was published meanwhile never came.
        if (subscription?.state === 'refused' && st.state === 'subscribed') missed = true;
        subscription = st;
        show();
      },
    });

    router.subscribe(node, topic, handler);

    node.on('close', (removed: boolean, done: () => void) => {
      view.close();
      if (removed) redeployed.delete(node.id);
      else redeployed.add(node.id);
      router.deregister(node, done);
    });
  }

  RED.nodes.registerType('jet-rmon-event', RmonEvent as never);
};
