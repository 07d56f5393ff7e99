"""A Streamlit session driven over its own websocket protocol, without a browser: what a phone's
tab sends (``BackMsg``: run the page, a button was clicked) and receives (``ForwardMsg``: the
elements drawn, the run finished). A room of voters is hundreds of sessions; that many Chromium
tabs do not fit on the test machine's two cores, these do (each is one websocket and a thread).

Only what the tests need: run a page with a query string, find buttons by their key, click one
(its callback runs on the server; a button inside a fragment reruns only that fragment, as in a
browser), read the texts and alerts drawn.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.state.common import user_key_from_element_id
from websockets.sync.client import connect

RUN_TIMEOUT_S = 60
DONE = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


class RunFailed(AssertionError):
    pass


@dataclass
class Run:
    """What one script run drew: buttons by key (their element ids), texts, alerts."""

    buttons: dict[str, str] = field(default_factory=dict)
    fragments: dict[str, str] = field(default_factory=dict)  # button key -> its fragment
    texts: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)  # set by the run's st.html scripts
    keys: set[str] = field(default_factory=set)  # the keys of every widget drawn


# What a page's ``st.html`` script does to the browser's cookies (the vote page keeps the
# device's voter token so): ``document.cookie = 'name=value; ...'``.
_SET_COOKIE = re.compile(r"document\.cookie\s*=\s*'([A-Za-z0-9_-]+)=([A-Za-z0-9_-]*)[;']")


class Session:
    """One browser tab's session on a Streamlit server (``base_url`` http://host:port)."""

    def __init__(self, base_url: str, page: str, query: str, cookie: str | None = None) -> None:
        self.page, self.query = page, query
        headers = {"Cookie": cookie} if cookie else {}
        self._connection = connect(
            base_url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],  # what Streamlit's front end asks for
            additional_headers=headers,
            open_timeout=RUN_TIMEOUT_S,
            max_size=None,
        )
        self.ws = self._connection.__enter__()
        # the upgrade's answer: through the tests' nginx it names the replica (X-Test-Replica)
        response = self.ws.response
        self.headers = {k.lower(): v for k, v in response.headers.raw_items()} if response else {}

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def run(self, click: str | None = None, last: Run | None = None) -> Run:
        """Run the page (as a browser does on load), or click the button ``click`` drawn in
        ``last``; returns what the run drew once it finished."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_name = self.page
        if click is not None:
            assert last is not None and click in last.buttons, (click, last and last.buttons)
            widget = state.widget_states.widgets.add()
            widget.id = last.buttons[click]
            widget.trigger_value = True
            if click in last.fragments:  # a button in a fragment reruns only its fragment
                state.fragment_id = last.fragments[click]
        self.ws.send(msg.SerializeToString())
        return self._until_finished()

    def tick(self, fragment_id: str) -> Run:
        """The timer of a fragment drawn with ``run_every``, as a browser's tab sends it (the
        server does not run it by itself): rerun only that fragment."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_name = self.page
        state.fragment_id = fragment_id
        state.is_auto_rerun = True
        self.ws.send(msg.SerializeToString())
        return self._until_finished()

    def _until_finished(self) -> Run:
        run = Run()
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RunFailed(f"no end of the run in {RUN_TIMEOUT_S} s")
            msg = ForwardMsg.FromString(self.ws.recv(timeout=left))
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._note(msg.delta.new_element, run, msg.delta.fragment_id)
            elif kind == "script_finished":
                if msg.script_finished in DONE:
                    return run
                if msg.script_finished != ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN:
                    raise RunFailed(f"run ended with status {msg.script_finished}")

    @staticmethod
    def _note(el, run: Run, fragment_id: str) -> None:
        kind = el.WhichOneof("type")
        widget_id = getattr(getattr(el, kind), "id", "") if kind else ""
        if isinstance(widget_id, str) and (key := user_key_from_element_id(widget_id)):
            run.keys.add(key)
        if kind == "button":
            key = user_key_from_element_id(el.button.id)
            if key:
                run.buttons[key] = el.button.id
                if fragment_id:
                    run.fragments[key] = fragment_id
        elif kind == "text":
            run.texts.append(el.text.body)
        elif kind == "alert":
            run.alerts.append(el.alert.body)
        elif kind == "exception":
            run.exceptions.append(el.exception.message)
        elif kind == "html":
            run.cookies.update(_SET_COOKIE.findall(el.html.body))
