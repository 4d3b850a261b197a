"""`underlay import`: a repository built (`--out DIR`) or extended (`--into REPO`) from live
devices; `--into REPO --diff` shows what the devices run that the repository states otherwise,
`--accept NAME...` writes it into the objects' YAML for a reviewed pull request.

Exit codes: 0 every address imported (or compared; a swept subnet's empty addresses aside) and
every object renders back exactly; 1 an address could not be imported, an object does not
render back exactly, bad input (a file of addresses: `path:line:col`), or the lab is down for
lab addresses; 2 a usage error.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from datetime import date
from ipaddress import IPv4Network, ip_network
from pathlib import Path
from typing import Any

from engine.cli import exits
from engine.cli.common import (
    device_options,
    executor_for,
    executor_option,
    format_option,
    repository_settings,
    require_valid,
)
from engine.cli.output import Output
from engine.errors import UsageError
from engine.load.repo import resolve_repo


def cmd_import(args: argparse.Namespace, out: Output) -> int:
    from engine.onboard.build import Rules, build  # noqa: PLC0415 - this command only
    from engine.onboard.run import Discovered, Options  # noqa: PLC0415
    from engine.onboard.targets import addresses, within  # noqa: PLC0415

    _check_usage(args)
    wanted = addresses(args.address or [], files=args.addresses or [], subnets=args.subnet or [])
    repo, inventory = _existing(args) if args.into else (None, None)
    if args.out is not None:
        _require_new(args.out)
    allowed = _allowed(args, repo)
    inside, refused = within(wanted, allowed)
    rules = Rules(
        args.credentials, tuple(args.site_rule or ()), tuple(args.role_rule or ()), args.share
    )
    options = Options(workers=args.workers, timeout=args.timeout, follow=args.follow)
    if not inside:  # nothing may be contacted: every address refused, nothing resolved
        found = Discovered(refused=refused)
    else:
        found = _discover(args, out, repo, wanted, allowed, inside, rules, options)
    built = build(found.reads, rules, existing=inventory.groups if inventory is not None else {})
    if args.into:
        assert repo is not None and inventory is not None
        return _into(args, out, repo, inventory, found, built)
    return _new(args, out, found, built)


def _discover(
    args: argparse.Namespace, out: Output, repo: Path | None, wanted: Any, allowed: Any,
    inside: Any, rules: Any, options: Any,
) -> Any:  # fmt: skip
    """Every allowed address read, here or on the sites' workers."""
    from engine.cli.lab_plug import address_store  # noqa: PLC0415 - this command only
    from engine.drivers.hostkeys import KnownHosts  # noqa: PLC0415
    from engine.onboard.build import site_by_address  # noqa: PLC0415
    from engine.onboard.run import Here, Remote, discover  # noqa: PLC0415

    settings_repo = repo if repo is not None else resolve_repo(args.repo)
    with executor_for(args, settings_repo) as executor:
        if executor is None:  # here: the credentials and pinned keys of this process
            store = address_store(repo, [str(w.address) for w in inside], args.lab_state_dir)
            credentials = store.resolve(args.credentials)  # SecretsError before any device
            where: Here | Remote = Here(credentials, KnownHosts.read(store.known_hosts))
        else:  # on the sites' workers: resolved there, by name
            where = Remote(executor, args.credentials, lambda w: site_by_address(rules, w))
        return discover(wanted, allowed, where, options, progress=lambda r: _progress(out, r))


def _new(args: argparse.Namespace, out: Output, found: Any, built: Any) -> int:
    from engine.onboard.run import verify  # noqa: PLC0415
    from engine.onboard.write import write  # noqa: PLC0415
    from engine.scaffold.create import Identity, create  # noqa: PLC0415

    target: Path = args.out
    who = Identity(target.resolve().name, _first_site(built), _domain(built))
    if who.problems():
        who = Identity(target.resolve().name)
    create(target, date.today(), who, example=False)
    written = write(target, built, today=date.today())
    inventory = _validated(target)
    round_trip = verify(built, inventory)
    _commit(target, built)
    return _report(args, out, target, found, built, written, round_trip)


