"""Declarative CI pipelines (pipelines/*.yaml) that run the same on a laptop and in any CI."""
