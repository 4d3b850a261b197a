"""The validate stage: YAML -> schema -> references and consistency, every problem collected."""

from engine.validate.run import ValidationResult, validate

__all__ = ["ValidationResult", "validate"]
