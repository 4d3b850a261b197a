"""The report stage: the standard status report (HTML, Markdown, JSON) and Prometheus metrics."""
