"""The standards stage: rules and waivers as data (standards/*.yaml) held against the inventory."""

from engine.standards.load import Library, load
from engine.standards.run import CheckResult, check

__all__ = ["CheckResult", "Library", "check", "load"]
