"""`underlay init PATH`: create a repository, say what was made and what to do next."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from engine.cli import exits
from engine.cli.output import Output
from engine.errors import UsageError
from engine.scaffold.create import Identity, create


def cmd_init(args: argparse.Namespace, out: Output) -> int:
    who = Identity(args.organisation or args.path.resolve().name, args.site, args.domain)
    if who.problems():
        raise UsageError("; ".join(who.problems()))
    made = create(args.path, date.today(), who)  # InitRefused: not empty, a bad name (exits)
    commit = f", initial commit {made.commit[:10]}" if made.commit else " (no git: no commit)"
    out.say(f"created {made.files} files in {made.path}{commit}")
    then = "underlay check && underlay pipeline run pull-request --dry-run"
    out.say(f"next: cd {made.path} && {then}")
    return exits.OK


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    p = parsers["init"]
    p.add_argument("path", type=Path, help="a new or empty folder")
    p.add_argument("--organisation", metavar="NAME",
                   help="the organisation's name, as the login banner shows it "
                   "(default: the folder's name)")
    p.add_argument("--site", default="hq1",
                   help="the first site's name, which starts every device and server name "
                   "(default: hq1)")
    p.add_argument("--domain", default="corp.example",
                   help="the DNS search domain of the management baseline "
                   "(default: corp.example)")
    p.set_defaults(func=cmd_init)
