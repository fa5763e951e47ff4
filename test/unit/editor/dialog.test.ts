/**
 * The jet-router and jet-route-add dialogs without a browser: their editor scripts run in a
 * sandbox with a small stand-in for jQuery over the elements of their templates, and Node-RED's
 * own steps around a dialog are replayed as red.js (4.1) does them: importNodes (with and without
 * applyNodeDefaults), "Add new jet-router…" (only truthy defaults copied), populate the inputs,
 * oneditprepare, oneditsave, read the inputs back. What is checked: the API a node ends up with
 * (a new one gRPC, a saved one without `api` Thrift, also after a save), the port placeholder
 * following the API, the purge time shown and checked for gRPC only, the Test connection body
 * carrying `api` and the runtime's answers shown as they are, the metric hint of route add; the
 * "Router configuration" sections of the jet-router and jet-rmon-event dialogs (rendered by the
 * editor bundle's command panel): the Junos commands built from the node's settings as they change,
 * errors and notes in words, Copy.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { apiOf } from '../../../lib/core/backend';
import { DEFAULT_PORTS } from '../../../lib/core/defaults';
import { parseProbeRequest } from '../../../lib/router/probe';
import { rmonConfig, routerConfig } from '../../../lib/junos/config-commands';
import { ROOT } from '../../support/paths';
import { loadBundle } from '../../support/editor-bundle';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };

type Catalog = Record<string, unknown>;
type Handler = (this: El, ...args: unknown[]) => unknown;

/** One element of a template: what the dialog scripts read and write. */
class El {
  readonly length = 1;
  readonly attrs: Record<string, string> = {};
  readonly handlers: Record<string, Handler[]> = {};
  readonly children: El[] = [];
  readonly options: string[] = [];
  readonly classes = new Set<string>();
  value: string | null = '';
  checked = false;
  disabled = false;
  shown = true;
  content = '';
  style: Record<string, string> = {};
  constructor(
    readonly tag: string,
    readonly id = '',
  ) {}
  val(): string | null;
  val(v: unknown): El;
  val(v?: unknown): string | null | El {
    if (arguments.length === 0) return this.value;
    const text = v === undefined || v === null ? '' : String(v);
    // A <select> given a value none of its options has selects nothing: val() is then null.
    this.value = this.tag === 'select' && !this.options.includes(text) ? null : text;
    return this;
  }
  attr(name: string): string | undefined;
  attr(name: string, v: unknown): El;
  attr(name: string, v?: unknown): string | undefined | El {
    if (arguments.length === 1) return this.attrs[name];
    this.attrs[name] = String(v);
    return this;
  }
  prop(name: string, v?: unknown): unknown {
    const key = name === 'checked' ? 'checked' : 'disabled';
    if (arguments.length === 1) return this[key];
    this[key] = !!v;
    return this;
  }
  is(what: string): boolean {
    assert.equal(what, ':checked');
    return this.checked;
  }
  toggle(show: boolean): El {
    this.shown = !!show;
    return this;
  }
  on(events: string, fn: Handler): El {
    for (const e of events.split(/\s+/)) (this.handlers[e] ??= []).push(fn);
    return this;
  }
  trigger(event: string): El {
    for (const fn of this.handlers[event] ?? []) fn.call(this, { type: event });
    return this;
  }
  text(): string;
  text(t: unknown): El;
  text(t?: unknown): string | El {
    if (arguments.length === 0) return this.content + this.children.map((c) => c.text()).join('');
    this.content = String(t);
    this.children.length = 0;
    return this;
  }
  empty(): El {
    this.content = '';
    this.children.length = 0;
    return this;
  }
  css(name: string, v: string): El {
    this.style[name] = v;
    return this;
  }
  addClass(c: string): El {
    for (const x of c.split(/\s+/)) this.classes.add(x);
    return this;
  }
  removeClass(c: string): El {
    for (const x of c.split(/\s+/)) this.classes.delete(x);
    return this;
  }
  toggleClass(c: string, on: boolean): El {
    return on ? this.addClass(c) : this.removeClass(c);
  }
  hasClass(c: string): boolean {
    return this.classes.has(c);
  }
  append(...items: Array<El | string>): El {
    for (const item of items) {
      if (typeof item === 'string') {
        const t = new El('#text');
        t.content = item;
        this.children.push(t);
      } else {
        this.children.push(item);
      }
    }
    return this;
  }
  prepend(...items: Array<El | string>): El {
    const before = this.children.splice(0);
    this.append(...items);
    this.children.push(...before);
    return this;
  }
  /** This element or one inside it (appended by a script) with this id. */
  find(id: string): El | undefined {
    if ((this.attrs.id ?? this.id) === id) return this;
    for (const child of this.children) {
      const found = child.find(id);
      if (found) return found;
    }
    return undefined;
  }
}

