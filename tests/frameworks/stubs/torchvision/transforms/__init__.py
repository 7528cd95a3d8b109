"""Stand-in for torchvision.transforms: qwen_vl_utils imports InterpolationMode (videos only)."""

import enum


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
