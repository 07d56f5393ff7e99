// Installed in every page before the app's code (BrowserContext.add_init_script) by
// bench/browser.py, which replaces the __FIELD__ placeholders with protobuf field numbers.
// It records, with performance.now() (ms since navigation start):
// - each Plotly graph div's plotly_afterplot: Plotly assigns gd.emit once per div, and the
//   setter below wraps it, so even the first draw is seen;
// - each rerun_script BackMsg sent and each script_finished / new_session ForwardMsg received
//   on Streamlit's websocket (the top-level protobuf field numbers tell them apart).
(() => {
  if (window.__bench) return;
  const FINISHED = __FINISHED__, NEW_SESSION = __NEW_SESSION__, RERUN = __RERUN__;
  const B = window.__bench = {plots: [], reruns: [], keys: [], finished: [], started: [],
                              lastDraw: 0, lastMsg: 0};
  Object.defineProperty(HTMLDivElement.prototype, 'emit', {configurable: true,
    get() { return this.__benchEmit; },
    set(fn) {
      let rec = this.__benchRec;
      if (!rec) { rec = this.__benchRec = {el: this, draws: []}; B.plots.push(rec); }
      this.__benchEmit = function (ev, data) {
        if (ev === 'plotly_afterplot') { const t = performance.now(); rec.draws.push(t); B.lastDraw = t; }
        return fn.call(this, ev, data);
      };
    }});
  const varint = (b, i) => { let v = 0, s = 0, x;
    do { x = b[i++]; v += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return [v, i]; };
  const fields = (b) => { const out = []; let i = 0, tag, len;
    while (i < b.length) {
      [tag, i] = varint(b, i); const wire = tag % 8; out.push(Math.floor(tag / 8));
      if (wire === 0) [, i] = varint(b, i);
      else if (wire === 2) { [len, i] = varint(b, i); i += len; }
      else if (wire === 1) i += 8; else if (wire === 5) i += 4; else break;
    }
    return out; };
  const bytes = (d) => d instanceof ArrayBuffer ? new Uint8Array(d)
    : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : null;
  const Native = window.WebSocket;
  class BenchSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const t = performance.now(); B.lastMsg = t;
        const note = (buf) => { const f = fields(new Uint8Array(buf));
          if (f.includes(FINISHED)) B.finished.push(t);
          if (f.includes(NEW_SESSION)) B.started.push(t); };
        if (e.data instanceof ArrayBuffer) note(e.data);
        else if (e.data && e.data.arrayBuffer) e.data.arrayBuffer().then(note);
      });
    }
    send(d) {
      const b = bytes(d);
      if (b && fields(b).includes(RERUN)) B.reruns.push(performance.now());
      return super.send(d);
    }
  }
  window.WebSocket = BenchSocket;
  addEventListener('keydown', () => B.keys.push(performance.now()), true);
  const keyOf = (el) => {
    const c = el.closest('[data-testid="stElementContainer"]');
    if (c) for (const k of c.classList) if (k.startsWith('st-key-')) return k.slice(7);
    return null; };
  B.state = () => document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-script-state');
  // in page order, so "the first chart on the page" is the first of the list (charts register
  // in the order they first draw, which need not be the page's)
  B.live = () => B.plots.filter((p) => p.el.isConnected).sort((a, b) =>
    a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);
  B.done = (since, expected, quiet) => {
    if (B.state() !== 'notRunning') return false;
    const fin = B.finished.filter((t) => t > since);
    if (!fin.length) return false;
    const live = B.live();
    if (live.length < expected || !live.every((p) => p.draws.length > 0)) return false;
    return performance.now() - Math.max(B.lastDraw, B.lastMsg, fin[fin.length - 1]) >= quiet;
  };
  B.report = (since) => ({
    now: performance.now(), state: B.state(), lastMsg: B.lastMsg, lastDraw: B.lastDraw,
    reruns: B.reruns.filter((t) => t > since), keys: B.keys.filter((t) => t > since),
    finished: B.finished.filter((t) => t > since), started: B.started.filter((t) => t > since),
    charts: B.live().map((p) => ({key: keyOf(p.el), draws: p.draws.filter((t) => t > since)})),
  });
})();
