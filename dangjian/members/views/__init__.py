"""Member pages, split by noun: the registry, movements, and imports."""
