"""The one exception hierarchy of the engine.

Problems in the user's data are never exceptions: they are `Diagnostic` values. Exceptions are
for faults of the engine itself or of the outside world (a device, the file system, git).
"""


class EngineError(Exception):
    """Base of every exception the engine raises on purpose."""


class RepoError(EngineError):
    """The repository cannot be read at all (missing folder, not a directory)."""


class UsageError(EngineError):
    """The command was called with arguments that cannot work."""


class Unavailable(EngineError):
    """The devices cannot be reached as a whole (e.g. the lab is down): the command stops
    before contacting any, and exits 1 like any other problem with the devices."""


class GitError(EngineError):
    """git itself failed (not a repository, a corrupt object, a failed command)."""
