/**
 * jet-rmon-event: RMON threshold events from the router's notification stream. Subscribes through
 * its jet-router (shared MQTT session), parses each notification with lib/rmon/parser, filters it
 * and sends `msg.topic = <hostname>/<ifIndex>`, `msg.payload = the event`. A notification that claims
 * to be an RMON event (its topic or event-id) and does not parse is counted, shown in the status and
 * warned about at most once a minute; other notifications (a wildcard topic) are ignored; it never
 * throws.
 *
 * With `interface` (an IFL such as ge-0/0/0.0, or an IFD) the node also uses the router's
 * request-response session (gRPC only: the JET management API, docs/protocol.md §6): at every login it
 * looks up the interface's SNMP ifIndex and filters events by it; until then, or when the router
 * does not know the interface, no event passes. With `configureRmon` it makes the router's RMON
 * alarm and event its own settings, committing only a difference (lib/junos/rmon-binding.ts).
 *
 * Status: the notification connection's trouble first; then a subscription the broker refused (red,
 * with the broker's reason); then the interface and RMON set-up's problems (red) or the pending
 * lookup (yellow); then, after the session was down (broker restart, redeploy), a yellow
 * "events may have been missed" until the next event is sent, since the router does not repeat a
 * crossing; then the last event, or "listening".
 */
