"""What the drivers leave on a device, and the shell scripts that change it.

Everything lives in STATE_DIR on the device, root-only:

    /run/underlay/candidate/frr.conf    the loaded candidate (for `frr-reload.py --test`)
    /run/underlay/rollback/             the snapshot taken just before the last commit:
        files/<n>                         previous content of managed file n (absent: no file)
        frr.conf                          the running config as it was (banner stripped)
        rollback.sh                       restores all of it; the commit-confirm timer runs it
    /run/underlay/pending.pid           the commit-confirm timer (a session leader: kill -PID)
    /run/underlay/rollback.log          what the timer and rollbacks did, with timestamps

The scripts are plain POSIX sh sent on stdin to `sudo -n sh -s`, so file contents never
appear in argv. Every change of a file is atomic: a temporary file beside it, then `mv`.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STATE_DIR = "/run/underlay"
CANDIDATE_DIR = f"{STATE_DIR}/candidate"
ROLLBACK_DIR = f"{STATE_DIR}/rollback"
PENDING = f"{STATE_DIR}/pending.pid"
LOG = f"{STATE_DIR}/rollback.log"
SUDO_SH = "sudo -n sh -s"

# Services to reload after their config changed, where systemd runs (never in the lab nodes).
RELOAD_UNITS: tuple[tuple[str, str], ...] = (
    ("/etc/chrony/", "chrony"),
    ("/etc/rsyslog.d/", "rsyslog"),
    ("/etc/ssh/sshd_config.d/", "ssh"),
)


@dataclass(frozen=True)
class MainConfig:
    """How a device's own config (frr.conf) is snapshotted, applied, restored and persisted.

    Example (FRR): MainConfig(path="/etc/frr/frr.conf",
    snapshot="vtysh -c 'show running-config' | sed -n '/^frr version/,$p'",
    replace="/usr/lib/frr/frr-reload.py --reload {file}", merge="vtysh -f {file}",
    persist="vtysh -c 'write memory'")
    """

    path: str
    snapshot: str  # prints the running config as a file that `replace` accepts
    replace: str  # applies {file} as the complete config
    merge: str  # applies {file} on top of the running config
    persist: str  # saves the running config for the next boot


def q(text: str) -> str:
    return shlex.quote(text)


def read_files_script(paths: Sequence[str]) -> str:
    """Prints one line per path: `+<base64 of the content>` or `-` when there is no file."""
    quoted = " ".join(q(p) for p in paths)
    return (
        f"for p in {quoted}; do\n"
        '  if [ -f "$p" ]; then printf +; base64 -w0 < "$p"; echo; else echo -; fi\n'
        "done\n"
    )


def parse_read_files(paths: Sequence[str], stdout: str) -> dict[str, str | None]:
    lines = stdout.splitlines()
    return {
        path: base64.b64decode(line[1:]).decode() if line.startswith("+") else None
        for path, line in zip(paths, lines, strict=True)
    }


def stage_script(files: Mapping[str, str]) -> str:
    """Writes the candidate's files into CANDIDATE_DIR (name -> content)."""
    lines = [f"rm -rf {CANDIDATE_DIR}", f"mkdir -p -m 700 {CANDIDATE_DIR}"]
    lines += [_write_b64(f"{CANDIDATE_DIR}/{name}", content) for name, content in files.items()]
    return "set -e\n" + "\n".join(lines) + "\n"


def discard_script() -> str:
    return f"rm -rf {CANDIDATE_DIR}\n"


def pending_script() -> str:
    """Exits 0 while a commit-confirm timer is armed and running."""
    return f'[ -f {PENDING} ] && kill -0 "$(cat {PENDING})" 2>/dev/null\n'


def commit_script(
    files: Mapping[str, str],
    main: MainConfig | None,
    *,
    merge: bool,
    revert_in: int | None,
) -> str:
    """Snapshot, apply, then persist (no revert_in) or arm the timer (revert_in seconds).

    Exit 3: a commit-confirm is pending; exit 4: applying failed and the snapshot was restored.
    """
    paths = sorted(files)
    steps = [(_apply_main(main, merge), f"applying {main.path}")] if main else []
    steps += [(_install_b64(path, files[path]), f"writing {path}") for path in paths]
    after = _arm(revert_in) if revert_in else ([main.persist] if main else [])
    return "\n".join(
        [
            "set -u",
            f'fail() {{ echo "$1 failed:" >&2; tail -n 5 {LOG} >&2; '
            f"sh {ROLLBACK_DIR}/rollback.sh >&2; exit 4; }}",
            f'if {pending_script().strip()}; then echo "a commit is pending confirmation" >&2; '
            "exit 3; fi",
            *_snapshot(paths, main),
            *(f"{step} || fail {q(what)}" for step, what in steps),
            *_reloads(paths),
            *after,
            "",
        ]
    )


