// A Plotly chart that stays on the page across Streamlit reruns: the browser side of
// creative_dash/ui/plotly_view.py, whose component imports this module once per tab (served by
// the app, so it is not sent with every chart of every rerun).
//
// st.plotly_chart re-creates a chart whenever its figure changes (its React key hashes the
// spec), so every filter change paid a full Plotly.newPlot plus a React remount. This
// component is mounted once per key and draws the next figure with Plotly.react, which only
// redraws what changed. Plotly itself is a partial bundle served by the app
// (static/plotly/, built by scripts/plotly_bundle/), loaded once per browser tab.
//
// data: UTF-8 JSON bytes from creative_dash/ui/plotly_view.py (payload), an object with
//   spec    the figure
//   config  Plotly config that depends on the page (its locale)
//   bundle  URL of the Plotly bundle
//   labels  {fullscreen, exit_fullscreen, failed}: the toolbar's words in the UI language
//   name    the chart's accessible name (its title as plain text, in the UI language)
//   select  true when a click on a point is sent to Python (trigger "select")
//
// In the page: <div class="cd-plotly-frame"> (what goes full screen) holds a <button> (full
// screen and back: the first thing Tab reaches in the chart, pressed with Enter or Space, shown
// while it has the keyboard focus) and <div class="cd-plotly">, where Plotly draws. A screen
// reader reads the drawing as one image named by the chart's title: Plotly's main <svg> gets
// role="img" and aria-label=name, its second <svg> (title, legend, hover labels) is hidden from
// it. Not the whole div: it also holds Plotly's toolbar, whose buttons must stay reachable
// (an image's content is not).

const EXPAND = {
  width: 600,
  height: 470,
  path: "M32 32C14.3 32 0 46.3 0 64v96c0 17.7 14.3 32 32 32s32-14.3 32-32V96h64c17.7 0 32-14.3 32-32s-14.3-32-32-32H32zM64 352c0-17.7-14.3-32-32-32s-32 14.3-32 32v96c0 17.7 14.3 32 32 32h96c17.7 0 32-14.3 32-32s-14.3-32-32-32H64V352zM320 32c-17.7 0-32 14.3-32 32s14.3 32 32 32h64v64c0 17.7 14.3 32 32 32s32-14.3 32-32V64c0-17.7-14.3-32-32-32H320zM448 352c0-17.7-14.3-32-32-32s-32 14.3-32 32v64H320c-17.7 0-32 14.3-32 32s14.3 32 32 32h96c17.7 0 32-14.3 32-32V352z",
};
const COLLAPSE = {
  width: 600,
  height: 470,
  path: "M160 64c0-17.7-14.3-32-32-32s-32 14.3-32 32v64H32c-17.7 0-32 14.3-32 32s14.3 32 32 32h96c17.7 0 32-14.3 32-32V64zM32 320c-17.7 0-32 14.3-32 32s14.3 32 32 32H96v64c0 17.7 14.3 32 32 32s32-14.3 32-32V352c0-17.7-14.3-32-32-32H32zM352 64c0-17.7-14.3-32-32-32s-32 14.3-32 32v96c0 17.7 14.3 32 32 32h96c17.7 0 32-14.3 32-32s-14.3-32-32-32H352V64zM320 320c-17.7 0-32 14.3-32 32v96c0 17.7 14.3 32 32 32s32-14.3 32-32V384h64c17.7 0 32-14.3 32-32s-14.3-32-32-32H320z",
};
const DEFAULT_HEIGHT = 450;
// geo maps load their (empty) world base map from the app, not from cdn.plot.ly
// (creative_dash.geo.STATIC_TOPOJSON_URL)
const TOPOJSON_URL = "app/static/topojson/";
const CSS = `
.cd-plotly-frame { position: relative; width: 100%; }
.cd-plotly-frame:fullscreen { background: #FFFFFF; padding: 1rem; box-sizing: border-box; }
.cd-plotly { width: 100%; }
.cd-plotly-fs {
  position: absolute; top: 0.25rem; left: 0.25rem; z-index: 1002;
  font: inherit; font-size: 0.875rem; line-height: 1.4; padding: 0.25rem 0.75rem;
  color: #1A1A1A; background: #FFFFFF; border: 1px solid #1A1A1A; border-radius: 0.25rem;
  cursor: pointer;
}
.cd-plotly-fs:focus-visible { outline: 3px solid #1565C0; outline-offset: 2px; }
.cd-plotly-fs:not(:focus-visible) {
  clip-path: inset(50%); width: 1px; height: 1px; padding: 0; border: 0; margin: -1px;
  overflow: hidden; white-space: nowrap;
}
@media print { .cd-plotly .modebar-container, .cd-plotly-fs { display: none !important; } }
`;