/** A few elements selected at once ('#a, #b'): the calls go to each. */
function group(els: El[]): unknown {
  return new Proxy(
    { length: els.length },
    {
      get(target, key) {
        if (key === 'length') return els.length;
        return (...args: unknown[]) => {
          let first: unknown;
          els.forEach((el, i) => {
            const r = (el as unknown as Record<string, (...a: unknown[]) => unknown>)[key as string](...args);
            if (i === 0) first = r;
          });
          return els.length === 1 ? first : group(els);
        };
      },
    },
  );
}

interface Ajax {
  url: string;
  type: string;
  data: string;
  answer(ok: boolean, body: unknown, status?: number): void;
}

/** The elements of a node's template (every id="…"), with the selects' options and the placeholders. */
function parseTemplate(html: string): Map<string, El> {
  const template = html.slice(html.indexOf('data-template-name'));
  const els = new Map<string, El>();
  for (const m of template.matchAll(/<(\w+)([^>]*?)\bid="([^"]+)"([^>]*)>/g)) {
    const el = new El(m[1].toLowerCase(), m[3]);
    const attrs = m[2] + m[4];
    const ph = /\splaceholder="([^"]*)"/.exec(attrs);
    if (ph) el.attrs.placeholder = ph[1];
    if (/type="checkbox"/.test(attrs)) el.attrs.type = 'checkbox';
    if (el.tag === 'select') {
      const body = template.slice(m.index! + m[0].length, template.indexOf('</select>', m.index));
      for (const o of body.matchAll(/<option value="([^"]*)"/g)) el.options.push(o[1]);
      el.value = el.options[0] ?? null;
    }
    els.set(el.id, el);
  }
  return els;
}

interface NodeDef {
  defaults: Record<string, { value?: unknown; validate?: (this: Record<string, unknown>, v: unknown, opt: unknown) => unknown }>;
  credentials?: Record<string, { type: string }>;
  label: (this: Record<string, unknown>) => string;
  oneditprepare: (this: Record<string, unknown>) => void;
  oneditsave?: (this: Record<string, unknown>) => void;
  _: (key: string, opts?: Record<string, unknown>) => string;
}

function lookup(catalog: Catalog | undefined, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Catalog)[k] : undefined), catalog);
}

const EDITORS = ['jet-router', 'jet-route-add', 'jet-rmon-event'];

/**
 * The editor bundle (resources/jet-editor.js), then jet-router.html, jet-route-add.html and
 * jet-rmon-event.html in one sandbox, as the build ships them (dist/nodes); `dom` is what `$('#id')`
 * finds, with what the scripts rendered into it (empty: no dialog open). The editor was reached at
 * http://192.0.2.10:1880/; the clipboard records what it got.
 */
function loadEditor() {
  const catalogs: Record<string, Catalog> = {};
  for (const base of EDITORS) {
    catalogs[`${pkg.name}/${base}`] = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', `${base}.json`), 'utf8'));
  }
  const translate = (ns: string | null, key: string, opts: Record<string, unknown> = {}): string => {
    const i = key.indexOf(':');
    const [n, k] = i >= 0 ? [key.slice(0, i), key.slice(i + 1)] : [ns ?? '', key];
    const text = lookup(catalogs[n], k);
    if (typeof text !== 'string') return key;
    return text.replace(/__(\w+)__/g, (_m, name: string) => String(opts[name]));
  };
  const state = {
    dom: new Map<string, El>(),
    /** The nodes of the workspace, as RED.nodes.node finds them. */
    nodes: new Map<string, Record<string, unknown>>(),
    ajax: [] as Ajax[],
    /** What navigator.clipboard.writeText was given; `clipboardFails` makes it reject. */
    clipboard: [] as string[],
    clipboardFails: false,
  };
  const $ = (selector: unknown): unknown => {
    if (selector instanceof El) return selector;
    const s = String(selector);
    if (s.startsWith('<')) {
      const el = new El(/^<(\w+)/.exec(s)![1]);
      const cls = /class="([^"]*)"/.exec(s);
      if (cls) el.addClass(cls[1]);
      return el;
    }
    const find = (id: string): El | undefined => {
      if (state.dom.has(id)) return state.dom.get(id);
      for (const el of state.dom.values()) {
        const found = el.find(id);
        if (found) return found;
      }
      return undefined;
    };
    const els = s
      .split(',')
      .map((part) => find(part.trim().replace(/^#/, '')))
      .filter((el): el is El => el !== undefined);
    return els.length === 1 ? els[0] : group(els);
  };
  ($ as unknown as Record<string, unknown>).ajax = (opts: { url: string; type: string; data: string }) => {
    const callbacks: Record<string, Array<(...a: unknown[]) => void>> = { done: [], fail: [], always: [] };
    const chain = {
      done: (fn: () => void) => (callbacks.done.push(fn), chain),
      fail: (fn: () => void) => (callbacks.fail.push(fn), chain),
      always: (fn: () => void) => (callbacks.always.push(fn), chain),
    };
    state.ajax.push({
      ...opts,
      answer(ok, body, status = 200) {
        if (ok) callbacks.done.forEach((fn) => fn(body));
        else callbacks.fail.forEach((fn) => fn({ status, responseJSON: body }, 'error', 'Bad Request'));
        callbacks.always.forEach((fn) => fn());
      },
    });
    return chain;
  };
  const defs: Record<string, NodeDef> = {};
  const sandbox: Record<string, unknown> = {
    RED: {
      _: (key: string, opts?: Record<string, unknown>) => translate(null, key, opts),
      settings: { version: '4.1.15' },
      nodes: {
        registerType(type: string, def: NodeDef) {
          def._ = (key, opts) => translate(`${pkg.name}/${type}`, key, opts);
          defs[type] = def;
        },
        node: (id: string) => state.nodes.get(id) ?? null,
      },
    },
    $,
    location: { hostname: '192.0.2.10', port: '1880' },
    navigator: {
      clipboard: {
        writeText: (text: string) => {
          if (state.clipboardFails) return Promise.reject(new Error('NotAllowedError'));
          state.clipboard.push(text);
          return Promise.resolve();
        },
      },
    },
  };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  loadBundle(sandbox);
  const templates: Record<string, string> = {};
  for (const base of EDITORS) {
    const html = fs.readFileSync(path.join(ROOT, 'dist', 'nodes', `${base}.html`), 'utf8');
    templates[base] = html;
    for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) vm.runInContext(m[1], sandbox, { filename: `${base}.html` });
  }
  return { defs, state, templates };
}

