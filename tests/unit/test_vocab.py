from __future__ import annotations

import pytest

from creative_dash import vocab
from creative_dash.i18n import LANGS, catalog


@pytest.mark.parametrize("lang", LANGS)
def test_every_code_has_a_translation(lang):
    messages = catalog(lang)
    missing = [
        f"{group}.{code}"
        for group, codes in vocab.GROUPS.items()
        for code in codes
        if f"{group}.{code}" not in messages
    ]
    assert missing == []


def test_catalogue_groups_hold_no_codes_the_store_cannot_have():
    messages = catalog("en")
    for group, codes in vocab.GROUPS.items():
        keys = {k.split(".", 1)[1] for k in messages if k.split(".", 1)[0] == group}
        assert keys == set(codes), group


def test_demo_uses_only_known_codes(demo_store):
    checks = {
        "SELECT DISTINCT status FROM initiatives": vocab.INITIATIVE_STATUSES,
        "SELECT DISTINCT funding_source FROM initiatives": vocab.FUNDING_SOURCES,
        "SELECT DISTINCT hub_type FROM hubs": vocab.HUB_TYPES,
        "SELECT DISTINCT status FROM hubs": vocab.HUB_STATUSES,
        "SELECT DISTINCT role FROM participants": vocab.ROLES,
        "SELECT DISTINCT kind FROM programme_sessions": vocab.SESSION_KINDS,
        "SELECT DISTINCT category FROM recommendations": vocab.REC_CATEGORIES,
        "SELECT DISTINCT status FROM recommendations": vocab.REC_STATUSES,
        "SELECT DISTINCT responsible_body FROM recommendations": vocab.BODIES,
    }
    for sql, codes in checks.items():
        assert set(demo_store.query(sql).iloc[:, 0]) <= set(codes), sql
