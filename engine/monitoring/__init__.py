"""Monitoring from the inventory: the Prometheus configuration it generates (render
--monitoring), the repository's monitoring settings, and the clients of the Prometheus and
Alertmanager HTTP APIs that the report (measured availability) and apply (silences) use.

Sits below the stages that use it (standards validate its settings; report, apply and the CLI
read it) and above validate (its settings are checked like any repository file). The lab runs
what it generates, but only through the CLI: nothing here knows the lab.
"""
