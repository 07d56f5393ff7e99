"""What AppTest cannot show: the overview map as the browser draws it, a click on the map, a
region opened by its URL, a filter changing the map. Elements are found by their keys: ``ov_map``
(the overview map), ``years`` (the sidebar's year range)."""

from __future__ import annotations

import pytest

from creative_dash.i18n import t
from tests.e2e.browser import AppTab, page_path

pytestmark = pytest.mark.e2e

ASTANA, SHYMKENT = "KZ-71", "KZ-79"
OV_MAP = ".st-key-ov_map .js-plotly-plot"

# The overview map's traces as the browser holds them (gd.data is what Plotly drew).
MAP_TRACES_JS = f"""
() => {{
  const gd = document.querySelector("{OV_MAP}");
  return gd.data.map((tr) => ({{type: tr.type, name: tr.name || '',
    locations: tr.locations || [], z: tr.z || [], lat: tr.lat || [], lon: tr.lon || [],
    custom: (tr.customdata || []).map((c) => Array.isArray(c) ? c[0] : c)}}));
}}
"""
# How many regions of the first choropleth trace d3-geo drew (an SVG path with an area each),
# and how many of its locations found their shape in the served GeoJSON.
RENDERED_REGIONS_JS = f"""
() => {{
  const gd = document.querySelector("{OV_MAP}");
  const layer = gd.querySelector('g.trace.choropleth');
  const rendered = [...layer.querySelectorAll('path.choroplethlocation')]
    .filter((p) => p.getAttribute('d') && p.getBBox().width > 0).length;
  const trace = gd._fullData.find((tr) => tr.type === 'choropleth');
  const matched = gd.calcdata[gd._fullData.indexOf(trace)].filter((d) => d.geojson).length;
  return {{rendered, matched}};
}}
"""
# Page pixel of the centre of point i of the city dots (the scattergeo trace) on the overview map.
POINT_JS = f"""
(i) => {{
  const gd = document.querySelector("{OV_MAP}");
  const p = gd.querySelectorAll('g.trace.scattergeo path.point')[i];
  p.scrollIntoView({{block: 'center'}});
  const box = p.getBoundingClientRect();
  return {{x: box.left + box.width / 2, y: box.top + box.height / 2}};
}}
"""


def first_choropleth(traces: list[dict]) -> dict:
    return next(tr for tr in traces if tr["type"] == "choropleth")


def open_overview(tab: AppTab, lang: str) -> None:
    tab.open(page_path("overview"), lang=lang)
    tab.page.wait_for_selector(OV_MAP, state="attached")
    tab.wait_for_plots()


def test_overview_map_has_the_20_regions(tab: AppTab) -> None:
    open_overview(tab, "en")
    traces = tab.page.evaluate(MAP_TRACES_JS)
    choropleth = first_choropleth(traces)
    assert len(choropleth["locations"]) == 20 == len(set(choropleth["locations"]))
    assert all(isinstance(z, int | float) for z in choropleth["z"])
    assert {ASTANA, SHYMKENT} <= set(choropleth["locations"])
    # every region found its shape in the GeoJSON served by the app, and d3-geo drew it
    assert tab.page.evaluate(RENDERED_REGIONS_JS) == {"rendered": 20, "matched": 20}
    tab.assert_healthy("en")


def test_clicking_astana_opens_its_dashboard(tab: AppTab) -> None:
    open_overview(tab, "en")
    tab.page.locator(".st-key-ov_map").scroll_into_view_if_needed()
    tab.wait_for_plots()
    traces = tab.page.evaluate(MAP_TRACES_JS)
    # Astana is drawn as a dot over its (small) polygon: click the dot, as a user would.
    dots = [tr for tr in traces if tr["type"] == "scattergeo" and ASTANA in tr["custom"]]
    assert dots, "the overview map has no dot for Astana"
    point = tab.page.evaluate(POINT_JS, dots[-1]["custom"].index(ASTANA))
    assert 0 < point["y"] < 900, point  # on screen, or the click would land elsewhere
    tab.page.mouse.move(point["x"] - 1, point["y"])  # Plotly picks the point on hover
    tab.page.mouse.move(point["x"], point["y"])
    tab.page.mouse.click(point["x"], point["y"])
    # st.switch_page changes the URL in place (history API), there is no page load to wait for
    tab.page.wait_for_function("() => location.pathname.replace(/\\/$/, '').endsWith('/region')")
    tab.wait_idle()
    tab.page.locator("[data-testid='stMain'] h1").filter(has_text="Astana").wait_for()
    assert tab.path() == "region"
    assert tab.query().get("region") == [ASTANA]
    assert tab.query().get("lang") == ["en"]
    assert "Astana" in tab.main_text()
    tab.screenshot("region_astana_en_from_map")
    tab.assert_healthy("en")


def test_region_from_url_in_kazakh(tab: AppTab) -> None:
    tab.open(page_path("region"), region=SHYMKENT, lang="kk")
    assert tab.query().get("region") == [SHYMKENT]
    main = tab.main_text()
    assert "Шымкент" in main
    assert "Shymkent" not in tab.text()
    tab.screenshot("region_shymkent_kk")
    tab.assert_healthy("kk")


