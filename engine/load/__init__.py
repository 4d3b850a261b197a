"""The load stage: YAML files -> documents with positions (reader, source maps, groups, files)."""
