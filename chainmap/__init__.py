"""chainmap: industrial-chain mapping for Hebei's county featured-industry clusters (domain core)."""

__version__ = "0.1.0"
