/**
 * A dialog button that asks the runtime something through an admin endpoint and shows the answer
 * beside it: a spinner while it runs, then a check or a warning sign and the answer's words (the
 * runtime answers `{ok, message, ...}`; its refusals, 401/403 and network failures in words too).
 * Used by the jet-rmon-event dialog's Look up and Apply to router buttons.
 */
import { host, JQ } from './host';

export interface AdminCallOptions {
  /** The endpoint, relative to the editor (`jet-rmon-event/lookup`). */
  url: string;
  body: unknown;
  /** Disabled while the call runs. */
  button: JQ;
  /** Where the answer is shown. */
  result: JQ;
  /** Shown while the call runs. */
  running: string;
  words: {
    /** An answer without a message. */
    noAnswer: string;
    /** 401 / 403: the user may not write to the router. */
    denied: string;
    /** Any other failure of the call itself. */
    error(reason: string): string;
  };
  /** Timeout of the HTTP call (ms). */
  timeoutMs?: number;
  /** Called with the runtime's answer (ok or not) once it is shown. */
  done?(answer: Record<string, unknown>): void;
}

/** Shows an outcome in `result`: a check and green text, or a warning sign and red text. */
export function showOutcome(result: JQ, ok: boolean, text: string): void {
  const { $ } = host();
  result
    .empty()
    .css('color', ok ? 'var(--red-ui-text-color-success, #3a9b3a)' : 'var(--red-ui-text-color-error, #d6615f)')
    .append($('<i class="fa"></i>').addClass(ok ? 'fa-check' : 'fa-exclamation-triangle'), ' ', $('<span></span>').text(text));
}

export function adminCall(o: AdminCallOptions): void {
  const { $ } = host();
  o.button.prop('disabled', true);
  o.result.empty().css('color', '').append($('<i class="fa fa-spinner fa-spin"></i>'), ' ', $('<span></span>').text(o.running));
  const finish = (answer: Record<string, unknown>): void => {
    showOutcome(o.result, answer.ok === true, typeof answer.message === 'string' && answer.message !== '' ? answer.message : o.words.noAnswer);
    o.done?.(answer);
  };
  $.ajax({ url: o.url, type: 'POST', contentType: 'application/json', data: JSON.stringify(o.body), dataType: 'json', timeout: o.timeoutMs ?? 90000 })
    .done((body) => finish(typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}))
    .fail((xhr, status, error) => {
      const r = xhr.responseJSON as Record<string, unknown> | undefined;
      if (r && typeof r.message === 'string') finish({ ...r, ok: false });
      else if (xhr.status === 401 || xhr.status === 403) finish({ ok: false, message: o.words.denied });
      else finish({ ok: false, message: o.words.error(String(error || status || xhr.status)) });
    })
    .always(() => void o.button.prop('disabled', false));
}

/**
 * The router node a dialog's Router select points at, as the runtime's endpoints read it (never
 * its credentials: the runtime sends the deployed router's own, to its deployed settings only).
 */
export function routerSettings(id: unknown): Record<string, unknown> | null {
  const node = typeof id === 'string' && id !== '' && id !== '_ADD_' ? host().RED.nodes.node?.(id) : null;
  if (!node) return null;
  const pick = (k: string): unknown => (node[k] === undefined || node[k] === null ? '' : node[k]);
  const useTls = node.useTls === true || node.useTls === 'true';
  return {
    id,
    api: pick('api'),
    host: String(pick('host')).trim(),
    port: String(pick('port')).trim(),
    useTls,
    tls: useTls ? pick('tls') : '',
    requestTimeout: String(pick('requestTimeout')).trim(),
    clientId: String(pick('clientId')).trim(),
  };
}
