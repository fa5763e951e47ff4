/**
 * What the editor code uses of the page it runs in: Node-RED's `RED`, its jQuery `$`, and a few
 * browser globals, declared here as small interfaces (only the calls made) rather than with
 * @types/jquery or the DOM library. Everything is read from the global object when a function
 * runs, never when the script loads: the bundle loads before any dialog exists, and in a sandbox
 * with nothing but a `window`.
 */

/** The npm package: Node-RED serves its resources/ under this name, its catalogs under `<name>/<node>`. */
export const PACKAGE = '@jetflows/node-red-junos-jet';

export type Params = Record<string, unknown>;
/** A message catalog lookup: the text of `key` with `__name__` placeholders filled from `params`. */
export type Translate = (key: string, params?: Params) => string;

type Handler = (this: unknown, ...args: unknown[]) => unknown;

/** The jQuery calls this code makes, on a selection of zero or more elements. */
export interface JQ {
  readonly length: number;
  val(): unknown;
  val(value: unknown): JQ;
  attr(name: string): string | undefined;
  attr(name: string, value: string): JQ;
  prop(name: string): unknown;
  prop(name: string, value: unknown): JQ;
  is(selector: string): boolean;
  toggle(show: boolean): JQ;
  on(events: string, handler: Handler): JQ;
  trigger(event: string): JQ;
  text(): string;
  text(value: string): JQ;
  empty(): JQ;
  css(name: string, value: string): JQ;
  addClass(names: string): JQ;
  removeClass(names: string): JQ;
  toggleClass(names: string, on: boolean): JQ;
  append(...content: Array<JQ | string>): JQ;
  prepend(...content: Array<JQ | string>): JQ;
}

export interface AjaxSettings {
  url: string;
  type: string;
  contentType?: string;
  data?: string;
  dataType?: string;
  timeout?: number;
}

export interface AjaxFailure {
  status?: number;
  responseJSON?: unknown;
}

/** jqXHR as far as it is used: callbacks chained. */
export interface AjaxRequest {
  done(fn: (body: unknown) => void): AjaxRequest;
  fail(fn: (xhr: AjaxFailure, status: string, error: string) => void): AjaxRequest;
  always(fn: () => void): AjaxRequest;
}

export interface JQueryStatic {
  (selector: string | unknown): JQ;
  ajax(settings: AjaxSettings): AjaxRequest;
}

/** A node (or config node) as the editor holds it: its properties by name. */
export type EditorNode = Record<string, unknown>;

export interface Red {
  _: Translate;
  settings?: { version?: string };
  utils?: { validatePropertyExpression?: (expression: string) => boolean };
  nodes: { node?: (id: string) => EditorNode | null | undefined };
}

export interface Host {
  RED: Red;
  $: JQueryStatic;
  location?: { hostname?: string };
  navigator?: { clipboard?: { writeText?: (text: string) => Promise<void> } };
  document?: { execCommand?: (command: string) => boolean };
}

/** The page's globals, at the time of the call. */
export function host(): Host {
  return globalThis as unknown as Host;
}

/** RED._ in a node's catalog: `catalog('jet-router')('jet-router.validation.required')`. */
export function catalog(node: string): Translate {
  return (key, params) => host().RED._(`${PACKAGE}/${node}:${key}`, params);
}
