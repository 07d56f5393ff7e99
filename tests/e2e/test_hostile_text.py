"""Text from the store is text (issue 15, item 1): a store whose every text field holds markup,
links, images, scripts, directives, zero-width and right-to-left override characters and a
10,000-character string, written through the write gateway as a system actor; every page opened
in kk, ru and en (the users and audit pages signed in as an administrator whose own name is
hostile). Nothing leaves 127.0.0.1 (every other host is routed away and counted), no dialog
opens, no image, link, bold, italic or code element is built from stored text (in Streamlit's
Markdown or in Plotly's labels), the texts show literally, and a right-to-left override is shown
as a named mark instead of reordering the text. Then a link with unknown filter values gets a
notice naming them."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creative_dash import live
from creative_dash import store as store_mod
from creative_dash.access import CLI, SYSTEM
from creative_dash.i18n import LANGS, t
from creative_dash.live import SceneRef
from creative_dash.navigation import PAGES
from creative_dash.store import gateway, users
from creative_dash.text import WORD_JOINER, visible
from tests.conftest import PASSWORD
from tests.e2e.browser import APP_IDLE, AppTab, is_local, page_path
from tests.e2e.conftest import running_app

pytestmark = pytest.mark.e2e

MARK = "Zq"  # in every payload: an element whose text holds it was built from stored text
PAYLOADS = [
    f"![{MARK}](http://tracker.example/p.png)",
    f"**bold{MARK}** [link{MARK}](javascript:alert(1))",
    f'=HYPERLINK("http://evil.example/{MARK}","x")',
    f"\tcode{MARK} block",
    f":red[red{MARK}] :material/home: _it{MARK}_",
    f"<img src=x onerror=alert('{MARK}')>",
    f"<script>alert('{MARK}')</script>",
    f'<a href="javascript:alert(1)">a{MARK}</a> <b>b{MARK}</b>',
    f"abc\u202e{MARK}dcba",
    f"zero\u200bwidth{MARK} $x^2$ `code{MARK}` %{{x}} http://evil.example/{MARK}",
]
LONG = MARK + "x" * 10_000
ADMIN_LOGIN = "hx-admin"

# Text columns of the store (codes and keys keep their values: the app joins on them). The
# region's, sector's, competency's and hub's names are what charts label their axes and hovers
# with. {i}: a row's payload, chosen by its position, so every payload lands in every column.
TEXT_COLUMNS = {
    "regions": (
        "iso_code",
        [
            "name_kk",
            "name_ru",
            "name_en",
            "admin_center_kk",
            "admin_center_ru",
            "admin_center_en",
            "notes",
        ],
    ),
    "sectors": ("code", ["name_kk", "name_ru", "name_en"]),
    "competencies": ("code", ["name_kk", "name_ru", "name_en"]),
    "indicator_defs": ("code", ["name_kk", "name_ru", "name_en"]),
    "hubs": ("hub_id", ["name", "city"]),
    "programmes": (
        "programme_id",
        [
            "title_kk",
            "title_ru",
            "title_en",
            "organisers_kk",
            "organisers_ru",
            "organisers_en",
            "venue_kk",
            "venue_ru",
            "venue_en",
            "source",
        ],
    ),
    "programme_sessions": ("session_id", ["title_kk", "title_ru", "title_en"]),
    "recommendations": ("recommendation_id", ["text", "follow_up_note"]),
    "initiatives": ("initiative_id", ["title"]),
    "region_population": ("iso_code", ["source"]),
    "indicators": ("region_iso", ["source"]),
}


def _hostile(i: int, suffix: str) -> str:
    return f"{PAYLOADS[i % len(PAYLOADS)]} {suffix}"


def seed(path: Path) -> tuple[str, str, int]:
    """Hostile text in every text column (one load through the gateway, audited), a poll and a
    deck of hostile text, an administrator with a hostile name; (poll id, deck id, the id of an
    initiative with a history)."""
    s = store_mod.open_store(str(path))
    tables = list(TEXT_COLUMNS)
    with gateway.load(s, SYSTEM, "hostile-text", tables) as job:
        for table, (key, columns) in TEXT_COLUMNS.items():
            keys = [r[0] for r in job.cur.execute(f"SELECT DISTINCT {key} FROM {table}").fetchall()]  # noqa: S608
            for i, k in enumerate(sorted(keys, key=str)):
                values = {c: _hostile(i + n, f"{table}.{c}.{i}") for n, c in enumerate(columns)}
                sets = ", ".join(f"{c} = ${c}" for c in columns)
                job.cur.execute(
                    f"UPDATE {table} SET {sets} WHERE {key} = $key",  # noqa: S608
                    {**values, "key": k},
                )
            job.loaded(table, rows=len(keys))
        job.cur.execute(
            "UPDATE recommendations SET text = $t WHERE recommendation_id = "
            "(SELECT min(recommendation_id) FROM recommendations)",
            {"t": LONG},
        )
        job.cur.execute(
            "UPDATE initiatives SET title = $t WHERE initiative_id = "
            "(SELECT min(initiative_id) FROM initiatives)",
            {"t": LONG},
        )
    admin = users.create_user(
        s, CLI, login=ADMIN_LOGIN, role="admin", display_name=PAYLOADS[1], password=PASSWORD
    )
    presenter = users.create_user(
        s,
        CLI,
        login="hx-presenter",
        role="presenter",
        display_name=PAYLOADS[8],
        password=PASSWORD,
    )
    question = {lang: _hostile(i, f"question.{lang}") for i, lang in enumerate(LANGS)}
    options = [
        {lang: _hostile(i + j, f"option.{j}") for j, lang in enumerate(LANGS)} for i in range(3)
    ]
    pid = live.create_poll(
        s, kind="choice", question=question, options=options, actor=presenter.user_id
    )
    live.open_poll(s, pid, actor=presenter.user_id)
    deck = live.save_deck(
        s,
        title=PAYLOADS[7],
        actor=presenter.user_id,
        scenes=[SceneRef("poll", {"poll": pid}), SceneRef("per_year", {"region": "KZ-10"})],
    )
    initiative = int(
        s.scalar("SELECT min(initiative_id) FROM initiatives WHERE region_iso = 'KZ-10'")
    )
    # a change of it by the administrator: its history (and the audit log) holds hostile text
    with gateway.write(s, admin.user_id, "initiatives", key=initiative, action="update") as w:
        w.cur.execute(
            "UPDATE initiatives SET title = $t WHERE initiative_id = $k",
            {"t": PAYLOADS[5] + " " + PAYLOADS[3], "k": initiative},
        )
    store_mod.close_all()  # the server opens the file next
    return pid, deck, initiative


@pytest.fixture(scope="module")
def hostile_app(
    browser: Any, store_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str, int]]:
    work = tmp_path_factory.mktemp("e2e-hostile")
    path = work / "hostile.duckdb"
    shutil.copy(store_template, path)
    pid, deck, initiative = seed(path)
    with running_app(path, work, "streamlit-hostile") as (url, _log):
        page = browser.new_page()
        try:  # the first page of a fresh server opens the store: not a test's to wait for
            AppTab(page, url).open("")
            page.locator(".st-key-lang").wait_for(timeout=120_000)
        finally:
            page.close()
        yield url, pid, deck, initiative


# Elements that markup would have made of stored text, and links or images anywhere that point
# outside (what a payload would point to).
BUILT_FROM_TEXT_JS = """
(mark) => {
  const found = [];
  const say = (el, why) => found.push(why + ': ' + el.outerHTML.slice(0, 160));
  for (const el of document.querySelectorAll('img, image')) {
    const src = el.getAttribute('src') || el.getAttribute('href') || '';
    if ((el.getAttribute('alt') || '').includes(mark) || src === 'x'
        || /^(https?:)?\\/\\//.test(src) && !src.startsWith(location.origin)) say(el, 'image');
  }
  for (const el of document.querySelectorAll('a')) {
    const href = el.getAttribute('href') || el.getAttribute('xlink:href') || '';
    if (/^javascript:/i.test(href) || /evil|tracker/.test(href)
        || (el.textContent || '').includes(mark)) say(el, 'link');
  }
  for (const el of document.querySelectorAll(
      'strong, em, b, i, code, pre, script, [data-testid=stIconMaterial], span[style*=color]')) {
    if ((el.textContent || '').includes(mark)) say(el, 'markup');
  }
  if ((document.body.textContent || '').includes('\\u202e')) found.push('a raw RLO is in the page');
  return found;
}
"""


def guard(tab: AppTab) -> list[str]:
    """Route every request for another host away (and count it); fail on any dialog."""
    events: list[str] = []

    def route(r: Any) -> None:
        if is_local(r.request.url):
            r.continue_()
        else:
            events.append(f"request to another host: {r.request.url}")
            r.abort()

    def dialog(d: Any) -> None:
        events.append(f"a dialog opened: {d.type} {d.message!r}")
        d.dismiss()

    tab.page.route("**/*", route)
    tab.page.on("dialog", dialog)
    return events


def shown_text(tab: AppTab) -> str:
    """What the page shows, Plotly's SVG text included, without the invisible word joiners
    that keep bare links from being linked."""
    text = tab.page.evaluate(
        "() => document.body.innerText + '\\n' + [...document.querySelectorAll("
        "'.js-plotly-plot text')].map((n) => n.textContent).join('\\n')"
    )
    return text.replace(WORD_JOINER, "")


def check(tab: AppTab, events: list[str], lang: str, where: str) -> str:
    tab.page.locator(".st-key-lang").wait_for(state="attached")
    tab.wait_idle()
    found = [f"{where}: {p}" for p in tab.page.evaluate(BUILT_FROM_TEXT_JS, MARK)]
    found += [f"{where}: {e}" for e in events]
    # every chart drew (wait_idle asserts it); a timed fragment (the presenter's slide) may be
    # drawing its next tick by now, which problems() would take for a chart that never drew
    found += [f"{where}: {p}" for p in tab.problems(lang) if not p.startswith("Plotly charts")]
    assert not found, "\n".join(found)
    return shown_text(tab)


def literal(payload: str) -> str:
    """A payload as an inert element shows it: controls named, white space runs one space."""
    return " ".join(visible(payload).split())


def pages_to_open(pid: str, deck: str, initiative: int) -> list[tuple[str, dict[str, str]]]:
    """Every page but the administrators' (opened signed in), with what opens its texts."""
    query = {
        "region": {"region": "KZ-10", "rg_mix": "sectors"},
        "initiatives": {"in_id": str(initiative)},
        "programme": {"prog_rec_tab": "table", "prog_init_tab": "top"},
        "vote": {"poll": pid},
        "hubs": {"hubs_region": "KZ-10"},
    }
    keys = [spec.key for spec in PAGES if spec.key not in ("users", "audit")]
    out = [(key, query.get(key, {})) for key in keys]
    out.append(("live", {"deck": deck}))  # presenter mode: the deck's title and its poll
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_stored_text_stays_text_on_every_page(browser: Any, hostile_app, lang: str) -> None:
    url, pid, deck, initiative = hostile_app
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    try:
        tab = AppTab(context.new_page(), url)
        events = guard(tab)
        seen = []
        for key, query in pages_to_open(pid, deck, initiative):
            tab.open(page_path(key), lang=lang, **query)
            seen.append(check(tab, events, lang, f"{key}?{query}"))
            if key == "region":  # the follow-up notes editors type, in the region's table
                assert "recommendations.follow_up_note." in seen[-1]
        assert MARK in seen[0], "the overview shows no stored text: the seeding did not take"

        # the administrators' pages, signed in as one whose own name is hostile
        tab.open(page_path("sign_in"), lang=lang)
        tab.page.locator(".st-key-sign_in_login input").fill(ADMIN_LOGIN)
        tab.page.locator(".st-key-sign_in_password input").fill(PASSWORD)
        tab.page.get_by_role("button", name=t(lang, "auth.submit"), exact=True).click()
        tab.page.locator(".st-key-auth_name").get_by_text(
            literal(PAYLOADS[1]), exact=True
        ).wait_for()
        tab.wait_idle()
        seen.append(check(tab, events, lang, "sign_in (signed in)"))
        for key in ("users", "audit"):
            nav = tab.page.locator("[data-testid='stSidebarNav']")
            nav.get_by_role("link", name=t(lang, f"nav.{key}")).click()
            tab.page.wait_for_url(re.compile(rf"/{key}(\?|$)"))
            tab.page.wait_for_selector(APP_IDLE, state="attached")
            tab.wait_idle()
            seen.append(check(tab, events, lang, key))
        everything = "\n".join(seen)
        missing = [p for p in PAYLOADS if literal(p) not in everything]
        assert not missing, f"payloads not shown literally anywhere: {missing}"
        assert "abc⟨RLO⟩" + MARK in everything  # shown, not obeyed
    finally:
        context.close()


def test_a_link_with_unknown_filter_values_names_them(browser: Any, hostile_app) -> None:
    url, *_ = hostile_app
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    try:
        tab = AppTab(context.new_page(), url)
        events = guard(tab)
        odd = "<b>planet</b>"
        tab.open(page_path("hubs"), lang="ru", hubs_sector=f"music,{odd}", years="abc")
        notice = tab.page.locator(".st-key-url_notice").inner_text()
        assert notice.startswith(t("ru", "app.url_ignored", values="")[:20])
        assert f"hubs_sector={odd}" in notice and "years=abc" in notice
        assert tab.page.locator(".st-key-url_notice b").count() == 0
        assert not events
    finally:
        context.close()