def confirm_script(main: MainConfig | None) -> str:
    """Disarms the timer and persists; exit 3 when no commit is pending."""
    persist = main.persist if main else "true"
    return (
        f"if ! {pending_script().strip()}; then echo 'no commit is pending' >&2; exit 3; fi\n"
        f'kill -TERM -- -"$(cat {PENDING})" 2>/dev/null; rm -f {PENDING}\n'
        f"{persist}\n"
    )


def rollback_script() -> str:
    """Disarms a pending timer and restores the snapshot now; exit 3 when there is none."""
    return (
        f'[ -f {PENDING} ] && kill -TERM -- -"$(cat {PENDING})" 2>/dev/null; rm -f {PENDING}\n'
        f"[ -f {ROLLBACK_DIR}/rollback.sh ] || {{ echo 'nothing to roll back' >&2; exit 3; }}\n"
        f"sh {ROLLBACK_DIR}/rollback.sh\n"
    )


# ---------- pieces -----------------------------------------------------------------------------


def _snapshot(paths: Sequence[str], main: MainConfig | None) -> list[str]:
    new = f"{STATE_DIR}/rollback.new"
    lines = [f"rm -rf {new}", f"mkdir -p -m 700 {new}/files"]
    lines += [
        f"if [ -f {q(p)} ]; then cp -p {q(p)} {new}/files/{i}; fi" for i, p in enumerate(paths)
    ]
    if main:
        lines.append(
            f"{main.snapshot} > {new}/frr.conf || {{ echo 'snapshot failed' >&2; exit 4; }}"
        )
    lines += [
        f"cat > {new}/rollback.sh <<'UNDERLAY_ROLLBACK'",
        _restore(paths, main),
        "UNDERLAY_ROLLBACK",
        f"rm -rf {ROLLBACK_DIR}",
        f"mv {new} {ROLLBACK_DIR}",
    ]
    return lines


def _restore(paths: Sequence[str], main: MainConfig | None) -> str:
    """rollback.sh: restores every file and the running config; consumes the snapshot."""
    lines = [
        f"rm -f {PENDING}",
        f'echo "$(date -Is) rollback: restoring the snapshot" >> {LOG}',
    ]
    if main:
        lines.append(
            f"{main.replace.format(file=f'{ROLLBACK_DIR}/frr.conf')} >> {LOG} 2>&1 "
            f"&& {main.persist} >> {LOG} 2>&1"
        )
    for i, path in enumerate(paths):
        saved, tmp = f"{ROLLBACK_DIR}/files/{i}", q(path + ".underlay-tmp")
        lines.append(
            f"if [ -f {saved} ]; then cp -p {saved} {tmp} && mv -f {tmp} {q(path)}; "
            f"else rm -f {q(path)}; fi"
        )
    lines += _reloads(paths)
    lines += [f'echo "$(date -Is) rollback: done" >> {LOG}', f"rm -rf {ROLLBACK_DIR}"]
    return "\n".join(lines)


def _apply_main(main: MainConfig, merge: bool) -> str:
    template = main.merge if merge else main.replace
    return template.format(file=f"{CANDIDATE_DIR}/main") + f" >> {LOG} 2>&1"


def _arm(revert_in: int) -> list[str]:
    timer = q(f"sleep {int(revert_in)}; exec sh {ROLLBACK_DIR}/rollback.sh")
    return [
        f"setsid sh -c {timer} < /dev/null >> {LOG} 2>&1 &",
        f"echo $! > {PENDING}",
        f'echo "$(date -Is) commit-confirm armed: rollback in {int(revert_in)} s" >> {LOG}',
    ]


def _write_b64(path: str, content: str) -> str:
    encoded = base64.b64encode(content.encode()).decode()
    return f"printf %s {encoded} | base64 -d > {q(path)}"


def _install_b64(path: str, content: str) -> str:
    """Atomic: a temp file beside the target with its mode and owner, then `mv`."""
    tmp, target = q(path + ".underlay-tmp"), q(path)
    return (
        f"{{ mkdir -p {q(path.rsplit('/', 1)[0] or '/')}"
        f" && {_write_b64(path + '.underlay-tmp', content)}"
        f" && {{ [ ! -f {target} ] || {{ chmod --reference={target} {tmp}"
        f" && chown --reference={target} {tmp}; }}; }} && mv -f {tmp} {target}; }}"
    )


def _reloads(paths: Sequence[str]) -> list[str]:
    units = sorted(
        {unit for prefix, unit in RELOAD_UNITS if any(p.startswith(prefix) for p in paths)}
    )
    return [
        f"[ ! -d /run/systemd/system ] || systemctl try-reload-or-restart {unit} >/dev/null 2>&1"
        " || true"
        for unit in units
    ]
