"""`python3 -m engine.cli`: what CI scripts and the pipeline runner call."""

from engine.cli.app import run

run()
