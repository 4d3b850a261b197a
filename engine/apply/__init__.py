"""The apply stage: a saved plan applied to the devices, safely, and recorded.

    from engine.apply.run import apply_plan
    report = apply_plan(repo, inventory, Path("plan.json"), Options(canary=1, batch=5))
    report.status          # "applied" | "failed" | "refused" | "no-changes" | "already-applied"
    report.device("fra1-leaf03").outcome    # Outcome.CONFIRMED

Layers: planfile (read, hash, version, staleness of the inventory) -> gate (the repository must
pass `check`) -> lock (one apply at a time) -> devices (drivers, re-collection) -> device (one
device: load, compare, commit-confirm, verify, confirm or roll back) -> verify (what a commit
must not make worse) -> run (refusals, the change windows and freezes of
engine.standards.windows, interrupted applies, batches, audit records). This package's
__init__ imports nothing: importing one module does not load the device stack.
"""
