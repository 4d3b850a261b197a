"""What the drivers leave on a device, and the shell scripts that change it.

Everything lives in STATE_DIR on the device, root-only, except the list of managed files:

    /run/underlay/mutex                 flock(1) file: every script that changes state, and the
                                        commit-confirm timer, run one at a time
    /run/underlay/lock                  the configuration lock: "<session> <expires> <sshd pid>
                                        <holder>"; taken at load, released at commit or
                                        discard; a lock whose SSH connection is gone is dead at
                                        once, any other expires at <expires> (epoch s)
    /run/underlay/candidate/<session>/  each session's own loaded candidate (main = frr.conf)
    /run/underlay/rollback/             the snapshot taken just before the last commit:
        files/<n>                         previous content of managed file n (absent: no file)
        frr.conf                          the running config as it was (banner stripped)
        rollback.sh                       restores all of it; the commit-confirm timer runs it
        timer.sh                          the commit-confirm timer
    /run/underlay/pending.pid           the commit-confirm timer (a session leader: kill -PID)
    /run/underlay/pending.owner         who armed it, and when
    /run/underlay/rollback.log          what the timer, commits and rollbacks did, with times
    /etc/underlay/managed-files         every file the last commits installed (one path a line):
                                        a replace removes those its candidate no longer holds

The scripts are plain POSIX sh sent on stdin to `sudo -n sh -s`, so file contents never
appear in argv. Every change of a file is atomic: a temporary file beside it, then `mv`.
The mutex makes "confirm" and "the timer fires" exclusive: a confirm that comes after the timer
has taken the mutex finds no pending commit and fails, it never confirms a reverted device.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STATE_DIR = "/run/underlay"
CANDIDATES = f"{STATE_DIR}/candidate"
ROLLBACK_DIR = f"{STATE_DIR}/rollback"
PENDING = f"{STATE_DIR}/pending.pid"
PENDING_OWNER = f"{STATE_DIR}/pending.owner"
LOCK = f"{STATE_DIR}/lock"
MUTEX = f"{STATE_DIR}/mutex"
LOG = f"{STATE_DIR}/rollback.log"
MANIFEST = "/etc/underlay/managed-files"
SUDO_SH = "sudo -n sh -s"
MUTEX_WAIT = 120  # s: the longest another session's commit or rollback may hold the mutex

# exit statuses of the scripts (anything else: the script itself failed)
PENDING_EXIT = 3  # a commit is pending (commit) / none is pending (confirm, rollback)
RESTORED_EXIT = 4  # applying failed and the snapshot was restored
LOCKED_EXIT = 5  # another session holds the configuration lock
BUSY_EXIT = 6  # the mutex could not be had in MUTEX_WAIT seconds

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


@dataclass(frozen=True)
class Holder:
    """Who a session is, as other sessions see it. Example:
    Holder(session="u-3fa2c1d0", describe="netops@runner-3 pid 4242")"""

    session: str  # [A-Za-z0-9-] only
    describe: str


def q(text: str) -> str:
    return shlex.quote(text)


def candidate_dir(session: str) -> str:
    return f"{CANDIDATES}/{session}"


def lock_script(holder: Holder, ttl: int) -> str:
    """Takes (or renews) the configuration lock for `ttl` seconds; exit LOCKED_EXIT, naming the
    holder, while another session's lock holds. A lock is dead - taken over, and the takeover
    logged - once it expired, or at once when the SSH connection that took it is gone (the
    lock names that connection's sshd process: a killed client closes it)."""
    return _exclusive(
        "now=$(date +%s)",
        f"expires=$((now + {int(ttl)}))",
        *_connection(),
        f"if [ -f {LOCK} ]; then",
        f"  read -r owner expiry holder_conn who < {LOCK}",
        f'  if [ "$owner" != {holder.session} ]; then',
        '    if [ "$now" -lt "$expiry" ] && { [ "$holder_conn" = - ] || '
        'kill -0 "$holder_conn" 2>/dev/null; }; then',
        f'      echo "locked by $who (session $owner; its lock expires in $((expiry - now)) s)"'
        f" >&2; exit {LOCKED_EXIT}",
        "    fi",
        f'    echo "$(date -Is) lock: the dead lock of $who taken over by '
        f'{_sq(holder.describe)}" >> {LOG}',
        "  fi",
        "fi",
        f'printf \'%s %s %s %s\\n\' {holder.session} "$expires" "$conn" '
        f"{q(holder.describe)} > {LOCK}.tmp",
        f"mv -f {LOCK}.tmp {LOCK}",
    )


def _connection() -> list[str]:
    """Sets $conn to the pid of the sshd process of this SSH connection ("-" if none)."""
    return [
        "conn=- p=$$",
        'while [ "$p" -gt 1 ]; do',
        '  if [ "$(cat /proc/$p/comm 2>/dev/null)" = sshd ]; then conn=$p; break; fi',
        "  p=$(sed -n 's/^.*) . \\([0-9]*\\) .*/\\1/p' /proc/$p/stat 2>/dev/null)",
        '  [ -n "$p" ] || break',
        "done",
    ]


def unlock_script(holder: Holder) -> str:
    """Releases the configuration lock if this session holds it."""
    return _exclusive(_release(holder))


def stage_script(holder: Holder, files: Mapping[str, str]) -> str:
    """Writes the candidate's files into the session's own directory (name -> content); drops
    the candidates of sessions gone for an hour."""
    own = candidate_dir(holder.session)
    lines = [
        f"mkdir -p -m 700 {CANDIDATES}",
        f"find {CANDIDATES} -mindepth 1 -maxdepth 1 -mmin +60 -exec rm -rf {{}} +",
        f"rm -rf {own}",
        f"mkdir -m 700 {own}",
    ]
    lines += [_write_b64(f"{own}/{name}", content) for name, content in files.items()]
    return "set -e\n" + "\n".join(lines) + "\n"


def discard_script(holder: Holder) -> str:
    """Forgets the session's candidate and releases its lock."""
    return _exclusive(f"rm -rf {candidate_dir(holder.session)}", _release(holder))


def pending_script() -> str:
    """Exits 0 while a commit-confirm timer is armed and running."""
    return f'[ -f {PENDING} ] && kill -0 "$(cat {PENDING})" 2>/dev/null\n'


def commit_script(
    holder: Holder,
    files: Mapping[str, str],
    removed: Sequence[str],
    main: MainConfig | None,
    *,
    merge: bool,
    revert_in: int | None,
) -> str:
    """Snapshot, apply, then persist (no revert_in) or arm the timer (revert_in seconds).

    `files` are installed, `removed` deleted (both restored by rollback.sh). Exit PENDING_EXIT:
    a commit is pending; RESTORED_EXIT: applying failed and the snapshot was restored;
    LOCKED_EXIT: this session does not hold the configuration lock (nothing was changed).
    """
    paths = sorted({*files, *removed})
    steps = [(_apply_main(holder, main, merge), f"applying {main.path}")] if main else []
    steps += [(_install_b64(path, files[path]), f"writing {path}") for path in sorted(files)]
    steps += [(f"rm -f {q(path)}", f"removing {path}") for path in sorted(removed)]
    after = _arm(holder, revert_in) if revert_in else ([main.persist] if main else [])
    return _exclusive(
        "set -u",
        f'fail() {{ echo "$1 failed:" >&2; tail -n 5 {LOG} >&2; '
        f"sh {ROLLBACK_DIR}/rollback.sh >&2; exit {RESTORED_EXIT}; }}",
        _holds(holder),
        f'if {pending_script().strip()}; then echo "a commit is pending confirmation: '
        f'$(cat {PENDING_OWNER} 2>/dev/null)" >&2; exit {PENDING_EXIT}; fi',
        *_snapshot(paths, main),
        *(f"{step} || fail {q(what)}" for step, what in steps),
        *_reloads(paths),
        *after,
        f"rm -rf {candidate_dir(holder.session)}",
        _release(holder),
    )


def confirm_script(holder: Holder, main: MainConfig | None) -> str:
    """Disarms the timer and persists; exit PENDING_EXIT when no commit is pending (never
    made, or the timer fired and reverted it: the mutex orders the two)."""
    persist = main.persist if main else "true"
    return _exclusive(
        f"if ! {{ {pending_script().strip()}; }}; then",
        "  echo 'no commit is pending confirmation: the commit-confirm timer has reverted it,"
        " or none was made' >&2",
        f"  exit {PENDING_EXIT}",
        "fi",
        f'kill -TERM -- -"$(cat {PENDING})" 2>/dev/null; rm -f {PENDING} {PENDING_OWNER}',
        persist,
        f'echo "$(date -Is) commit confirmed by {_sq(holder.describe)}" >> {LOG}',
    )


def rollback_script() -> str:
    """Disarms a pending timer and restores the snapshot now; exit PENDING_EXIT when there is
    none."""
    return _exclusive(
        f'[ -f {PENDING} ] && kill -TERM -- -"$(cat {PENDING})" 2>/dev/null',
        f"rm -f {PENDING} {PENDING_OWNER}",
        f"[ -f {ROLLBACK_DIR}/rollback.sh ] || {{ echo 'nothing to roll back' >&2; "
        f"exit {PENDING_EXIT}; }}",
        f"sh {ROLLBACK_DIR}/rollback.sh",
    )


def manifest(paths: Sequence[str]) -> str:
    """The content of MANIFEST for these managed files."""
    return "".join(f"{p}\n" for p in sorted(set(paths)))


def parse_manifest(text: str | None) -> list[str]:
    return sorted({line.strip() for line in (text or "").splitlines() if line.startswith("/")})


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


def _apply_main(holder: Holder, main: MainConfig, merge: bool) -> str:
    template = main.merge if merge else main.replace
    return template.format(file=f"{candidate_dir(holder.session)}/main") + f" >> {LOG} 2>&1"


def _arm(holder: Holder, revert_in: int) -> list[str]:
    """The timer waits, takes the mutex, and reverts unless a confirm removed PENDING first.
    It must not inherit the script's mutex descriptor (9): it would hold the mutex for good."""
    timer = f"{ROLLBACK_DIR}/timer.sh"
    return [
        f"cat > {timer} <<'UNDERLAY_TIMER'",
        f"sleep {int(revert_in)}",
        f"exec 9>>{MUTEX}",
        "flock 9",
        f"[ -f {PENDING} ] || exit 0",
        f'echo "$(date -Is) commit-confirm timer fired" >> {LOG}',
        f"exec sh {ROLLBACK_DIR}/rollback.sh",
        "UNDERLAY_TIMER",
        f"setsid sh {timer} < /dev/null >> {LOG} 2>&1 9>&- &",
        f"echo $! > {PENDING}",
        f'echo "{_sq(holder.describe)} since $(date -Is)" > {PENDING_OWNER}',
        f'echo "$(date -Is) commit-confirm armed by {_sq(holder.describe)}: '
        f'rollback in {int(revert_in)} s" >> {LOG}',
    ]


def _exclusive(*lines: str) -> str:
    """A script run holding the mutex (fd 9), so no two state changes interleave."""
    return "\n".join(
        [
            f"mkdir -p -m 700 {STATE_DIR}",
            f"exec 9>>{MUTEX}",
            f"flock -w {MUTEX_WAIT} 9 || {{ echo 'the device is busy: another session has held "
            f"its configuration mutex for {MUTEX_WAIT} s' >&2; exit {BUSY_EXIT}; }}",
            *lines,
            "",
        ]
    )


def _holds(holder: Holder) -> str:
    """Exits LOCKED_EXIT unless this session holds the configuration lock."""
    return (
        f'if ! {{ [ -f {LOCK} ] && read -r owner _ < {LOCK} && [ "$owner" = {holder.session} ]; '
        f'}}; then echo "this session does not hold the configuration lock: '
        f'$(cut -d" " -f4- {LOCK} 2>/dev/null)" >&2; exit {LOCKED_EXIT}; fi'
    )


def _release(holder: Holder) -> str:
    return (
        f'if [ -f {LOCK} ] && read -r owner _ < {LOCK} && [ "$owner" = {holder.session} ]; '
        f"then rm -f {LOCK}; fi"
    )


def _sq(text: str) -> str:
    """Text safe inside a double-quoted shell string."""
    return "".join(c for c in text if c not in '"$`\\')


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
