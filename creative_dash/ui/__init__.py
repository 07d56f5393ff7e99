"""The UI layer: the only code that touches Streamlit besides the pages.

Modules, one concern each:
- ``pages_patch``: the one patch of Streamlit (deep links on a fresh server);
- ``cache``: the store, query results and built figures (the only caches);
- ``lang``: the reader's language;
- ``urlstate``: widgets bound to the URL;
- ``sidebar``: the shared sidebar and the selection it holds (and choosing its region from a page);
- ``selection``: a page's filters (the sidebar's and its own widgets') as one ``Filters`` value;
- ``layout``: lazy URL-bound tabs, the print view, places drawn after the main content;
- ``navigate``: moving between pages;
- ``brief``: the "Download brief (PDF)" button (the builder is ``creative_dash.brief``);
- ``sources``: the footnote under a data page (data version, last load, population dates);
- ``render``: charts (through ``plotly_view``, the chart component), KPI cards, downloads,
  the boundaries file's warning;
- ``style``: page stylesheets from ``static/css/``;
- ``live``: the live pages' state in the session and the URL, their callbacks and components
  (imported by those pages as ``from creative_dash.ui import live``, not re-exported here).
- ``session``: the signed-in user's id (only that: rights are read from the store per write);
- ``auth``: signing in and out (the frame's session check, the identity box, the sign-in page),
  which pages a session may open or see in the menu, the administrators' pages' guard;
- ``accounts``: the users page's forms (imported by that page, not re-exported here).

Pages import this package and call its names (``ui.q``, ``ui.chart``...).
"""

from creative_dash.ui.pages_patch import leave_pages_directory_mode

leave_pages_directory_mode()

from creative_dash.text import inert, visible  # noqa: E402  (the one rule for user text)
from creative_dash.ui.auth import check_session, identity_box, in_menu, run_page  # noqa: E402
from creative_dash.ui.brief import brief_button  # noqa: E402
from creative_dash.ui.cache import (  # noqa: E402
    Query,
    clear_caches,
    deferred,
    figure,
    figure_key,
    passes_by_itself,
    q,
    retry_when_back,
    store,
    versions,
)
from creative_dash.ui.empty import (  # noqa: E402
    empty_notes,
    metric_missing,
    reference_badge,
    reference_only,
)
from creative_dash.ui.lang import LANG_KEY, current_lang, tr  # noqa: E402
from creative_dash.ui.layout import (  # noqa: E402
    draw_later,
    forget_later,
    fragment,
    later,
    lazy_expander,
    lazy_tabs,
    print_stylesheet,
    print_view,
    print_view_link,
    print_view_toggle,
    url_tabs,
)
from creative_dash.ui.navigate import page, switch_page  # noqa: E402
from creative_dash.ui.render import (  # noqa: E402
    boundaries_warning,
    chart,
    chosen_row,
    clicked,
    data_table,
    download_buttons,
    frame_downloads,
    metric_cards,
    pager,
    plain_frame,
    plotly,
    section_header,
    static_table,
    tab_charts,
)
from creative_dash.ui.selection import page_filters  # noqa: E402
from creative_dash.ui.session import USER_KEY, set_user_id, sign_out, user_id  # noqa: E402
from creative_dash.ui.sidebar import (  # noqa: E402
    REGION_KEY,
    YEARS_KEY,
    choose_region,
    demo_badge_help,
    has_demo,
    open_chosen_region,
    region_names,
    region_picker,
    selected_region,
    selected_years,
    sidebar,
)
from creative_dash.ui.sources import sources_footer  # noqa: E402
from creative_dash.ui.style import stylesheet  # noqa: E402
from creative_dash.ui.urlstate import (  # noqa: E402
    TEXT_MAX_CHARS,
    AnyOf,
    OneOf,
    Text,
    UrlValue,
    YearSpan,
    choice_parser,
    forget_rejected_url_value,
    ignore_url_values,
    ignored_url_values,
    multi_parser,
    rejected_url_value,
    seed_from_url,
    url_multiselect,
    url_multiselect_value,
    url_notice,
    url_number_input,
    url_selectbox,
    url_text_input,
    url_text_input_value,
    write_url,
    year_range_parser,
)

Q = Query.of

__all__ = [
    "empty_notes",
    "metric_missing",
    "reference_badge",
    "reference_only",
    "print_view_toggle",
    "sources_footer",
    "demo_badge_help",
    "section_header",
    "tab_charts",
    "brief_button",
    "USER_KEY",
    "ignore_url_values",
    "ignored_url_values",
    "inert",
    "plain_frame",
    "static_table",
    "url_notice",
    "visible",
    "Text",
    "YearSpan",
    "choose_region",
    "chosen_row",
    "data_table",
    "deferred",
    "fragment",
    "frame_downloads",
    "open_chosen_region",
    "page_filters",
    "pager",
    "print_stylesheet",
    "region_picker",
    "LANG_KEY",
    "REGION_KEY",
    "TEXT_MAX_CHARS",
    "YEARS_KEY",
    "AnyOf",
    "OneOf",
    "Q",
    "Query",
    "UrlValue",
    "boundaries_warning",
    "chart",
    "check_session",
    "choice_parser",
    "clear_caches",
    "clicked",
    "current_lang",
    "download_buttons",
    "draw_later",
    "figure",
    "figure_key",
    "forget_later",
    "forget_rejected_url_value",
    "has_demo",
    "identity_box",
    "in_menu",
    "later",
    "lazy_expander",
    "lazy_tabs",
    "metric_cards",
    "multi_parser",
    "page",
    "passes_by_itself",
    "plotly",
    "print_view",
    "print_view_link",
    "q",
    "region_names",
    "rejected_url_value",
    "retry_when_back",
    "run_page",
    "seed_from_url",
    "selected_region",
    "selected_years",
    "set_user_id",
    "sidebar",
    "sign_out",
    "store",
    "stylesheet",
    "switch_page",
    "tr",
    "versions",
    "url_multiselect",
    "url_multiselect_value",
    "url_number_input",
    "url_selectbox",
    "url_tabs",
    "url_text_input",
    "url_text_input_value",
    "user_id",
    "write_url",
    "year_range_parser",
]
