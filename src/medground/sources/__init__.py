"""Sources turn a configured folder into cases."""

from __future__ import annotations

from medground.config import BuildConfig, DicomSource, Folder2DSource, VolumeSource
from medground.sources.base import Source


def make_source(cfg: BuildConfig) -> Source:
    src = cfg.source
    if isinstance(src, Folder2DSource):
        from medground.sources.folder2d import Folder2D

        return Folder2D(src, cfg)
    if isinstance(src, VolumeSource):
        from medground.sources.volumes import VolumePairs

        return VolumePairs(src, cfg)
    if isinstance(src, DicomSource):
        from medground.sources.dicom import DicomSeriesSource

        return DicomSeriesSource(src, cfg)
    raise TypeError(f"unsupported source {type(src).__name__}")
