/**
 * The `validate` functions of the dialogs' `defaults`, made from the shared checks. A validator has
 * Node-RED's (value, opt) signature, so Node-RED 3.1+ shows the check's message next to the red
 * input; older editors get false (still red, no message).
 */
import { Check, CheckName, Checks } from './checks';
import { EditorNode, host } from './host';

/** What Node-RED calls: true when the value is fine, else the message (or false before 3.1). */
export type Validator = (this: EditorNode, value: unknown, opt?: unknown) => boolean | string;

/** Node-RED 3.1+ shows a validator's message; 3.0 treats any string as valid. */
export function messagesShown(): boolean {
  const m = /^(\d+)\.(\d+)/.exec(host().RED.settings?.version ?? '');
  return !m || Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 1);
}

function verdict(why: string | null): boolean | string {
  return why === null ? true : messagesShown() ? why : false;
}

/** A property's value: the dialog's input while the node's dialog is open, else the node's. */
export function current(node: EditorNode, name: string, prefix = 'node-input-'): unknown {
  const input = host().$(`#${prefix}${name}`);
  return input.length ? input.val() : node[name];
}

/** A `defaults[x].validate` from a check of one value. */
export function rule(fn: (this: EditorNode, value: unknown) => string | null): Validator {
  // Two parameters: Node-RED 3.1+ then shows a returned message.
  return function (this: EditorNode, v: unknown, _opt?: unknown) {
    return verdict(fn.call(this, v));
  };
}

export function createValidators(check: Checks) {
  /**
   * The verdict of check `name` on `value` as a validator returns it, with the current values of the
   * properties named in `cross` (a name or a list; the dialog's while it is open) as further arguments.
   */
  function validate(node: EditorNode, name: CheckName, value: unknown, cross?: string | string[]): boolean | string {
    const others = cross === undefined ? [] : ([] as string[]).concat(cross).map((field) => current(node, field));
    return verdict((check[name] as Check)(value, ...others));
  }

  /** The `validate` of a property checked by `name`, reading the properties `cross` too. */
  function validator(name: CheckName, cross?: string | string[]): Validator {
    // A misspelt name fails when the node type registers, not when a dialog first validates.
    if (typeof check[name] !== 'function') throw new Error(`JetEditor.validator: no check ${JSON.stringify(name)}`);
    return function (this: EditorNode, v: unknown, _opt?: unknown) {
      return validate(this, name, v, cross);
    };
  }

  return { validate, validator };
}