def test_a_filter_changes_the_map(tab: AppTab) -> None:
    """The sidebar's year range is a filter of every page: narrowing it by one year (keyboard on
    the slider's first thumb, as a user can) must change the map's values."""
    open_overview(tab, "en")
    before = first_choropleth(tab.page.evaluate(MAP_TRACES_JS))
    values_before = dict(zip(before["locations"], before["z"], strict=True))

    # the map is updated in place (Plotly.react keeps its SVG), not thrown away and drawn anew
    tab.page.evaluate(
        f"() => {{ window.__mapSvg = document.querySelector('{OV_MAP} .main-svg'); }}"
    )
    first_thumb = tab.page.locator(".st-key-years input[type='range']").first
    start = int(first_thumb.input_value())
    first_thumb.focus()
    tab.page.keyboard.press("ArrowRight")
    # the script writes the new range into the URL (history API: no page load)
    tab.page.wait_for_function(f"() => location.search.includes('years={start + 1}-')")
    tab.page.wait_for_function(
        """(before) => {
          const gd = document.querySelector('.st-key-ov_map .js-plotly-plot');
          const tr = gd && gd.data.find((t) => t.type === 'choropleth');
          return tr && JSON.stringify(Array.from(tr.z)) !== JSON.stringify(before);
        }""",
        arg=before["z"],
    )
    tab.wait_idle()
    after = first_choropleth(tab.page.evaluate(MAP_TRACES_JS))
    values_after = dict(zip(after["locations"], after["z"], strict=True))
    assert values_after != values_before
    # a shorter period cannot add initiatives to a region
    common = set(values_after) & set(values_before)
    assert common and all(values_after[c] <= values_before[c] + 1e-9 for c in common)
    assert tab.page.evaluate(
        f"() => window.__mapSvg === document.querySelector('{OV_MAP} .main-svg')"
    ), "the map was drawn anew instead of updated"
    title = tab.page.evaluate(f"() => document.querySelector('{OV_MAP}')._fullLayout.title.text")
    assert str(start + 1) in title and str(start) not in title.replace(str(start + 1), "")
    tab.assert_healthy("en")


def test_a_mix_tab_is_drawn_when_opened_and_kept_in_the_url(tab: AppTab) -> None:
    """The mixes are lazy tabs: a click runs the page again with that tab open, draws its chart
    and puts it in the URL, so a shared link opens the same tab."""
    open_overview(tab, "ru")
    assert tab.page.locator(".st-key-ov_sdg .js-plotly-plot").count() == 0
    tab.page.get_by_role("tab", name=t("ru", "overview.mix_tab_sdg")).click()
    tab.page.wait_for_function("() => location.search.includes('ov_mix=sdg')")
    tab.page.locator(".st-key-ov_sdg .js-plotly-plot").wait_for()
    tab.wait_idle()
    tab.wait_for_plots()
    assert tab.query().get("ov_mix") == ["sdg"]
    assert tab.page.locator(".st-key-ov_sector_mix .js-plotly-plot").count() == 0
    tab.assert_healthy("ru")


def test_a_chart_goes_full_screen_and_back(tab: AppTab) -> None:
    """Presenters show one chart on the whole screen: the toolbar's button (in the UI language)
    makes the chart the full-screen element at the screen's height, and back."""
    open_overview(tab, "kk")
    gd = f"document.querySelector('{OV_MAP}')"
    height = tab.page.evaluate(f"() => {gd}._fullLayout.height")
    tab.page.locator(".st-key-ov_map").hover()
    button = tab.page.locator(
        f".st-key-ov_map .modebar-btn[data-title='{t('kk', 'chart.fullscreen')}']"
    )
    # Plotly's own buttons speak Kazakh too (plotly.js has no kk locale: chart.js adds one)
    titles = tab.page.evaluate(
        "() => [...document.querySelectorAll('.st-key-ov_map .modebar-btn')]"
        ".map((b) => b.getAttribute('data-title'))"
    )
    assert "Диаграмманы PNG ретінде жүктеп алу" in titles, titles
    button.click()
    tab.page.wait_for_function(
        # the chart's frame: it holds the keyboard's full-screen button too (test_chart_access.py)
        f"() => document.fullscreenElement === {gd}.parentElement "
        f"&& {gd}._fullLayout.height === window.innerHeight"
    )
    assert tab.page.locator(
        f".st-key-ov_map .modebar-btn[data-title='{t('kk', 'chart.exit_fullscreen')}']"
    ).count()
    tab.page.evaluate("() => document.exitFullscreen()")
    tab.page.wait_for_function(
        f"() => !document.fullscreenElement && {gd}._fullLayout.height === {height}"
    )
    tab.wait_for_plots()
    tab.assert_healthy("kk")


def test_a_chart_that_cannot_load_plotly_says_so_in_the_ui_language(tab: AppTab) -> None:
    """If the served Plotly bundle cannot be loaded (a proxy blocking /app/static, say), each
    chart's place says so in the user's language instead of staying blank."""
    tab.page.route("**/plotly-creative.min.js*", lambda route: route.abort())
    tab.page.goto(f"{tab.base_url}/?lang=ru")
    tab.page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    failed = t("ru", "chart.failed")
    tab.page.wait_for_function(
        "(text) => { const c = [...document.querySelectorAll('.cd-plotly')];"
        " return c.length > 0 && c.every((d) => d.textContent === text); }",
        arg=failed,
    )
    assert tab.page.locator(".js-plotly-plot").count() == 0


def test_a_chart_follows_its_containers_width(tab: AppTab) -> None:
    """The chart component redraws at the new width when the page gets narrower (a window
    resized, the sidebar opened): it watches its container, not only the window."""
    open_overview(tab, "en")
    width = tab.page.evaluate(f"() => document.querySelector('{OV_MAP}')._fullLayout.width")
    tab.page.set_viewport_size({"width": 1000, "height": 900})
    try:
        tab.page.wait_for_function(
            f"""() => {{ const gd = document.querySelector('{OV_MAP}');
                 const box = document.querySelector('.st-key-ov_map').getBoundingClientRect();
                 return gd._fullLayout.width < {width}
                   && Math.abs(gd._fullLayout.width - box.width) <= 1; }}"""
        )
    finally:
        tab.page.set_viewport_size({"width": 1366, "height": 900})
    tab.assert_healthy("en")
