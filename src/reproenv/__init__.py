"""reproenv: reproducible container environments for ML research code."""

__version__ = "0.1.0"
