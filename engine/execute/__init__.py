"""Where per-device tasks run: in the calling process (the default: each stage's own threads)
or on Celery workers, each serving the queue of the site whose devices it can reach.

    settings = load(repo).settings                 # underlay.yaml: executor, broker, queues
    with connect(settings.execution) as executor:  # engine.execute.celery (optional extra)
        replies = executor.map([Job("fra1-leaf01", "fra1", "collect", payload)])

A job carries names and values only (device, platform, address, port, credential set name,
the rendered candidate, options): the worker resolves the credentials itself, so no secret
travels through the broker. This package knows nothing of the stages: a worker is handed the
handlers of each job kind (engine.cli.worker_cmds), a stage hands over jobs and reads replies.
"""

from engine.execute.jobs import Executor, Handler, Job, Reply, scrub
from engine.execute.settings import SETTINGS_FILE, Execution, Settings, load

__all__ = [
    "SETTINGS_FILE",
    "Execution",
    "Executor",
    "Handler",
    "Job",
    "Reply",
    "Settings",
    "load",
    "scrub",
]