// plotly.js has no Kazakh locale: the toolbar, its messages and date names in Kazakh. The keys
// are plotly.js's English texts (those of its "ru" locale that our charts can show).
const KK_LOCALE = {
  moduleType: "locale",
  name: "kk",
  dictionary: {
    Autoscale: "Автомасштаб",
    "Box Select": "Тіктөртбұрышпен таңдау",
    "Compare data on hover": "Меңзегенде барлық деректерді салыстыру",
    "Double-click on legend to isolate one trace":
      "Бір қатарды ғана көрсету үшін шартты белгіні екі рет басыңыз",
    "Double-click to zoom back out": "Бастапқы масштабқа оралу үшін екі рет басыңыз",
    "Download plot": "Диаграмманы жүктеп алу",
    "Download plot as a PNG": "Диаграмманы PNG ретінде жүктеп алу",
    "Lasso Select": "Лассомен таңдау",
    Pan: "Жылжыту",
    Reset: "Қалпына келтіру",
    "Reset axes": "Осьтерді қалпына келтіру",
    "Reset view": "Көріністі қалпына келтіру",
    "Reset views": "Көріністерді қалпына келтіру",
    "Show closest data on hover": "Меңзегенде ең жақын деректерді көрсету",
    "Image download succeeded": "Сурет жүктеп алынды",
    "Sorry, there was a problem downloading your image!":
      "Кешіріңіз, суретті жүктеп алу кезінде қате шықты!",
    "Preparing image - this may take a few seconds":
      "Сурет дайындалуда, бұл бірнеше секундқа созылуы мүмкін",
    "Toggle Spike Lines": "Көмекші сызықтарды қосу не өшіру",
    "Toggle show closest data on hover": "Ең жақын деректерді көрсетуді қосу не өшіру",
    Zoom: "Масштабтау",
    "Zoom in": "Үлкейту",
    "Zoom out": "Кішірейту",
    trace: "қатар",
    "lat:": "ендік:",
    "lon:": "бойлық:",
  },
  format: {
    days: ["Жексенбі", "Дүйсенбі", "Сейсенбі", "Сәрсенбі", "Бейсенбі", "Жұма", "Сенбі"],
    shortDays: ["Жс", "Дс", "Сс", "Ср", "Бс", "Жм", "Сн"],
    months: [
      "Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым",
      "Шілде", "Тамыз", "Қыркүйек", "Қазан", "Қараша", "Желтоқсан",
    ],
    shortMonths: [
      "Қаң", "Ақп", "Нау", "Сәу", "Мам", "Мау", "Шіл", "Там", "Қыр", "Қаз", "Қар", "Жел",
    ],
    date: "%d.%m.%Y",
  },
};

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__creativeDashPlotly) {
    window.__creativeDashPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = () => {
        window.Plotly.register(KK_LOCALE);
        resolve(window.Plotly);
      };
      script.onerror = () => {
        window.__creativeDashPlotly = null; // a later chart may try again
        script.remove();
        reject(new Error(`could not load ${url}`));
      };
      document.head.appendChild(script);
    });
  }
  return window.__creativeDashPlotly;
}

// The chart goes full screen with its frame, so that the keyboard's button comes along.
function isFullscreen(host) {
  return document.fullscreenElement === host.parentElement;
}

function toggleFullscreen(host) {
  if (isFullscreen(host)) document.exitFullscreen();
  else if (host.parentElement.requestFullscreen) host.parentElement.requestFullscreen();
}

// The button's words in the page's language (it may change while the chart stays).
function label(host, want) {
  const labels = want.labels || {};
  const full = isFullscreen(host);
  const text = full ? labels.exit_fullscreen : labels.fullscreen;
  host.__cdButton.textContent = text || (full ? "Exit full screen" : "Full screen");
}

// The drawing as one image named by the title. After every draw: Plotly.newPlot (also when
// Plotly.react falls back to it, e.g. on a new config) makes new <svg> elements.
function nameChart(host, name) {
  host.querySelectorAll(":scope > .plot-container > .svg-container > svg.main-svg").forEach(
    (svg, i) => {
      if (i === 0) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", name || "");
      } else {
        svg.setAttribute("aria-hidden", "true");
      }
    },
  );
}

// The Plotly config for this host. Plotly.react compares configs by value except functions,
// which must be the same objects: the button is made once per host and label set.
function configFor(host, want) {
  const full = isFullscreen(host);
  const memo = `${JSON.stringify(want.config)}|${JSON.stringify(want.labels)}|${full}`;
  if (host.__cdConfigMemo === memo) return host.__cdConfig;
  const labels = want.labels || {};
  const title = full ? labels.exit_fullscreen : labels.fullscreen;
  host.__cdConfigMemo = memo;
  host.__cdConfig = {
    ...want.config,
    topojsonURL: TOPOJSON_URL,
    toImageButtonOptions: { format: "png", scale: 2 },
    displaylogo: false,
    showSendToCloud: false,
    modeBarButtonsToRemove: ["lasso2d", "select2d", "sendChartToCloud"],
    modeBarButtonsToAdd: [
      {
        name: "fullscreen",
        title: title || "Fullscreen",
        icon: full ? COLLAPSE : EXPAND,
        click: () => toggleFullscreen(host),
      },
    ],
  };
  return host.__cdConfig;
}

