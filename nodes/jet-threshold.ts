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
 *
 * The context is read and written with the callback form, which every context store answers
 * (lib/core/stored-state.ts): messages that come before the state is read wait for it, in order
 * (at most STATE_MAX_WAITING), and saves go in the background, coalesced.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { Decision, DEFAULT_MAX_BYTES, sideOf, ThresholdMachine, ThresholdInput } from '../lib/threshold/machine';
import { thresholdKey } from '../lib/threshold/key';
import { thresholdConfig, ThresholdDef, ThresholdSettings } from '../lib/threshold/config';
import { StatusView } from '../lib/node-status';
import { clip, StatusWords, Translate } from './shared/status';
import { isPlainObject } from '../lib/flow-props';
import { StoredState } from '../lib/core/stored-state';
import { DEFAULT_CLOSE_BOUND_MS } from '../lib/core/defaults';

const STATE_KEY = 'thresholdState';

export = function (RED: NodeAPI): void {
  /** The state of each threshold node (the machine's live JSON) while this runtime runs. */
  const stateAcrossDeploys = new Map<string, unknown>();
  /** The held messages of each threshold node, from its close to its next start. */
  const heldAcrossDeploys = new Map<string, Map<string, NodeMessage>>();
  /** Nodes waiting for the flows to start, on one listener (not one per node: RED.events warns past 10). */
  const startWaiters = new Set<() => void>();
  const flowsStarted = (): void => {
    const waiting = [...startWaiters];
    startWaiters.clear();
    for (const fn of waiting) fn();
  };
  function afterFlowsStart(fn: () => void): void {
    if (startWaiters.size === 0) RED.events.once('flows:started', flowsStarted);
    startWaiters.add(fn);
  }
  function cancelAfterFlowsStart(fn: () => void): void {
    if (startWaiters.delete(fn) && startWaiters.size === 0) RED.events.off('flows:started', flowsStarted);
  }

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
    const stored = new StoredState({
      store: node.context(),
      key: STATE_KEY,
      what: 'threshold state',
      warn: (text) => node.warn(`jet-threshold: ${text}`),
      log: (text) => node.log(text),
    });

    // O(1): the machine's JSON is a live object, not a copy.
    const save = (): void => {
      const json = machine.toJSON();
      stored.save(json);
      stateAcrossDeploys.set(node.id, json);
    };
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
    // hold-down: a timer each once all nodes run (flows:started, or when the state is read if that
    // is later; one whose hold-down expired meanwhile is sent then), with the message held before a
    // deploy, or after a restart of Node-RED one rebuilt from the key.
    let restore: (() => void) | null = null;
    let started = false;
    const onFlowsStarted = (): void => {
      started = true;
      restore?.();
    };
    afterFlowsStart(onFlowsStarted);

    stored.load((value) => {
      // The persistent context store's copy, else this runtime's (the memory store lost it at the stop).
      machine.load(value !== undefined ? value : stateAcrossDeploys.get(node.id));
      for (const key of [...heldMessages.keys()]) if (!machine.state(key)?.held) heldMessages.delete(key);
      save();
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
        if (started) restore();
      } else {
        heldMessages.clear();
      }
      view.now();
    });

    node.on('input', (msg: NodeMessage & { reset?: unknown }, send: (m: Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      stored.whenLoaded(
        () => onInput(msg, send, done),
        (why) => done(new Error(`jet-threshold: ${why}; the message was not processed`)),
      );
    });

    function onInput(msg: NodeMessage & { reset?: unknown }, send: (m: Array<NodeMessage | null>) => void, done: (err?: Error) => void): void {
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
    }

    node.on('close', (removed: boolean, done: () => void) => {
      view.close();
      cancelAfterFlowsStart(onFlowsStarted);
      restore = null;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      if (removed) {
        stateAcrossDeploys.delete(node.id);
        heldAcrossDeploys.delete(node.id);
      } else {
        // Not read yet: this runtime's copy (if any) stays as it was.
        if (stored.isLoaded) stateAcrossDeploys.set(node.id, machine.toJSON());
        if (heldMessages.size > 0) heldAcrossDeploys.set(node.id, heldMessages);
      }
      stored.flush(DEFAULT_CLOSE_BOUND_MS).then(() => {
        stored.close();
        done();
      });
    });
    view.now();
  }

  RED.nodes.registerType('jet-threshold', Threshold as never);
};
