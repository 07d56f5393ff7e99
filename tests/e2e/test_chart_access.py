"""The chart component for a keyboard and a screen reader: each chart's drawing is an image named
by its title in the page's language, and Tab reaches a real button that puts the chart on the whole
screen (Enter) and back (Space), labelled in the page's language, with a visible focus."""

from __future__ import annotations

import pytest

from creative_dash.i18n import t
from tests.e2e.browser import AppTab, page_path

pytestmark = pytest.mark.e2e

KEY = "ov_map"
CHART = f".st-key-{KEY} .cd-plotly"
BUTTON = f".st-key-{KEY} button.cd-plotly-fs"
MAX_TABS = 150  # the sidebar's and the page's controls before the map, with room to spare

# The focused element: its chart's key (the st-key-* holder), class, text, and how it looks.
FOCUSED_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const holder = el.closest('[class*="st-key-"]');
  const match = holder && holder.className.match(/st-key-([\\w-]+)/);
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {key: match ? match[1] : null, tag: el.tagName, cls: el.className,
          text: el.textContent, width: box.width, height: box.height,
          outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth)};
}
"""

# The map's title as the chart shows it: its lines (an SVG tspan each) joined by a space.
TITLE_JS = f"""
() => {{
  const title = document.querySelector("{CHART} .gtitle");
  if (!title) return null;
  const lines = [...title.querySelectorAll("tspan.line")].map((l) => l.textContent);
  return lines.length ? lines.join(" ") : title.textContent;
}}
"""


def open_overview(tab: AppTab, lang: str) -> None:
    tab.open(page_path("overview"), lang=lang)
    tab.page.wait_for_selector(CHART, state="attached")
    tab.wait_for_plots()


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_the_chart_is_an_image_named_by_its_title(tab: AppTab, lang: str) -> None:
    open_overview(tab, lang)
    title = tab.page.evaluate(TITLE_JS)
    assert title, "the map shows a title"
    image = tab.page.get_by_role("img", name=title, exact=True)
    assert image.count() == 1
    # the drawing (Plotly's main svg), not the chart's div, which holds the toolbar's buttons too
    assert image.evaluate(
        f"(el) => el.matches('svg.main-svg') && el.closest('.cd-plotly')"
        f" === document.querySelector('{CHART}')"
    )
    # every chart of the page is one named image, and its toolbar is not inside it
    charts = tab.page.evaluate(
        """() => [...document.querySelectorAll('.cd-plotly')].map((c) => {
             const images = [...c.querySelectorAll('[role=img]')];
             return {names: images.map((i) => i.getAttribute('aria-label')),
                     buttonsInside: images.map((i) => i.querySelectorAll('button').length)
                       .reduce((a, b) => a + b, 0),
                     buttons: c.querySelectorAll('.modebar-btn').length};
           })"""
    )
    assert charts, "no chart on the overview"
    for chart in charts:
        assert len(chart["names"]) == 1 and chart["names"][0], charts
        assert chart["buttonsInside"] == 0 and chart["buttons"] > 0, charts
    tab.assert_healthy(lang)


def test_tab_reaches_the_full_screen_button_and_enter_opens_full_screen(tab: AppTab) -> None:
    open_overview(tab, "kk")
    frame = f"document.querySelector('{CHART}').parentElement"
    height = tab.page.evaluate(f"() => document.querySelector('{CHART}')._fullLayout.height")
    # hidden until it has the focus: the mouse has Plotly's toolbar
    assert tab.page.locator(BUTTON).bounding_box()["width"] <= 1

    tab.page.locator("[data-testid='stMain'] h1").first.click()  # start from the page's title
    focused = None
    for _ in range(MAX_TABS):
        tab.page.keyboard.press("Tab")
        focused = tab.page.evaluate(FOCUSED_JS)
        if focused and focused["key"] == KEY:
            break
    assert focused and focused["key"] == KEY, f"Tab never reached the map; last: {focused}"
    # the first stop in the chart is its full-screen button, shown, focus ring and all
    assert focused["tag"] == "BUTTON" and focused["cls"] == "cd-plotly-fs", focused
    assert focused["text"] == t("kk", "chart.fullscreen")
    assert focused["width"] > 20 and focused["height"] > 10, focused
    assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, focused

    tab.page.keyboard.press("Enter")
    tab.page.wait_for_function(
        f"() => document.fullscreenElement === {frame} "
        f"&& document.querySelector('{CHART}')._fullLayout.height === window.innerHeight"
    )
    button = tab.page.locator(BUTTON)
    assert button.evaluate("(el) => el === document.activeElement")
    assert button.text_content() == t("kk", "chart.exit_fullscreen")

    tab.page.keyboard.press("Space")
    tab.page.wait_for_function(
        f"() => !document.fullscreenElement "
        f"&& document.querySelector('{CHART}')._fullLayout.height === {height}"
    )
    assert button.text_content() == t("kk", "chart.fullscreen")
    tab.wait_for_plots()
    tab.assert_healthy("kk")