function layoutFor(host, fig) {
  const layout = fig.layout || {};
  host.__cdHeight = layout.height || DEFAULT_HEIGHT;
  delete layout.width; // the chart takes its container's width (autosize)
  layout.autosize = true;
  if (isFullscreen(host)) layout.height = window.innerHeight;
  return layout;
}

function pointsOf(event) {
  return (event.points || []).map((p) => ({
    curve_number: p.curveNumber,
    point_number: p.pointNumber,
    location: p.location === undefined ? null : p.location,
    customdata: p.customdata === undefined ? null : p.customdata,
    x: p.x === undefined ? null : p.x,
    y: p.y === undefined ? null : p.y,
  }));
}

async function draw(Plotly, host, want) {
  const fig = want.spec;
  const layout = layoutFor(host, fig);
  const config = configFor(host, want);
  host.style.minHeight = "";
  if (host.__cdDrawn) await Plotly.react(host, fig.data || [], layout, config);
  else await Plotly.newPlot(host, fig.data || [], layout, config);
  nameChart(host, want.name);
  host.__cdDrawn = true;
  // newPlot (also when react falls back to it) drops listeners: bind after every draw.
  host.removeAllListeners("plotly_click");
  if (want.select) {
    host.on("plotly_click", (event) => {
      host.__cdSetTrigger("select", { points: pointsOf(event) });
    });
  }
}

// Draw the newest figure asked for; figures that arrive while one is drawing are not queued,
// only the last one is drawn next.
async function settle(host) {
  if (host.__cdBusy) return;
  host.__cdBusy = true;
  try {
    while (host.__cdWant !== host.__cdHave) {
      const want = host.__cdWant;
      host.__cdHave = want;
      if (host.__cdDrawnText === want.text) continue; // the same figure, config and labels
      const Plotly = await loadPlotly(want.bundle);
      await draw(Plotly, host, want);
      host.__cdDrawnText = want.text;
    }
  } catch (err) {
    console.error("creative_dash chart:", err);
    host.textContent = (host.__cdWant.labels || {}).failed || String(err);
    host.__cdDrawn = false;
    host.__cdDrawnText = null;
  } finally {
    host.__cdBusy = false;
  }
}

function mount(parentElement) {
  if (!document.getElementById("cd-plotly-css")) {
    const style = document.createElement("style");
    style.id = "cd-plotly-css";
    style.textContent = CSS;
    document.head.appendChild(style);
  }
  const outer = document.createElement("div");
  outer.className = "cd-plotly-frame";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "cd-plotly-fs";
  const host = document.createElement("div");
  host.className = "cd-plotly";
  host.__cdButton = button;
  button.addEventListener("click", () => toggleFullscreen(host));
  outer.append(button, host);
  parentElement.appendChild(outer);
  let width = 0;
  let frame = 0;
  // The sidebar opening or closing changes the width without a window resize.
  host.__cdResize = new ResizeObserver((entries) => {
    const next = Math.round(entries[0].contentRect.width);
    // 0: hidden (a closed expander or tab); Plotly cannot measure it, and it is resized when
    // it shows again
    if (next === width || next === 0) return;
    width = next;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      if (host.__cdDrawn && window.Plotly && host.offsetParent !== null) {
        window.Plotly.Plots.resize(host).catch(() => {});
      }
    });
  });
  host.__cdResize.observe(parentElement);
  host.__cdOnFullscreen = () => {
    if (host.__cdHave) label(host, host.__cdHave);
    if (!host.__cdDrawn || !window.Plotly) return;
    const config = configFor(host, host.__cdHave);
    const height = isFullscreen(host) ? window.innerHeight : host.__cdHeight;
    window.Plotly.react(host, host.data, { ...host.layout, height }, config).then(() =>
      nameChart(host, host.__cdHave.name),
    );
  };
  outer.addEventListener("fullscreenchange", host.__cdOnFullscreen);
  return host;
}

const decoder = new TextDecoder();

export function render(component) {
  const { parentElement, setTriggerValue } = component;
  const text = decoder.decode(component.data);
  const data = JSON.parse(text);
  data.text = text;
  let host = parentElement.querySelector(":scope > .cd-plotly-frame > .cd-plotly");
  if (!host) host = mount(parentElement);
  host.__cdSetTrigger = setTriggerValue;
  host.__cdWant = data;
  label(host, data);
  if (!host.__cdDrawn) {
    // keep the chart's place while Plotly loads, so the page does not jump
    host.style.minHeight = `${(data.spec.layout || {}).height || DEFAULT_HEIGHT}px`;
  }
  settle(host);
  return () => {
    host.__cdResize.disconnect();
    host.parentElement.removeEventListener("fullscreenchange", host.__cdOnFullscreen);
    if (window.Plotly) window.Plotly.purge(host);
    host.parentElement.remove();
  };
}