describe('editor: the jet-router and route add dialogs (sandbox, Node-RED 4.1 steps replayed)', function () {
  const { defs, state, templates } = loadEditor();
  const def = defs['jet-router'];
  /** An element of the open dialog: from its template, or rendered by its script. */
  const el = (id: string): El => {
    const e = state.dom.get(id) ?? [...state.dom.values()].map((x) => x.find(id)).find((x): x is El => x !== undefined);
    assert.ok(e, `#${id} in the dialog`);
    return e;
  };

  /** red.js importNodes, config-node branch: each default from the flow JSON, the default value only with applyNodeDefaults. */
  function importConfigNode(json: Record<string, unknown>, applyNodeDefaults: boolean): Record<string, unknown> {
    const node: Record<string, unknown> = { id: json.id, type: json.type, _def: def, users: [], credentials: {} };
    for (const d of Object.keys(def.defaults)) {
      node[d] = json[d];
      if (applyNodeDefaults && json[d] === undefined && def.defaults[d].value !== undefined) node[d] = JSON.parse(JSON.stringify(def.defaults[d].value));
    }
    state.nodes.set(String(json.id), node);
    return node;
  }

  /** red.js showEditConfigNodeDialog for "Add new jet-router…": a node not in RED.nodes, with the truthy defaults. */
  function addNew(): Record<string, unknown> {
    const node: Record<string, unknown> = { id: 'new-router-1', type: 'jet-router', _def: def, users: [], credentials: {} };
    for (const d of Object.keys(def.defaults)) {
      if (def.defaults[d].value) node[d] = JSON.parse(JSON.stringify(def.defaults[d].value));
    }
    return node;
  }

  /** prepareEditDialog: the template's elements, each default's input set from the node, then oneditprepare. */
  function open(node: Record<string, unknown>): void {
    state.dom = parseTemplate(templates['jet-router']);
    for (const d of Object.keys(def.defaults)) {
      const input = state.dom.get(`node-config-input-${d}`);
      if (!input || d === 'tls') continue;
      if (input.attrs.type === 'checkbox') input.checked = !!node[d];
      else input.val(node[d] === undefined || node[d] === null ? '' : node[d]);
    }
    const creds = (node.credentials ?? {}) as Record<string, unknown>;
    el('node-config-input-username').val(creds.username ?? '');
    el('node-config-input-password').val(creds.has_password ? '__PWRD__' : '');
    def.oneditprepare.call(node);
    // Node-RED then triggers 'change' on every default's input.
    for (const d of Object.keys(def.defaults)) state.dom.get(`node-config-input-${d}`)?.trigger('change');
  }

  /**
   * The Done button: oneditsave, then each default read back from its input and compared as red.js
   * does (a select with nothing selected is skipped; isEqual: == or the same JSON). The changes.
   * `tls` (a config-node select Node-RED fills itself) is left out.
   */
  function save(node: Record<string, unknown>): Record<string, unknown> {
    def.oneditsave?.call(node);
    const changes: Record<string, unknown> = {};
    for (const d of Object.keys(def.defaults)) {
      const input = state.dom.get(`node-config-input-${d}`);
      if (!input || d === 'tls') continue;
      const v = input.attrs.type === 'checkbox' ? input.checked : input.val();
      if (v === null || v === undefined) continue;
      if (v == node[d] || JSON.stringify(v) === JSON.stringify(node[d])) continue;
      changes[d] = v;
      node[d] = v;
    }
    state.dom = new Map();
    return changes;
  }

  /** What Node-RED does with a validator: true, or the message. */
  function check(node: Record<string, unknown>, prop: string, value = node[prop]): unknown {
    return def.defaults[prop].validate ? def.defaults[prop].validate!.call(node, value, {}) : true;
  }

  afterEach(() => {
    state.dom = new Map();
    state.nodes.clear();
    state.ajax.length = 0;
  });

  it('a router made in the editor ("Add new jet-router…") starts as gRPC, port placeholder 32767, purge time shown; saved as api grpc', () => {
    const node = addNew();
    assert.equal(node.api, undefined, 'no truthy default: the dialog decides');
    open(node);
    assert.equal(el('node-config-input-api').val(), 'grpc');
    assert.equal(el('node-config-input-port').attr('placeholder'), '32767');
    assert.equal(el('node-config-row-purgeTime').shown, true);
    assert.equal(el('node-config-jet-router-api-hint').text(), 'Junos 16.2 and later, Junos OS Evolved, cRPD');
    el('node-config-input-host').val('192.0.2.1');
    const changes = save(node);
    assert.equal(changes.api, 'grpc');
    assert.equal(node.port, '', 'empty port: the API default');
    assert.equal(apiOf(node.api), 'grpc');
    assert.equal(def.label.call(node), '192.0.2.1:32767');
  });

  it('a saved flow\'s router without api: imported with or without defaults applied, it stays Thrift, in the dialog and after a save', () => {
    // As the Thrift-only versions saved it: every property of theirs, no api, no purgeTime.
    const legacy = {
      id: 'r-old', type: 'jet-router', name: '', host: '10.0.0.1', port: 9090, clientId: '', useTls: false, requestTimeout: 10, queueLimit: 1000,
      notificationHost: '', notificationPort: 1883, notificationTls: false,
    };
    for (const applyNodeDefaults of [false, true]) {
      const node = importConfigNode(legacy, applyNodeDefaults);
      // Deployed as imported (dialog never opened): the runtime reads Thrift.
      assert.equal(apiOf(node.api), 'thrift', `applyNodeDefaults ${applyNodeDefaults}: ${JSON.stringify(node.api)}`);
      assert.equal(check(node, 'api'), true, 'a node without api is valid');
      assert.equal(def.label.call(node), '10.0.0.1:9090');
      open(node);
      assert.equal(el('node-config-input-api').val(), 'thrift');
      assert.equal(el('node-config-input-port').attr('placeholder'), '9090');
      assert.equal(el('node-config-row-purgeTime').shown, false);
      assert.equal(el('node-config-jet-router-api-hint').text(), 'Junos up to 16.1');
      const changes = save(node);
      assert.equal(node.api, 'thrift');
      // Saved: api written as thrift; the new purgeTime written empty (nothing for Thrift); nothing else.
      assert.deepEqual(changes, applyNodeDefaults ? { api: 'thrift' } : { api: 'thrift', purgeTime: '' });
      assert.equal(node.port, 9090);
    }
    // A legacy node without a port either: the Thrift default port, also in the label.
    const bare = importConfigNode({ id: 'r-bare', type: 'jet-router', host: 'r0' }, true);
    assert.equal(def.label.call(bare), 'r0:9090');
    assert.equal(apiOf(bare.api), 'thrift');
  });

  it('a saved gRPC router opens as gRPC; the port placeholder and the purge row follow the API select', () => {
    const saved = { id: 'r-g', type: 'jet-router', name: '', api: 'grpc', host: '10.0.0.2', port: '', clientId: '', useTls: false, requestTimeout: 10, queueLimit: 1000 };
    const node = importConfigNode({ ...saved, purgeTime: '120', notificationHost: '', notificationPort: 1883, notificationTls: false }, false);
    open(node);
    const api = el('node-config-input-api');
    assert.equal(api.val(), 'grpc');
    assert.equal(el('node-config-input-purgeTime').val(), '120');
    api.val('thrift').trigger('change');
    assert.equal(el('node-config-input-port').attr('placeholder'), '9090');
    assert.equal(el('node-config-row-purgeTime').shown, false);
    api.val('grpc').trigger('change');
    assert.equal(el('node-config-input-port').attr('placeholder'), '32767');
    assert.equal(el('node-config-row-purgeTime').shown, true);
    // Switched to Thrift and saved: the hidden purge time is not kept (the runtime would warn it is ignored).
    api.val('thrift').trigger('change');
    const changes = save(node);
    assert.deepEqual(changes, { api: 'thrift', purgeTime: '' });
  });

  it('purge time: empty or a whole number 1..1000 (RoutePurgeTimerAdd\'s range), checked only for gRPC; the API itself grpc, thrift or empty', () => {
    const node = importConfigNode({ id: 'r-p', type: 'jet-router', host: 'r0', api: 'grpc' }, false);
    for (const ok of ['', '1', '30', ' 300 ', '1000', undefined]) assert.equal(check(node, 'purgeTime', ok), true, String(ok));
    for (const bad of ['-1', '0', '1001', '86400', '1.5', 'soon', '1e9']) {
      assert.equal(check(node, 'purgeTime', bad), 'A whole number of seconds 1..1000; empty: the router\'s default (120 s)', bad);
    }
    // Thrift (or a legacy node): the row is hidden and the value not used, so nothing to mark.
    for (const api of ['thrift', '', undefined]) {
      const t = importConfigNode({ id: 'r-t', type: 'jet-router', host: 'r0', api }, false);
      assert.equal(check(t, 'purgeTime', 'soon'), true, String(api));
    }
    // While the dialog is open, the select decides, not the saved node.
    open(node);
    el('node-config-input-api').val('thrift').trigger('change');
    assert.equal(check(node, 'purgeTime', '-1'), true);
    el('node-config-input-api').val('grpc').trigger('change');
    assert.notEqual(check(node, 'purgeTime', '-1'), true);
    state.dom = new Map();
    for (const api of ['grpc', 'thrift', '', undefined]) assert.equal(check(node, 'api', api), true, String(api));
    assert.equal(check(node, 'api', 'http'), 'gRPC or Thrift');
    // Port: empty is fine (the API's default).
    assert.equal(check(node, 'port', ''), true);
    assert.equal(check(node, 'port', '0'), 'A whole number 1..65535');
  });

  it('Test connection sends the API picked in the dialog; the runtime reads the body the same way', () => {
    const node = importConfigNode({ id: 'r-tc', type: 'jet-router', host: '127.0.0.1', port: '' }, false);
    (node.credentials as Record<string, unknown>).has_password = true;
    (node.credentials as Record<string, unknown>).username = 'lab';
    open(node);
    const click = () => el('node-config-jet-router-test').trigger('click');
    // Legacy node: Thrift, the port empty (the runtime's 9090).
    click();
    let body = JSON.parse(state.ajax[0].data) as Record<string, unknown>;
    assert.equal(state.ajax[0].url, 'jet-router/test-connection');
    assert.equal(body.api, 'thrift');
    assert.equal(body.password, '__PWRD__');
    assert.equal(el('node-config-jet-router-test-result').text(), ' logging in to 127.0.0.1:9090 over Thrift …');
    let req = parseProbeRequest(body);
    assert.deepEqual([req.api, req.port], ['thrift', DEFAULT_PORTS.thrift]);
    // Switched to gRPC: the body says so, the running text names the gRPC default port.
    el('node-config-input-api').val('grpc').trigger('change');
    click();
    body = JSON.parse(state.ajax[1].data) as Record<string, unknown>;
    assert.equal(body.api, 'grpc');
    assert.equal(el('node-config-jet-router-test-result').text(), ' logging in to 127.0.0.1:32767 over gRPC …');
    req = parseProbeRequest(body);
    assert.deepEqual([req.api, req.port], ['grpc', DEFAULT_PORTS.grpc]);
    assert.equal(el('node-config-jet-router-test').disabled, true, 'one test at a time');
  });

  it('Test connection shows the runtime\'s answers as they are: success, wrong API, stored password refused elsewhere, 400', () => {
    const node = importConfigNode({ id: 'r-ans', type: 'jet-router', host: '127.0.0.1', api: 'grpc' }, false);
    open(node);
    const result = el('node-config-jet-router-test-result');
    const button = el('node-config-jet-router-test');
    const answers: Array<[boolean, unknown, number, string, boolean]> = [
      [true, { ok: true, message: 'logged in to 127.0.0.1:32767 as lab over gRPC' }, 200, 'logged in to 127.0.0.1:32767 as lab over gRPC', true],
      [
        true,
        { ok: false, reason: 'wrong-api', message: '127.0.0.1:32767: 127.0.0.1:32767 speaks Thrift JET, not gRPC (it answered a gRPC hello as Thrift): set the jet-router\'s API to Thrift' },
        200,
        '127.0.0.1:32767: 127.0.0.1:32767 speaks Thrift JET, not gRPC (it answered a gRPC hello as Thrift): set the jet-router\'s API to Thrift',
        false,
      ],
      [
        true,
        { ok: false, reason: 'invalid', message: 'type the password to test gRPC 127.0.0.1:32767: the stored one is sent only to the deployed router (Thrift 127.0.0.1:9090)' },
        200,
        'type the password to test gRPC 127.0.0.1:32767: the stored one is sent only to the deployed router (Thrift 127.0.0.1:9090)',
        false,
      ],
      [false, { ok: false, reason: 'invalid', message: 'port: 0 is out of range 1..65535' }, 400, 'port: 0 is out of range 1..65535', false],
      [false, undefined, 403, 'not allowed: your Node-RED user lacks the jet-router.write permission', false],
    ];
    answers.forEach(([done, body, status, text, ok], i) => {
      button.trigger('click');
      state.ajax[i].answer(done, body, status);
      assert.equal(result.text(), ` ${text}`);
      assert.ok(result.children[0].classes.has(ok ? 'fa-check' : 'fa-exclamation-triangle'), text);
      assert.equal(button.disabled, false);
    });
  });

  it('route add: Metric says Thrift routers only, and plainly "not sent" when the chosen router speaks gRPC', () => {
    const add = defs['jet-route-add'];
    const catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', 'jet-route-add.json'), 'utf8'));
    assert.equal(catalog['jet-route-add'].hint.metric, 'Thrift routers only: gRPC JET has no route metric');
    const grpc = importConfigNode({ id: 'rg', type: 'jet-router', host: 'r0', api: 'grpc' }, false);
    const legacy = importConfigNode({ id: 'rt', type: 'jet-router', host: 'r1' }, false);
    state.dom = parseTemplate(templates['jet-route-add']);
    const router = el('node-input-router');
    router.value = String(grpc.id);
    add.oneditprepare.call({ id: 'add1', router: grpc.id });
    assert.equal(el('node-input-jet-metric-grpc').shown, true);
    assert.equal(el('node-input-jet-metric-hint').shown, false);
    router.value = String(legacy.id);
    router.trigger('change');
    assert.equal(el('node-input-jet-metric-grpc').shown, false);
    assert.equal(el('node-input-jet-metric-hint').shown, true);
    router.value = '_ADD_';
    router.trigger('change');
    assert.equal(el('node-input-jet-metric-hint').shown, true);
  });

  it('the help says which API for which Junos, how to configure the router, and what Metric and purge time do', () => {
    const help = fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', 'jet-router.html'), 'utf8');
    for (const text of [
      'Junos 16.2 and later',
      'Junos up to 16.1',
      'Junos OS Evolved',
      'cRPD',
      'set system services extension-service request-response grpc clear-text port 32767',
      'set system services extension-service request-response grpc ssl port 32767',
      'set system services extension-service request-response grpc ssl local-certificate',
      'set system services extension-service notification allow-clients address',
      'RoutePurgeTimerAdd',
    ]) {
      assert.ok(help.includes(text), text);
    }
    const addHelp = fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', 'jet-route-add.html'), 'utf8');
    assert.match(addHelp, /Metric: Thrift routers only/);
  });

  describe('Router configuration section (Junos commands: the bundle\'s command panel running lib/junos/config-commands)', function () {
    const J = 'node-config-jet-router-junos';
    const S = 'set system services extension-service';
    const commands = (id = J): string => String(el(`${id}-commands`).val());
    const notes = (id = J): string[] => el(`${id}-notes`).children.map((c) => c.text().trim());
    /** Typing into an input: Node-RED's inputs fire 'input' per keystroke. */
    const type = (id: string, value: string): void => void el(id).val(value).trigger('input');
    const tick = (id: string, on: boolean): void => {
      el(id).checked = on;
      el(id).trigger('change');
    };
    /** Lets the clipboard's promise settle (no timer). */
    const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    it('jet-router: collapsed at first; the commands of the sample\'s gRPC router, allow-clients for the editor\'s address; nothing saved', () => {
      const node = importConfigNode(
        { id: 'r-j', type: 'jet-router', name: 'simulated router', api: 'grpc', host: '127.0.0.1', port: '32767', clientId: '', useTls: false, requestTimeout: '10', queueLimit: '1000', purgeTime: '60', notificationHost: '', notificationPort: '1883', notificationTls: false },
        false,
      );
      open(node);
      assert.equal(el(J).shown, false, 'collapsed');
      assert.ok(el(`${J}-caret`).hasClass('fa-caret-right'));
      el(`${J}-toggle`).trigger('click');
      assert.equal(el(J).shown, true);
      assert.ok(el(`${J}-caret`).hasClass('fa-caret-down'));
      assert.equal(el(`${J}-toggle`).attr('aria-expanded'), 'true');
      // The address the browser reached the editor on, as a suggestion.
      assert.equal(el(`${J}-client`).val(), '192.0.2.10');
      assert.equal(commands(), [`${S} request-response grpc clear-text port 32767`, `${S} request-response grpc max-connections 8`, `${S} notification allow-clients address 192.0.2.10/32`, ''].join('\n'));
      assert.equal(commands(), routerConfig({ api: 'grpc', port: '32767', clientAddress: '192.0.2.10' }).text);
      assert.deepEqual(notes(), []);
      assert.equal(el(`${J}-copy`).disabled, false);
      assert.equal(el(`${J}-row-certificate`).shown, false);
      assert.equal(el(`${J}-row-instance`).shown, true);
      // Nothing of the section is a node property: saving changes nothing.
      assert.deepEqual(save(node), {});
      assert.ok(Object.keys(node).every((k) => !/junos|client|maxConn|certificate|instance/i.test(k) || k === 'clientId'), Object.keys(node).join());
    });

    it('jet-router: follows the dialog as it changes: port, TLS and mutual TLS, max-connections, routing instance, IPv6 address, Thrift', () => {
      const node = importConfigNode({ id: 'r-k', type: 'jet-router', api: 'grpc', host: '192.0.2.1', port: '', notificationPort: 1883 }, false);
      open(node);
      type(`${J}-client`, '2001:db8::10');
      type('node-config-input-port', '40051');
      assert.deepEqual(commands().trim().split('\n'), [
        `${S} request-response grpc clear-text port 40051`,
        `${S} request-response grpc max-connections 8`,
        `${S} notification allow-clients address 2001:db8::10/128`,
      ]);
      tick('node-config-input-useTls', true);
      assert.equal(el(`${J}-row-certificate`).shown, true);
      assert.equal(el(`${J}-row-mutual`).shown, true);
      assert.equal(el(`${J}-caProfile`).disabled, true, 'CA profile only with mutual TLS');
      assert.match(commands(), /grpc ssl local-certificate <certificate-name>\n/);
      assert.deepEqual(notes(), ['Replace <certificate-name> with the name of the router\'s certificate (loaded under security certificates local).']);
      type(`${J}-certificate`, 'jet-cert');
      tick(`${J}-mutual`, true);
      assert.equal(el(`${J}-caProfile`).disabled, false);
      type(`${J}-caProfile`, 'jet-ca');
      type(`${J}-maxConnections`, '12');
      tick(`${J}-useInstance`, true);
      assert.deepEqual(commands().trim().split('\n'), [
        `${S} request-response grpc ssl port 40051`,
        `${S} request-response grpc ssl local-certificate jet-cert`,
        `${S} request-response grpc ssl mutual-authentication certificate-authority jet-ca client-certificate-request require-certificate-and-verify`,
        `${S} request-response grpc max-connections 12`,
        `${S} request-response grpc routing-instance mgmt_junos`,
        `${S} notification allow-clients address 2001:db8::10/128`,
      ]);
      assert.deepEqual(notes(), []);
      // An error: no commands, no copy, the field marked, the message in words.
      type(`${J}-maxConnections`, '31');
      assert.equal(commands(), '');
      assert.equal(el(`${J}-copy`).disabled, true);
      assert.ok(el(`${J}-maxConnections`).hasClass('input-error'));
      assert.deepEqual(notes(), ['Connections: 31 is not a whole number 1..30']);
      type(`${J}-maxConnections`, '');
      assert.ok(!el(`${J}-maxConnections`).hasClass('input-error'));
      type('node-config-input-notificationPort', '1884');
      assert.match(notes()[0], /^The node reaches the notification broker on port 1884, not 1883/);
      // Thrift: the Thrift lines on the router's address; no routing instance, no allow-clients rows.
      el('node-config-input-api').val('thrift').trigger('change');
      tick('node-config-input-useTls', false);
      type('node-config-input-port', '');
      assert.deepEqual(commands().trim().split('\n'), [
        `${S} thrift request-response clear-text address 192.0.2.1`,
        `${S} thrift request-response max-connection 8`,
        `${S} notification-server address 192.0.2.1`,
      ]);
      assert.equal(el(`${J}-row-instance`).shown, false);
      assert.equal(el(`${J}-row-client`).shown, false);
      state.dom = new Map();
      // The section's own values are kept for the next router dialog of this editor.
      const other = importConfigNode({ id: 'r-l', type: 'jet-router', api: 'grpc', host: '192.0.2.2' }, false);
      open(other);
      assert.equal(el(`${J}-client`).val(), '2001:db8::10');
      assert.equal(el(`${J}-certificate`).val(), 'jet-cert');
      assert.equal(el(`${J}-useInstance`).checked, true);
      tick(`${J}-useInstance`, false);
      type(`${J}-client`, '192.0.2.10');
    });

    it('jet-router: Copy puts exactly the commands on the clipboard; a refused clipboard says to copy by hand', async () => {
      const node = importConfigNode({ id: 'r-c', type: 'jet-router', api: 'grpc', host: '192.0.2.1' }, false);
      open(node);
      state.clipboard.length = 0;
      el(`${J}-copy`).trigger('click');
      await settle();
      assert.deepEqual(state.clipboard, [commands()]);
      assert.match(commands(), /allow-clients address 192\.0\.2\.10\/32\n$/);
      assert.equal(el(`${J}-copied`).text(), 'Copied to the clipboard');
      state.clipboardFails = true;
      try {
        el(`${J}-copy`).trigger('click');
        await settle();
      } finally {
        state.clipboardFails = false;
      }
      assert.equal(el(`${J}-copied`).text(), 'Could not copy: select the commands and copy them by hand');
      // Any change clears the old "Copied".
      type('node-config-input-port', '32768');
      assert.equal(el(`${J}-copied`).text(), '');
    });

    describe('jet-rmon-event', function () {
      const R = 'node-input-jet-rmon-junos';
      const rmon = (): NodeDef => defs['jet-rmon-event'];
      /** prepareEditDialog for a flow node: the template, each default's node-input-<name> set, oneditprepare, 'change' on each. */
      function openRmon(node: Record<string, unknown>): void {
        state.dom = parseTemplate(templates['jet-rmon-event']);
        for (const d of Object.keys(rmon().defaults)) state.dom.get(`node-input-${d}`)?.val(node[d] ?? '');
        rmon().oneditprepare.call(node);
        for (const d of Object.keys(rmon().defaults)) state.dom.get(`node-input-${d}`)?.trigger('change');
      }
      const sample = { id: 'ev', type: 'jet-rmon-event', name: '', router: 'r', topic: '/junos/events/syslog/SNMPD_RMON_EVENTLOG', ifIndex: '541', alarmIndex: '', eventIndex: '', subtag: '', direction: 'both' };

      it('the sample\'s node (ifIndex 541): the README\'s alarm and event; the ifIndex hint; Copy', async () => {
        openRmon({ ...sample });
        assert.equal(el(R).shown, false);
        el(`${R}-toggle`).trigger('click');
        assert.equal(el(R).shown, true);
        const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
        const block = /```\n(set snmp rmon alarm 1 interval 1\n[\s\S]*?)```/.exec(readme)![1];
        assert.equal(commands(R), block);
        assert.equal(commands(R), rmonConfig({ ifIndex: '541' }).text);
        assert.deepEqual(notes(R), []);
        const catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', 'jet-rmon-event.json'), 'utf8'));
        assert.equal(catalog['jet-rmon-event'].config.ifIndexCommand, 'show interfaces ge-0/0/0.0 | match SNMP');
        assert.match(templates['jet-rmon-event'], /data-i18n="jet-rmon-event\.config\.ifIndexCommand"/);
        state.clipboard.length = 0;
        el(`${R}-copy`).trigger('click');
        await settle();
        assert.deepEqual(state.clipboard, [block]);
        assert.equal(el(`${R}-copied`).text(), 'Copied to the clipboard');
      });

      it('from the node\'s filters and the thresholds typed; falling must stay below rising; no ifIndex: how to find it', () => {
        openRmon({ ...sample, ifIndex: '17', alarmIndex: '3', eventIndex: '40', subtag: 'GE000' });
        type(`${R}-interval`, '5');
        el(`${R}-sampleType`).val('delta-value').trigger('change');
        type(`${R}-rising`, '2000000');
        type(`${R}-falling`, '1000000');
        assert.equal(
          commands(R),
          rmonConfig({ ifIndex: '17', alarmIndex: '3', eventIndex: '40', subtag: 'GE000', interval: '5', sampleType: 'delta-value', rising: '2000000', falling: '1000000' }).text,
        );
        assert.match(commands(R), /^set snmp rmon alarm 3 interval 5\nset snmp rmon alarm 3 variable ifIn1SecRate\.17\nset snmp rmon alarm 3 sample-type delta-value\n/);
        assert.deepEqual(notes(R), ['delta-value compares the change of ifIn1SecRate from one sample to the next, not the rate itself.']);
        type(`${R}-falling`, '2000000');
        assert.equal(commands(R), '');
        assert.equal(el(`${R}-copy`).disabled, true);
        assert.ok(el(`${R}-falling`).hasClass('input-error'));
        assert.deepEqual(notes(R), ['Falling (2000000) must be below rising (2000000)', 'delta-value compares the change of ifIn1SecRate from one sample to the next, not the rate itself.']);
        type(`${R}-falling`, '');
        type(`${R}-rising`, '');
        el(`${R}-sampleType`).val('absolute-value').trigger('change');
        type(`${R}-interval`, '');
        // The node's own ifIndex field: emptied (filter "any"), the commands need one.
        type('node-input-ifIndex', '');
        assert.equal(commands(R), '');
        assert.ok(el('node-input-ifIndex').hasClass('input-error'));
        assert.deepEqual(notes(R), ['Type the interface\'s SNMP ifIndex in ifIndex above: show interfaces <ifl> | match SNMP']);
        type('node-input-ifIndex', '541');
        assert.match(commands(R), /^set snmp rmon alarm 3 interval 1\n/);
        assert.ok(!el('node-input-ifIndex').hasClass('input-error'));
      });
    });
  });
});
