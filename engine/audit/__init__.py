"""The audit stage: questions an auditor asks of git history and the audit trail (log, show,
blame, verify, export); the records themselves are engine.record."""
