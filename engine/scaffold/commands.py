"""`underlay init PATH`: parse, create, say what was made and what to do next."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from engine.scaffold.create import InitRefused, create


def add_parser(sub: Any) -> None:
    p = sub.add_parser("init", help="scaffold a new infrastructure repository in PATH")
    p.add_argument("path", type=Path, help="a new or empty folder")
    p.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    try:
        made = create(args.path, date.today())
    except InitRefused as exc:
        print(f"underlay: init: {exc}", file=sys.stderr)
        return 1
    commit = f", initial commit {made.commit[:10]}" if made.commit else " (no git: no commit)"
    print(f"created {made.files} files in {made.path}{commit}")
    print(f"next: cd {made.path} && underlay check && underlay pipeline run pull-request --dry-run")
    return 0
