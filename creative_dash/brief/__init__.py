"""The printable brief: a region's (or the country's) figures on A4, as a vector PDF in the
reader's language, with sources and data version on every page and the demo mark on every page
while the store holds demo rows.

Pure: frames in (gathered by :func:`gather_region` / :func:`gather_national` through a ``run``
callable), PDF bytes out. No store, no Streamlit (``creative_dash.ui.brief`` caches and serves
them). Built with fpdf2, text in DejaVu Sans (``static/fonts/``), charts drawn as vector paths
(``draw``).
"""

from creative_dash.brief.inputs import Common, RegionInputs, gather_national, gather_region
from creative_dash.brief.national import national_brief
from creative_dash.brief.region import region_brief

__all__ = [
    "Common",
    "RegionInputs",
    "gather_national",
    "gather_region",
    "national_brief",
    "region_brief",
]
