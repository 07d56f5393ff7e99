"""Command line: ``python -m creative_dash init [--db PATH] [--demo] [--scale N]``."""

from __future__ import annotations

import argparse
import sys

from creative_dash import settings
from creative_dash.store import StoreError, open_store
from creative_dash.store.bootstrap import ensure_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m creative_dash")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or migrate the store and load reference data")
    init.add_argument(
        "--db",
        default=None,
        help=f"store location (default: $CREATIVE_DASH_DB or {settings.db_location()})",
    )
    init.add_argument("--demo", action="store_true", help="also load deterministic demo data")
    init.add_argument(
        "--scale",
        type=int,
        default=1,
        help="multiply the demo initiatives (1000 gives 1.5 million rows)",
    )
    args = parser.parse_args(argv)

    if args.command == "init":
        if args.scale < 1:
            parser.error("--scale must be 1 or more")
        location = args.db or settings.db_location()
        try:
            store = open_store(location)
            print(f"store: {location}")
            ensure_store(store, with_demo=args.demo, scale=args.scale, say=print)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
