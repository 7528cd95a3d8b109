"""Stand-in for torchaudio: LLaMA-Factory's mm_plugin imports it at import time (audio only)."""

__version__ = "0+stand-in"
