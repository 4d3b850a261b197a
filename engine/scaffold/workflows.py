"""The GitHub Actions workflows: each only installs underlay and runs one pipeline.

One template for this repository (.github/workflows/, installing the checkout) and for every
repository `underlay init` creates (installing underlay from PyPI); a test keeps them in step.
"""

from __future__ import annotations

from string import Template

INSTALL_RELEASE = "python -m pip install underlay"
INSTALL_CHECKOUT = "python -m pip install -e ."

_STEPS = """\
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the report's trend and the audit trail read git history
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install underlay
        run: $install
      - name: underlay pipeline run $pipeline
        run: underlay pipeline run $pipeline
        env:
          GITHUB_TOKEN: $${{ secrets.GITHUB_TOKEN }}
$extra      - name: Upload artifacts
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: underlay-$pipeline
          path: .underlay/artifacts/$pipeline/
          if-no-files-found: ignore
"""

_SARIF = """\
      - name: Upload SARIF to code scanning
        if: always() && hashFiles('.underlay/artifacts/pull-request/check.sarif') != ''
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: .underlay/artifacts/pull-request/check.sarif
          category: underlay-check
"""

_HEADS = {
    "pull-request": """\
# Every pull request: annotations, SARIF code scanning, and the plan as a PR comment.
name: pull-request
on:
  pull_request:
permissions:
  contents: read
  pull-requests: write
  security-events: write
concurrency:
  group: pull-request-$${{ github.event.pull_request.number }}
  cancel-in-progress: true
jobs:
  pull-request:
    runs-on: $${{ vars.UNDERLAY_RUNNER || 'ubuntu-latest' }}
    timeout-minutes: 30
""",
    "merge": """\
# Every merge to main: check, plan, apply with safety, verify, and push the audit records.
name: merge
on:
  push:
    branches: [main]
permissions:
  contents: write  # pushes the audit records (refs/underlay/audit)
concurrency:
  group: underlay-apply  # never two applies at once; queued, not cancelled
  cancel-in-progress: false
jobs:
  merge:
    runs-on: $${{ vars.UNDERLAY_RUNNER || 'ubuntu-latest' }}
    timeout-minutes: 60
""",
    "drift": """\
# On a schedule: drift detection, then the status report and metrics as artifacts.
name: drift
on:
  schedule:
    - cron: "17 5 * * *"
  workflow_dispatch:
permissions:
  contents: read
concurrency:
  group: underlay-apply  # drift waits for a running apply
  cancel-in-progress: false
jobs:
  drift:
    runs-on: $${{ vars.UNDERLAY_RUNNER || 'ubuntu-latest' }}
    timeout-minutes: 30
""",
}
_EXTRA = {"pull-request": _SARIF}
_PR_ENV = "          UNDERLAY_PR: ${{ github.event.pull_request.number }}\n"


def render(pipeline: str, install: str) -> str:
    steps = _STEPS.replace("$extra", _EXTRA.get(pipeline, ""))
    if pipeline == "pull-request":
        steps = steps.replace("$${{ secrets.GITHUB_TOKEN }}\n", "$${{ secrets.GITHUB_TOKEN }}\n"
                              + _PR_ENV.replace("$", "$$"))
    text = _HEADS[pipeline] + steps
    return Template(text).substitute(install=install, pipeline=pipeline)


def all_workflows(install: str) -> dict[str, str]:
    """file name (in .github/workflows/) -> content."""
    return {f"{name}.yml": render(name, install) for name in _HEADS}
