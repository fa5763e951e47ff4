/**
 * jet-threshold: per-key threshold state with three outputs: 1 = transition to rising (high),
 * 2 = transition to falling (low), 3 = no change (a repeated event, a sample that crossed nothing,
 * or a transition held by hold-down; msg.payload.reason says which). The logic is
 * lib/threshold/machine.ts; this file reads messages, keeps the state in context and owns the
 * hold-down timers.
 *
 * The state outlives the node: in its context (a persistent context store keeps it across restarts
 * of Node-RED) and, for this runtime, in a map by node id, because Node-RED deletes a stopped
 * node's context when no context store is configured (every full deploy, or a deploy that changes
 * the node). The map also keeps the messages of held transitions, which are sent when the time
 * left on their hold-down runs out; it forgets a node that is removed from the flows.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { Decision, DEFAULT_MAX_BYTES, sideOf, ThresholdMachine, ThresholdInput } from '../lib/threshold/machine';
import { thresholdKey } from '../lib/threshold/key';
import { thresholdConfig, ThresholdDef, ThresholdSettings } from '../lib/threshold/config';
import { StatusView } from '../lib/node-status';
import { clip, StatusWords, Translate } from './shared/status';
import { isPlainObject } from '../lib/flow-props';

const STATE_KEY = 'thresholdState';

export = function (RED: NodeAPI): void {
  /** The state of each threshold node (the machine's live JSON) while this runtime runs. */
  const stateAcrossDeploys = new Map<string, unknown>();
  /** The held messages of each threshold node, from its close to its next start. */
  const heldAcrossDeploys = new Map<string, Map<string, NodeMessage>>();

  function Threshold(this: Node, def: ThresholdDef & NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const words = new StatusWords(RED._ as Translate, 'jet-threshold');
    let cfg: ThresholdSettings;
    try {
      cfg = thresholdConfig(def);
    } catch (err) {
      node.error(`jet-threshold: ${(err as Error).message}; fix the node's properties`);
      node.status(words.status({ fill: 'red', shape: 'ring', code: 'invalidConfig', params: { message: (err as Error).message } }));
      // The state waits (in this runtime) for the properties to be fixed, unless the node goes.
      node.on('close', (removed: boolean, done: () => void) => {
        if (removed) {
          stateAcrossDeploys.delete(node.id);
          heldAcrossDeploys.delete(node.id);
        }
        done();
      });
      return;
    }
    const timers = new Map<string, NodeJS.Timeout>();
    const heldMessages = heldAcrossDeploys.get(node.id) ?? new Map<string, NodeMessage>();
    heldAcrossDeploys.delete(node.id);
    /** The last transition sent (its status text is built only when shown). */
    let last: { key: string; direction: string } | null = null;
    let warnedFull = false;
    const clearTimer = (key: string): void => {
      const t = timers.get(key);
      if (t) clearTimeout(t);
      timers.delete(key);
      heldMessages.delete(key);
    };

    const machine = new ThresholdMachine({ mode: cfg.mode, alarm: cfg.alarm, holdDownMs: cfg.holdDownMs, maxKeys: cfg.maxKeys }, (key, _state, cause) => {
      clearTimer(key);
      if (!warnedFull) {
        warnedFull = true;
        const bound = cause === 'bytes' ? `more than ${DEFAULT_MAX_BYTES / 1048576} MiB of state` : `more than ${cfg.maxKeys} keys (maxKeys)`;
        node.warn(
          `jet-threshold: ${bound}: forgetting the least recently seen, "${clip(key)}" first ` +
            '(and its held transition, if any); further keys are forgotten without a warning until the node restarts',
        );
      }
    });
    // The persistent context store's copy, else this runtime's (the memory store lost it at the stop).
    const stored = node.context().get(STATE_KEY);
    machine.load(stored !== undefined ? stored : stateAcrossDeploys.get(node.id));
    for (const key of [...heldMessages.keys()]) if (!machine.state(key)?.held) heldMessages.delete(key);

    // O(1): the machine's JSON is a live object, not a copy.
    const save = (): void => {
      const json = machine.toJSON();
      node.context().set(STATE_KEY, json);
      stateAcrossDeploys.set(node.id, json);
    };
    save();
    // Changes by messages and hold-downs are shown at most every STATUS_INTERVAL_MS.
    const view = new StatusView(
      () => {
        const summary = machine.summary();
        const { high, low } = summary;
        const parts = [words.text('counts', { high, low })];
        if (summary.held > 0) parts.push(words.text('held', { n: summary.held }));
        if (last) parts.push(words.text('last', { key: last.key, direction: last.direction }));
        // The whole line is clipped (a long key last): the counts stay readable.
        return { fill: high > 0 ? 'red' : 'green', shape: 'dot', text: clip(parts.join(' · ')) };
      },
      (st) => node.status(st),
    );
    const show = (): void => view.update();

    function annotate(msg: NodeMessage, key: string, d: Decision): NodeMessage {
      const s = machine.state(key);
      (msg as NodeMessage & { threshold: unknown }).threshold = {
        key,
        state: sideOf(s?.emitted ?? null),
        decision: d.kind,
        direction: d.kind === 'none' ? null : d.direction,
        value: d.value,
      };
      if (d.kind !== 'transition') {
        if (isPlainObject(msg.payload)) msg.payload.reason = d.reason;
        else msg.payload = { value: msg.payload, reason: d.reason };
      }
      return msg;
    }

    function emitTransition(msg: NodeMessage, key: string, d: Decision & { kind: 'transition' }, send: (m: Array<NodeMessage | null>) => void): void {
      last = { key, direction: d.direction };
      const out: Array<NodeMessage | null> = [null, null, null];
      out[d.output - 1] = annotate(msg, key, d);
      send(out);
    }

    function hold(key: string, until: number, msg: NodeMessage, clone = true): void {
      clearTimer(key);
      heldMessages.set(key, clone ? RED.util.cloneMessage(msg) : msg);
      const t = setTimeout(() => {
        timers.delete(key);
        const held = heldMessages.get(key);
        heldMessages.delete(key);
        const d = machine.expire(key, Date.now());
        if (d && d.kind === 'transition' && held) {
          save();
          emitTransition(held, key, d, (m) => node.send(m));
        }
        show();
      }, Math.max(0, until - Date.now()));
      timers.set(key, t);
    }

    // Transitions held when the node last stopped are still due, with the time left on their
    // hold-down: a timer each once all nodes run (flows:started; one whose hold-down expired
    // meanwhile is sent then), with the message held before a deploy, or after a restart of
    // Node-RED one rebuilt from the key.
    let restore: (() => void) | null = null;
    if (machine.summary().held > 0) {
      restore = (): void => {
        restore = null;
        for (const [key, state] of machine.entries()) {
          if (!state.held || timers.has(key)) continue;
          let msg = heldMessages.get(key);
          if (!msg) {
            msg = { payload: { direction: state.held.direction, restored: true } } as NodeMessage;
            RED.util.setMessageProperty(msg, cfg.key, key, true);
          }
          hold(key, state.held.until, msg, false);
        }
        show();
      };
      RED.events.once('flows:started', restore);
    } else {
      heldMessages.clear();
    }

    node.on('input', (msg: NodeMessage & { reset?: unknown }, send: (m: Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      const keyValue = RED.util.getMessageProperty(msg, cfg.key);
      // A key longer than MAX_KEY_LENGTH is kept shortened (its head and a hash), here as in the state.
      const key = thresholdKey(keyValue === undefined || keyValue === null ? '' : String(keyValue));
      if (msg.reset) {
        // No key (an Inject node's empty topic included): every key is forgotten.
        if (key === '') {
          for (const k of [...timers.keys()]) clearTimer(k);
          heldMessages.clear();
          machine.reset();
        } else {
          clearTimer(key);
          machine.reset(key);
        }
        save();
        last = null;
        show();
        done();
        return;
      }
      let input: ThresholdInput;
      if (cfg.mode === 'event') {
        const direction = isPlainObject(msg.payload) ? msg.payload.direction : undefined;
        if (direction !== 'rising' && direction !== 'falling') {
          done(new Error(`jet-threshold: msg.payload.direction must be "rising" or "falling" in event mode, got ${JSON.stringify(direction) ?? 'nothing'}`));
          return;
        }
        input = { direction };
      } else {
        const raw = RED.util.getMessageProperty(msg, cfg.property);
        const sample = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (!Number.isFinite(sample)) {
          done(new Error(`jet-threshold: msg.${cfg.property} must be a number in sample mode, got ${clip(JSON.stringify(raw) ?? 'nothing')}`));
          return;
        }
        input = { sample };
      }
      const d = machine.input(key, input, Date.now());
      save();
      if (d.kind === 'transition') {
        clearTimer(key);
        emitTransition(msg, key, d, send);
      } else {
        if (d.kind === 'held') hold(key, d.until, msg);
        else if (!machine.state(key)?.held) clearTimer(key);
        send([null, null, annotate(msg, key, d)]);
      }
      show();
      done();
    });

    node.on('close', (removed: boolean, done: () => void) => {
      view.close();
      if (restore) RED.events.off('flows:started', restore);
      restore = null;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      if (removed) {
        stateAcrossDeploys.delete(node.id);
        heldAcrossDeploys.delete(node.id);
      } else {
        stateAcrossDeploys.set(node.id, machine.toJSON());
        if (heldMessages.size > 0) heldAcrossDeploys.set(node.id, heldMessages);
      }
      done();
    });
    view.now();
  }

  RED.nodes.registerType('jet-threshold', Threshold as never);
};
