"""Downloads when every export slot is taken: the click's rerun tells the user, in their
language, to try again in a moment.

AppTest has no runtime, so it never runs a download's build (a real server does: see
tests/e2e/test_downloads.py); the build's refusal is recorded here as the build would record it
(``export.Outcomes``, kept per button in the session), then the button is clicked."""

from __future__ import annotations

import pytest

from creative_dash.export import Outcomes
from creative_dash.i18n import t
from tests.app.apptest import open_page


def _refused() -> Outcomes:
    outcomes = Outcomes()
    outcomes.record(False)
    return outcomes


@pytest.mark.parametrize(
    ("page", "button", "lang"),
    [("initiatives", "in_dl_xlsx", "kk"), ("hubs", "hubs_dl_csv", "ru")],
)
def test_refused_download_says_busy_in_the_users_language(demo_db, page, button, lang):
    at = open_page(page, lang)
    assert not at.exception
    assert t(lang, "export.busy") not in [w.value for w in at.warning]
    at.session_state[f"_outcomes_{button}"] = _refused()
    next(b for b in at.get("download_button") if b.key == button).click().run()
    assert not at.exception
    assert t(lang, "export.busy") in [w.value for w in at.warning]
    at.run()  # the next rerun (no click) no longer says it
    assert t(lang, "export.busy") not in [w.value for w in at.warning]


def test_download_that_got_a_slot_says_nothing(demo_db):
    at = open_page("initiatives", "en")
    outcomes = Outcomes()
    outcomes.record(True)
    at.session_state["_outcomes_in_dl_csv"] = outcomes
    next(b for b in at.get("download_button") if b.key == "in_dl_csv").click().run()
    assert not at.exception
    assert t("en", "export.busy") not in [w.value for w in at.warning]
