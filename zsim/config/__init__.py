"""Configuration models (pydantic, strict) and their loaders."""
