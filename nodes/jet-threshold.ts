/**
 * jet-threshold: per-key threshold state with three outputs: 1 = transition to rising (high),
 * 2 = transition to falling (low), 3 = no change (a repeated event, a sample that crossed nothing,
 * or a transition held by hold-down; msg.payload.reason says which). The logic is
 * lib/threshold/machine.ts; this file reads messages, keeps the state in context and owns the
 * hold-down timers.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { Decision, sideOf, ThresholdMachine, ThresholdInput } from '../lib/threshold/machine';
import { thresholdConfig, ThresholdDef, ThresholdSettings } from '../lib/threshold/config';
import { clip } from '../lib/node-status';
import { isPlainObject } from '../lib/routes/request';

const STATE_KEY = 'thresholdState';

export = function (RED: NodeAPI): void {
  function Threshold(this: Node, def: ThresholdDef & NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let cfg: ThresholdSettings;
    try {
      cfg = thresholdConfig(def);
    } catch (err) {
      node.error(`jet-threshold: ${(err as Error).message}; fix the node's properties`);
      node.status({ fill: 'red', shape: 'ring', text: clip((err as Error).message) });
      return;
    }
    const machine = new ThresholdMachine({ mode: cfg.mode, alarm: cfg.alarm, holdDownMs: cfg.holdDownMs });
    machine.load(node.context().get(STATE_KEY));
    const timers = new Map<string, NodeJS.Timeout>();
    const heldMessages = new Map<string, NodeMessage>();
    let last = '';

    const save = (): void => node.context().set(STATE_KEY, machine.toJSON());
    const show = (): void => {
      const { high, low } = machine.summary();
      const held = timers.size > 0 ? ` · ${timers.size} held` : '';
      node.status({ fill: high > 0 ? 'red' : 'green', shape: 'dot', text: clip(`high ${high} / low ${low}${held}${last ? ` · ${last}` : ''}`) });
    };
    const clearTimer = (key: string): void => {
      const t = timers.get(key);
      if (t) clearTimeout(t);
      timers.delete(key);
      heldMessages.delete(key);
    };

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
      last = clip(`${key} ${d.direction}`);
      const out: Array<NodeMessage | null> = [null, null, null];
      out[d.output - 1] = annotate(msg, key, d);
      send(out);
    }

    function hold(key: string, until: number, msg: NodeMessage): void {
      clearTimer(key);
      heldMessages.set(key, RED.util.cloneMessage(msg));
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

    // Transitions held when the node last stopped (state from a persistent context store) are
    // still due: their timers start again, with a message rebuilt from the key.
    for (const [key, state] of machine.entries()) {
      if (!state.held) continue;
      const msg = { payload: { direction: state.held.direction, restored: true } } as NodeMessage;
      RED.util.setMessageProperty(msg, cfg.key, key, true);
      hold(key, state.held.until, msg);
    }

    node.on('input', (msg: NodeMessage & { reset?: unknown }, send: (m: Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      const keyValue = RED.util.getMessageProperty(msg, cfg.key);
      const key = keyValue === undefined || keyValue === null ? '' : String(keyValue);
      if (msg.reset) {
        // No key (an Inject node's empty topic included): every key is forgotten.
        if (key === '') {
          for (const k of [...timers.keys()]) clearTimer(k);
          machine.reset();
        } else {
          clearTimer(key);
          machine.reset(key);
        }
        save();
        last = '';
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

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const k of [...timers.keys()]) clearTimer(k);
      done();
    });
    show();
  }

  RED.nodes.registerType('jet-threshold', Threshold as never);
};
