/**
 * The "Router configuration" section of the jet-router and jet-rmon-event dialogs: the Junos `set`
 * commands that lib/junos/config-commands.ts builds from the dialog's values, read-only, with a Copy
 * button, built again whenever an input changes. Nothing is sent anywhere.
 *
 * The dialog's template holds the section (`<id>-section`) and its body (`<id>`) with the body's own
 * rows (an introduction, the inputs that are not node properties); the panel renders the rest
 * itself: the rule and the toggle button above the body (`<id>-toggle`, `<id>-caret`), and at the
 * body's end the commands (`<id>-commands`), Copy (`<id>-copy`, `<id>-copied`) and the notes
 * (`<id>-notes`). Open or closed, and the values of the section's own inputs, are kept for the next
 * dialog of this editor.
 */
import * as junos from '../lib/junos/config-commands';
import { ConfigResult, Params } from '../lib/junos/config-commands';
import { host, JQ } from './host';

export type JunosBuilder = typeof junos;

export interface CommandPanelOptions {
  /** The prefix of the section's element ids. */
  id: string;
  /** Lines of the commands box. */
  rows?: number;
  /** A selector of the inputs the commands depend on. */
  inputs: string;
  /** {builder field: selector} of the inputs to mark red when the builder reports an error on that field. */
  fields?: Record<string, string>;
  /** {selector: default} of the section's own inputs (not node properties), whose values are kept for the next dialog. */
  remember?: Record<string, string | boolean>;
  /** The node's translation of `<node>.config.<key>`. */
  message(key: string, params?: Params): string;
  /** The builder's result for the dialog's current values. */
  build(builder: JunosBuilder): ConfigResult;
}

export interface CommandPanel {
  update(): void;
  result(): ConfigResult | null;
}

/** Kept across dialogs: which sections are open, the values of their own inputs by selector. */
const kept = { open: new Map<string, boolean>(), values: new Map<string, unknown>() };

function element(tag: string, classes?: string): JQ {
  return host().$(classes ? `<${tag} class="${classes}"></${tag}>` : `<${tag}></${tag}>`);
}

/** A button: an icon, a space, a label (as the templates write them). */
function button(id: string, classes: string, icon: JQ, label: string): JQ {
  return element('button', classes).attr('type', 'button').attr('id', id).append(icon, ' ', element('span').text(label));
}

/** The panel's own elements, rendered around the dialog's body. */
function render(opts: CommandPanelOptions) {
  const { $ } = host();
  const id = opts.id;
  const section = $(`#${id}-section`);
  const body = $(`#${id}`);
  const caret = element('i', 'fa fa-caret-right').attr('id', `${id}-caret`);
  const toggle = button(`${id}-toggle`, 'red-ui-button red-ui-button-small', caret, opts.message('title'))
    .attr('aria-controls', id)
    .attr('aria-expanded', 'false');
  section.prepend(element('hr'), element('div', 'form-row').append(toggle));
  const commands = element('textarea')
    .attr('id', `${id}-commands`)
    .attr('readonly', 'readonly')
    .attr('rows', String(opts.rows ?? 7))
    .attr('spellcheck', 'false')
    .attr('wrap', 'off')
    .attr('title', opts.message('commands'))
    .css('width', '100%')
    .css('font-family', 'monospace')
    .css('font-size', '12px')
    .css('resize', 'vertical')
    .css('color', 'var(--red-ui-primary-text-color, #555)');
  const copy = button(`${id}-copy`, 'red-ui-button', element('i', 'fa fa-clipboard'), opts.message('copy'));
  const copied = element('span').attr('id', `${id}-copied`).attr('aria-live', 'polite').css('margin-left', '8px');
  const notes = element('div', 'form-row').attr('id', `${id}-notes`).css('white-space', 'normal').css('overflow-wrap', 'anywhere');
  body.append(element('div', 'form-row').append(commands), element('div', 'form-row').append(copy, copied), notes);
  return { body, toggle, caret, commands, copy, copied, notes };
}

/** A note or error line under the commands. */
function line(kind: 'error' | 'note', text: string): JQ {
  const color = kind === 'error' ? 'var(--red-ui-text-color-error, #d6615f)' : 'var(--red-ui-secondary-text-color, #888)';
  const icon = element('i', 'fa').addClass(kind === 'error' ? 'fa-exclamation-triangle' : 'fa-info-circle');
  return element('div').css('color', color).append(icon, ' ', element('span').text(text));
}

function isCheckbox(input: JQ): boolean {
  return input.attr('type') === 'checkbox';
}

/** Renders the section of the open dialog and keeps its commands up to date. */
export function commandPanel(opts: CommandPanelOptions): CommandPanel {
  const { $ } = host();
  const id = opts.id;
  const remember = opts.remember ?? {};
  const fields = opts.fields ?? {};
  const ui = render(opts);
  let current: ConfigResult | null = null;

  function show(open: boolean): void {
    kept.open.set(id, open);
    ui.body.toggle(open);
    ui.caret.removeClass(open ? 'fa-caret-right' : 'fa-caret-down').addClass(open ? 'fa-caret-down' : 'fa-caret-right');
    ui.toggle.attr('aria-expanded', open ? 'true' : 'false');
  }

  function update(): void {
    for (const sel of Object.keys(remember)) {
      const input = $(sel);
      kept.values.set(sel, isCheckbox(input) ? input.is(':checked') : input.val());
    }
    ui.copied.text('');
    ui.notes.empty();
    const result = opts.build(junos);
    current = result;
    ui.commands.val(result.text);
    ui.copy.prop('disabled', result.errors.length > 0);
    for (const field of Object.keys(fields)) {
      $(fields[field]).toggleClass('input-error', result.errors.some((e) => e.field === field));
    }
    for (const e of result.errors) ui.notes.append(line('error', opts.message(`error.${e.code}`, e.params)));
    for (const n of result.notes) ui.notes.append(line('note', opts.message(`note.${n.code}`, n.params)));
  }

  function copy(): void {
    const result = current;
    if (!result || result.errors.length) return;
    const done = (ok: boolean): void => void ui.copied.text(opts.message(ok ? 'copied' : 'copyFailed'));
    const byHand = (): void => {
      // No clipboard API (a plain-http editor on another host is no secure context): the old way.
      let ok = false;
      try {
        ui.commands.trigger('focus').trigger('select');
        ok = !!host().document?.execCommand?.('copy');
      } catch {
        ok = false;
      }
      done(ok);
    };
    const clipboard = host().navigator?.clipboard;
    if (clipboard && typeof clipboard.writeText === 'function') clipboard.writeText(result.text).then(() => done(true), byHand);
    else byHand();
  }

  for (const sel of Object.keys(remember)) {
    const input = $(sel);
    const v = kept.values.has(sel) ? kept.values.get(sel) : remember[sel];
    if (isCheckbox(input)) input.prop('checked', !!v);
    else input.val(v);
  }
  ui.toggle.on('click', () => show(!kept.open.get(id)));
  ui.copy.on('click', copy);
  $(opts.inputs).on('input change', update);
  show(!!kept.open.get(id));
  update();
  return { update, result: () => current };
}
