"""App assembly, configuration, the command line and the platform adapters."""
