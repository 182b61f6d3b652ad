"""Bundled event files (data, not code): one YAML file per event."""
