"""The live session: audience polls, votes and presenter decks.

- ``model``: polls, decks and their checks (no store, no Streamlit);
- ``writes``: storing them (polls, votes, decks), retried on write conflicts;
- ``scenes``: the registry of slides a deck can show, each a figure from named queries;
- ``presenter``: the presenter page's state (the deck draft, the slide shown and auto-advance,
  the poll admin's choices), no Streamlit;
- ``ballot``: the vote page's choices (voter token, answer order, messages), no Streamlit.

The package re-exports the model and the writes, so callers say ``live.vote(...)``.
"""

from creative_dash.live.model import *  # noqa: F403
from creative_dash.live.model import __all__ as _model_all
from creative_dash.live.writes import *  # noqa: F403
from creative_dash.live.writes import __all__ as _writes_all

__all__ = [*_model_all, *_writes_all]
