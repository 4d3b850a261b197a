"""The one way a command writes: standard output, standard error and files, all redacted.

Every text passes the redactor on its way out, so no view and no command can leak a secret
value: not a rendered banner, not an intended configuration of `audit show`, not a usage error
that quotes an argument. The redactor knows every password this machine resolves for any
credential set (see `known_secrets`), so it needs neither the inventory nor a device.
"""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.errors import EngineError

if TYPE_CHECKING:
    from engine.secrets import Redactor


class Stream(Protocol):
    def write(self, text: str, /) -> object: ...


def redactor() -> Redactor:
    from engine.secrets import Redactor, known_secrets  # noqa: PLC0415

    return Redactor(known_secrets(os.environ))


class OutputError(EngineError):
    """An output file cannot be written: a fault of the run (exit 2; 1 where 2 means changes), no
    traceback."""


class Output:
    """Standard output, standard error and files of one command, each text redacted first."""

    def __init__(self) -> None:
        self._redactor: Redactor | None = None

    def redact(self, text: str) -> str:
        if self._redactor is None:  # built on the first write: --help and errors need it too
            self._redactor = redactor()
        return self._redactor.redact(text)

    def out(self, text: str) -> None:
        self.stream(sys.stdout, text)

    def err(self, text: str) -> None:
        self.stream(sys.stderr, text)

    def say(self, line: str) -> None:
        """One line for the user on standard output."""
        self.out(line + "\n")

    def note(self, line: str) -> None:
        """One line about the run on standard error: `underlay: LINE`."""
        self.err(f"underlay: {line}\n")

    def stream(self, stream: Stream, text: str) -> None:
        stream.write(self.redact(text))

    def flush(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()

    def to(self, path: str | Path | None, text: str) -> None:
        """Into the file `path` (an --out/--output option), or standard output without one."""
        if path:
            self.file(path, text)
        else:
            self.out(text)

    def file(self, path: str | Path, text: str) -> Path:
        """Atomically (a temporary file renamed): a reader never sees half a report, and
        node_exporter's textfile collector needs it so."""
        target = Path(path)
        if target.exists() and not target.is_file():  # /dev/stdout, a fifo: no rename there
            with target.open("w", encoding="utf-8") as stream:
                self.stream(stream, text)
            return target
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)  # --out .underlay/plan.json
            tmp.write_text(self.redact(text), encoding="utf-8")
            tmp.replace(target)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        return target

    def append(self, path: str | Path, text: str) -> None:
        with Path(path).open("a", encoding="utf-8") as stream:
            self.stream(stream, text)

    def files(self, out: Path, files: Mapping[str, str]) -> list[Path]:
        """Files by relative path into the folder `out`, or into one zip when `out` ends in
        .zip; returns what was written."""
        if out.suffix == ".zip":
            out.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
                for name, text in sorted(files.items()):
                    bundle.writestr(name, self.redact(text))
            return [out]
        written = []
        for name, text in sorted(files.items()):
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(self.file(target, text))
        return written