def _into(
    args: argparse.Namespace, out: Output, repo: Path, inventory: Any, found: Any, built: Any
) -> int:
    from engine.onboard.drift import object_drift  # noqa: PLC0415
    from engine.onboard.run import verify  # noqa: PLC0415
    from engine.onboard.write import write  # noqa: PLC0415
    from engine.onboard.yamledit import apply_changes, render_changes  # noqa: PLC0415

    have = {*inventory.devices, *inventory.servers}
    changes = object_drift(repo, inventory, built)
    if args.diff or args.accept:
        unknown = sorted(set(args.accept or ()) - have)
        if unknown:
            raise UsageError(f"--accept {' '.join(unknown)}: not an object of {repo}")
        shown = [c for c in changes if not args.accept or _owner(c) in args.accept]
        out.out(render_changes(shown) if shown else "no differences\n")
        if args.accept:
            accepted = [c for c in shown if _owner(c) in args.accept]
            files = apply_changes(accepted)
            out.note(f"accepted {len(accepted)} changes into {len(files)} files")
        return exits.outcome(all(r.status == "ok" for r in found.reads))
    written = write(repo, built, today=date.today(), existing=have)
    round_trip = verify(built, _validated(repo), skip=have)  # what it had is not rewritten
    if changes:
        names = sorted({_owner(c) for c in changes})
        out.note(
            f"{len(names)} objects the repository has differ from their devices "
            f"({', '.join(names)}): `--diff` shows how, `--accept NAME...` takes them"
        )
    return _report(args, out, repo, found, built, written, round_trip)


def _owner(change: Any) -> str:
    return Path(change.file).stem


def _validated(repo: Path) -> Any:
    """The written repository's inventory: what import wrote must validate (exit 1 if not)."""
    from engine.validate import validate  # noqa: PLC0415
    from engine.views.diagnostics import Report  # noqa: PLC0415

    result = validate(repo)
    require_valid(Report("validate", result.diagnostics, result.files), result.ok)
    return result.inventory


def _commit(repo: Path, built: Any) -> None:
    import git  # noqa: PLC0415

    handle = git.Repo(repo)
    handle.git.add("--all")
    author = git.Actor("underlay import", "underlay@localhost")
    message = (
        f"Import {len(built.devices)} devices and {len(built.servers)} servers from the "
        "live network (underlay import)\n\nSee IMPORT.md: what was found, skipped and why."
    )
    handle.index.commit(message, author=author, committer=author)


def _report(
    args: argparse.Namespace,
    out: Output,
    repo: Path,
    found: Any,
    built: Any,
    written: Sequence[str],
    round_trip: Sequence[Any],
) -> int:
    from engine.views import onboard as view  # noqa: PLC0415

    report = view.ImportReport(found, built, written, round_trip, str(repo), found.seconds)
    if args.report:
        out.file(args.report, view.markdown(report))
    views = {"json": view.json_view, "markdown": view.markdown}
    out.out(views.get(args.format, view.text)(report))
    ok = not round_trip and all(f.outcome in ("imported", "no device") for f in report.findings())
    return exits.outcome(ok)


def _progress(out: Output, read: Any) -> None:
    name = read.onboarding.getters["facts"]["hostname"] if read.status == "ok" else ""
    shown = f" {name}" if name else ""
    out.note(f"import {read.address}{shown}: {read.status} ({read.seconds:.1f} s)")


def _check_usage(args: argparse.Namespace) -> None:
    if (args.out is None) == (args.into is None):
        raise UsageError("give --out DIR (a new repository) or --into REPO (an existing one)")
    if (args.diff or args.accept) and args.into is None:
        raise UsageError("--diff and --accept compare with an existing repository: --into REPO")
    if not (args.address or args.addresses or args.subnet):
        raise UsageError("no address: give --address A, --addresses FILE or --subnet CIDR")


