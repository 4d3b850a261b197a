"""The command line: the only layer that parses arguments, calls stages, picks views and turns
outcomes and exceptions into exit codes (engine.cli.exits). One module per command group."""

from engine.cli.app import build_parser, main, run

__all__ = ["build_parser", "main", "run"]
