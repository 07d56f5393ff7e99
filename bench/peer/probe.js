// Installed in every page before the app's code by bench/peer (python -m bench.peer). Records,
// with performance.now() (ms since navigation start), what each chart holds and when it drew:
// - our overview (Plotly): each graph div's plotly_afterplot with the numbers of its traces
//   (x, y, z of every trace), keyed by the Streamlit element's key (st-key-...);
// - Superset: each chart-data answer (slice id, the numbers of its rows, arrival time), and
//   each paint inside a chart holder (dashboard-chart-id-N): a canvas draw call (ECharts) or a
//   change of its SVG (the country map).
(() => {
  if (window.__peer) return;
  const P = window.__peer = {plots: [], answers: [], paints: {}};
  const nums = (a) => (a && typeof a.length === 'number' && typeof a !== 'string')
    ? Array.from(a).filter((v) => typeof v === 'number' && isFinite(v)) : [];
  const keyOf = (el) => {
    const c = el.closest('[data-testid="stElementContainer"]');
    if (c) for (const k of c.classList) if (k.startsWith('st-key-')) return k.slice(7);
    return null; };
  Object.defineProperty(HTMLDivElement.prototype, 'emit', {configurable: true,
    get() { return this.__peerEmit; },
    set(fn) {
      const el = this; let rec = el.__peerRec;
      if (!rec) { rec = el.__peerRec = {el, draws: []}; P.plots.push(rec); }
      this.__peerEmit = function (ev, data) {
        if (ev === 'plotly_afterplot') {
          const traces = (el.data || []).map((tr) => ({
            type: tr.type || '', x: nums(tr.x), y: nums(tr.y), z: nums(tr.z)}));
          rec.draws.push({t: performance.now(), traces});
        }
        return fn.call(this, ev, data);
      };
    }});
  P.charts = () => P.plots.filter((p) => p.el.isConnected).map((p) => ({
    key: keyOf(p.el), draws: p.draws}));
  // -- Superset ----------------------------------------------------------------------------
  const holder = (el) => {
    const h = el && el.closest && el.closest('[class*="dashboard-chart-id-"]');
    if (!h) return null;
    const m = /dashboard-chart-id-(\d+)/.exec(h.className);
    return m ? m[1] : null; };
  const paint = (id) => {
    if (id === null) return;
    const t = performance.now(); const list = P.paints[id] || (P.paints[id] = []);
    if (!list.length || t - list[list.length - 1] > 2) list.push(t); };
  for (const name of ['fillText', 'fill', 'fillRect', 'stroke']) {
    const orig = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) {
      const c = this.canvas; let id = c.__peerId;
      if (id === undefined || id === null) id = c.__peerId = holder(c);
      paint(id);
      return orig.apply(this, args);
    };
  }
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.addedNodes.length && [...r.addedNodes].some((n) => n.nodeName === 'path' ||
          n.nodeName === 'g' || n.nodeName === 'svg')) paint(holder(r.target));
    }
  }).observe(document, {childList: true, subtree: true});
  const sliceOf = (url, body) => {
    try {
      const u = new URL(url, location.href); const fd = u.searchParams.get('form_data');
      if (fd) { const s = JSON.parse(fd).slice_id; if (s) return String(s); }
    } catch (e) { /* not ours */ }
    try { const b = JSON.parse(body); const s = b.form_data && b.form_data.slice_id;
      if (s) return String(s); } catch (e) { /* no JSON body */ }
    return null; };
  const rowsNums = (json) => {
    const out = []; const results = json.result || [json];
    for (const r of results) for (const row of (r.data || [])) if (row && typeof row === 'object')
      for (const v of Object.values(row)) if (typeof v === 'number' && isFinite(v)) out.push(v);
    return out; };
  // An answer counts when the app has read it (its own response.json() or .text() resolved):
  // what it paints from then on is drawn from those numbers.
  const marked = new WeakMap();
  const note = (resp, body) => {
    const slice = marked.get(resp);
    if (slice === undefined) return;
    marked.delete(resp);
    const t = performance.now();
    try {
      P.answers.push({slice, t, values: rowsNums(typeof body === 'string' ? JSON.parse(body) : body)});
    } catch (e) { /* not JSON */ }
  };
  for (const name of ['json', 'text']) {
    const orig = Response.prototype[name];
    Response.prototype[name] = function () {
      const p = orig.call(this);
      if (marked.has(this)) p.then((body) => note(this, body), () => {});
      return p;
    };
  }
  const origClone = Response.prototype.clone;
  Response.prototype.clone = function () {
    const c = origClone.call(this);
    if (marked.has(this)) marked.set(c, marked.get(this));
    return c;
  };
  const nativeFetch = window.fetch;
  window.fetch = async function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    const resp = await nativeFetch.apply(this, arguments);
    if (/\/api\/v1\/chart\/data|explore_json/.test(url)) {
      const slice = sliceOf(url, init && init.body);
      if (slice !== null) marked.set(resp, slice);
    }
    return resp;
  };
})();