import type { NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { classifyRmonNotification, describeEvent, gistOf, type EventGist } from '../lib/rmon/parser';
import { describeFilter, matchesRmonFilter, parseRmonEventFilter, RmonEventFilter, rmonMessage } from '../lib/rmon/filter';
import { DEFAULT_RMON_TOPIC } from '../lib/core/defaults';
import { parseQos } from '../lib/mqtt/session';
import type { NotificationHandler, SubscriptionStatus } from '../lib/core/notification-channel';
import { validateTopicFilter } from '../lib/mqtt/topic';
import { API_LABEL, SessionStatus } from '../lib/core/backend';
import { NO_ROUTER, sessionStatus, NodeStatus, StatusCode, StatusView } from '../lib/node-status';
import { clip, MAX_TEXT, StatusWords, Translate } from './shared/status';
import type { JetRouterNode, RouterUser } from './shared/types';
import { readRmonNodeSettings, RmonBinding, RmonNodeSettings } from '../lib/junos/rmon-binding';
import { claimsFor } from '../lib/junos/rmon-claims';
import { AdminAnswer, rmonApply, rmonLookup } from '../lib/router/rmon-admin';
import type { ProbeContext } from '../lib/router/probe';
import { probeContext } from './shared/probe-context';

interface RmonEventDef extends NodeDef {
  router?: string;
  topic?: string;
  ifIndex?: string | number;
  alarmIndex?: string | number;
  eventIndex?: string | number;
  subtag?: string;
  direction?: string;
  /** An IFL (ge-0/0/0.0) or IFD whose SNMP ifIndex is looked up at every login (gRPC). */
  interface?: string;
  /** Make the router's RMON alarm and event these settings (gRPC): the builder's, with its defaults. */
  configureRmon?: boolean | string;
  variable?: string;
  interval?: string | number;
  sampleType?: string;
  rising?: string | number;
  falling?: string | number;
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

/** Admin apps the dialog's endpoints are registered on: once per runtime. */
const adminRegistered = new WeakSet<object>();

/**
 * POST /jet-rmon-event/lookup and /jet-rmon-event/apply (admin API, permission jet-router.write):
 * the dialog's Look up and Apply to router buttons, on a short-lived session of their own with the
 * deployed router's settings and stored credentials (lib/router/rmon-admin.ts). Bodies are never logged.
 */
function registerAdmin(RED: NodeAPI): void {
  const admin = RED.httpAdmin as unknown as object | undefined;
  if (!admin || adminRegistered.has(admin)) return;
  adminRegistered.add(admin);
  const routes: Array<[string, (body: unknown, ctx: ProbeContext) => Promise<AdminAnswer>]> = [
    ['/jet-rmon-event/lookup', rmonLookup],
    ['/jet-rmon-event/apply', rmonApply],
  ];
  for (const [path, handle] of routes) {
    RED.httpAdmin.post(path, RED.auth.needsPermission('jet-router.write'), (req, res) => {
      handle(req.body, probeContext(RED)).then(
        ({ status, body }) => res.status(status).json(body),
        (err: Error) => res.status(500).json({ ok: false, reason: 'other', message: err.message }),
      );
    });
  }
}

export = function (RED: NodeAPI): void {
  registerAdmin(RED);
  function RmonEvent(this: RouterUser, def: RmonEventDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const words = new StatusWords(RED._ as Translate, 'jet-rmon-event');
    const restarted = redeployed.delete(node.id);
    const router = def.router ? (RED.nodes.getNode(def.router) as JetRouterNode | null) : null;
    const topic = (def.topic ?? '').trim() || DEFAULT_RMON_TOPIC;
    const qos = parseQos(def.qos);
    let filter: RmonEventFilter;
    let settings: RmonNodeSettings;
    try {
      settings = readRmonNodeSettings(def);
      // With an interface, the ifIndex filter is the looked-up one (checked against the property).
      filter = parseRmonEventFilter(settings.interface !== '' ? { ...def, ifIndex: '' } : def);
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
    /** The request-response session (used only with an interface or configureRmon). */
    let rpc: SessionStatus = { state: 'idle', detail: '' };
    const usesRpc = settings.interface !== '' || settings.configure;
    const needsGrpc = usesRpc && router.api !== 'grpc';
    let binding: RmonBinding | null = null;
    let subscription: SubscriptionStatus | null = null;
    let received = 0;
    let unparsed = 0;
    let lastWarn = 0;
    /**
     * What the status shows of the last event sent on (its text is built only when shown): its
     * crossing, not the event, whose notification and payload would live until the next event.
     */
    let last: { topic: string; event: EventGist } | null = null;
    /** The notification session was connected once for this node, and has been down since. */
    let everConnected = false;
    let down = false;
    /** Events may have been lost (the session was down, or the subscription refused): until the next one is sent. */
    let missed = false;

    /** The filter in words: with an interface, `ge-0/0/0.0 → ifIndex 541` and the rest. */
    const filterText = (): string => {
      if (settings.interface === '') return describeFilter(filter);
      const rest = describeFilter({ ...filter, ifIndex: null });
      const head = `${settings.interface} → ifIndex ${binding?.ifIndex() ?? '?'}`;
      return rest === 'any' ? head : `${head} ${rest}`;
    };
    /** The interface and RMON set-up's status, when it has one to show before listening. */
    const setupStatus = (): StatusCode | null => {
      if (needsGrpc) return { fill: 'red', shape: 'ring', code: 'needsGrpc', params: { what: settings.interface || 'configureRmon', api: API_LABEL[router.api] } };
      if (!binding) return null;
      const problem = binding.problem();
      if (problem) return problem;
      if (!binding.blocked()) return null;
      // Waiting for the lookup: the router session's trouble says why it takes long.
      if (rpc.state === 'login-failed' || rpc.state === 'disconnected') return sessionStatus(rpc);
      return { fill: 'yellow', shape: 'ring', code: 'resolving', params: { interface: settings.interface } };
    };

    const render = (): NodeStatus => {
      let s: StatusCode;
      const tails: string[] = [];
      const setup = setupStatus();
      if (connection.state !== 'connected') s = sessionStatus(connection);
      else if (subscription?.state === 'refused') s = { fill: 'red', shape: 'ring', code: 'subscriptionRefused', params: { reason: subscription.reason } };
      else if (setup) s = setup;
      else if (missed) {
        s = { fill: 'yellow', shape: 'ring', code: 'listening', params: { filter: filterText() } };
        tails.push(words.text('missed'));
      } else if (last) s = { fill: 'green', shape: 'dot', code: 'event', params: { topic: last.topic, event: describeEvent(last.event) } };
      else s = { fill: 'green', shape: 'ring', code: 'listening', params: { filter: filterText() } };
      // The count is what this suffix is for: clip the text in front of the tails, never a tail.
      if (unparsed > 0) tails.push(words.text('unparsed', { n: unparsed }));
      const tail = tails.map((t) => ` · ${t}`).join('');
      const shown = words.status(s, Math.max(0, MAX_TEXT - tail.length));
      return { ...shown, text: `${shown.text ?? ''}${tail}` };
    };
    // What messages change is shown at most every STATUS_INTERVAL_MS; session changes at once.
    const view = new StatusView(render, (st) => node.status(st));
    const show = (): void => view.now();

    binding =
      usesRpc && !needsGrpc
        ? new RmonBinding({
            settings,
            id: node.id,
            label: String(def.name ?? '').trim() || node.id,
            management: () => router.hub.rpc.connection?.management,
            claims: claimsFor(router.hub),
            onChange: () => show(),
            log: (text) => node.log(text),
            warn: (text) => node.warn(text),
          })
        : null;

    node.onRouterStatus = (s: SessionStatus, channel): void => {
      if (channel === 'rpc') {
        const was = rpc.state;
        rpc = s;
        if (s.state === 'connected' && was !== 'connected') binding?.loggedIn();
        else if (s.state !== 'connected' && was === 'connected') binding?.loggedOut();
        show();
        return;
      }
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
      // An interface on a Thrift router cannot be resolved: nothing passes.
      if (needsGrpc && settings.interface !== '') return;
      if (binding) {
        if (binding.blocked()) return;
        filter.ifIndex = binding.ifIndex();
      }
      if (!matchesRmonFilter(event, filter)) return;
      const m = rmonMessage(event, router.routerName);
      last = { topic: m.topic, event: gistOf(event) };
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
    // The lookup and set-up run on the router's shared request-response session, at each login.
    if (binding) router.register(node);

    node.on('close', (removed: boolean, done: () => void) => {
      view.close();
      binding?.close();
      if (removed) redeployed.delete(node.id);
      else redeployed.add(node.id);
      router.deregister(node, done);
    });
  }

  RED.nodes.registerType('jet-rmon-event', RmonEvent as never);
};
