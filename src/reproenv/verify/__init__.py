"""Prove an image matches its lock (the `verify` command; not built yet)."""