def _existing(args: argparse.Namespace) -> tuple[Path, Any]:
    from engine.cli.common import valid_inventory  # noqa: PLC0415

    args.repo = args.into
    return valid_inventory(args)


def _require_new(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UsageError(f"--out {path}: not empty; import writes a new repository there")


def _allowed(args: argparse.Namespace, repo: Path | None) -> list[IPv4Network]:
    ranges = [*args.allow] if args.allow else []
    if repo is not None:
        ranges += repository_settings(repo).onboarding.allowed
    return ranges


def _first_site(built: Any) -> str:
    sites = sorted(built.sites)
    return sites[0] if sites else "hq1"


def _domain(built: Any) -> str:
    for obj in built.objects().values():
        domain = obj.get("dns", {}).get("domain")
        if domain:
            return str(domain)
    for group in built.groups.values():
        domain = group.get("dns", {}).get("domain")
        if domain:
            return str(domain)
    return "corp.example"


def _rule(text: str) -> tuple[str, str]:
    name, sep, rule = text.partition("=")
    if not sep or not name or not rule:
        raise argparse.ArgumentTypeError(f"{text!r}: NAME=RULE (e.g. fra1=198.18.0.0/26)")
    return name, rule


def _network(text: str) -> IPv4Network:
    try:
        net = ip_network(text, strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a range such as 10.20.0.0/16") from None
    if not isinstance(net, IPv4Network):
        raise argparse.ArgumentTypeError(f"{text!r}: only IPv4 management ranges")
    return net


def register(parsers: Mapping[str, argparse.ArgumentParser]) -> None:
    p = parsers["import"]
    where = p.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, metavar="DIR", help="write a new repository here")
    where.add_argument("--into", type=Path, metavar="REPO", help="add to this repository")
    p.add_argument("--address", action="append", metavar="A", help="a management address")
    p.add_argument(
        "--addresses",
        action="append",
        type=Path,
        metavar="FILE",
        help="a file of management addresses, one a line (# comments)",
    )
    p.add_argument(
        "--subnet",
        action="append",
        metavar="CIDR",
        help="every address of a subnet (at most a /20)",
    )
    p.add_argument(
        "--allow",
        action="append",
        type=_network,
        metavar="CIDR",
        help="a management range import may contact (besides the repository's "
        "underlay.yaml onboarding.allowed)",
    )
    p.add_argument(
        "--credentials",
        default="default",
        metavar="NAME",
        help="the credential set to log in with (and to name in the files)",
    )
    p.add_argument(
        "--follow",
        type=int,
        default=0,
        metavar="HOPS",
        help="follow LLDP to neighbours that advertise a management address, up to "
        "HOPS hops (default 0)",
    )
    p.add_argument(
        "--site-rule",
        action="append",
        type=_rule,
        metavar="SITE=RULE",
        help="site by address range (fra1=10.1.0.0/16) or hostname glob (fra1=fra1-*);"
        " default: the hostname's prefix before '-'",
    )
    p.add_argument(
        "--role-rule",
        action="append",
        type=_rule,
        metavar="ROLE=GLOB",
        help="role by hostname glob (core=*-rr*), before the defaults (*spine*: "
        "core, *leaf*: access, *edge*: wan-edge, ...)",
    )
    p.add_argument(
        "--share",
        type=int,
        default=2,
        metavar="N",
        help="a value N objects share moves into a group (default 2)",
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="with --into: what the devices run that the repository states otherwise",
    )
    p.add_argument(
        "--accept",
        nargs="+",
        metavar="NAME",
        help="with --into: write those objects' differences into their YAML",
    )
    p.add_argument("--report", type=Path, metavar="FILE", help="also write the report (Markdown)")
    p.add_argument("--workers", type=int, default=20, help="addresses read in parallel")
    p.add_argument("--timeout", type=float, default=10, help="seconds per address")
    format_option(p, ["text", "markdown", "json"])
    executor_option(p)
    device_options(p)
    p.set_defaults(func=cmd_import)
