"""Conversions of a built dataset into the files other tools load (COCO, ...).

Every exporter is a pure conversion from the canonical records (``samples.jsonl`` read back as
:class:`medground.types.Sample`) and writes through the atomic writer (sinks/files.py).
"""
