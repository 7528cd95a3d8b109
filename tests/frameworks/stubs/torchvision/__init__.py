"""Stand-in for torchvision: qwen_vl_utils imports it at import time (videos only)."""

from . import io, transforms

__all__ = ["io", "transforms"]
__version__ = "0.19.0+stand-in"
