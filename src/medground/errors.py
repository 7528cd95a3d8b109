"""Errors that name the file and the problem; the executor records them per case."""

from __future__ import annotations

from pathlib import Path


class MedgroundError(Exception):
    """Base class for errors medground raises on purpose."""


class ConfigError(MedgroundError):
    """The configuration file is invalid; the message says where and how."""


class CaseError(MedgroundError):
    """A case cannot be processed. Recorded in errors.jsonl; the run goes on."""

    def __init__(self, file: str | Path | None, message: str, code: str = "CASE_ERROR") -> None:
        self.file = str(file) if file is not None else None
        self.message = message
        self.code = code
        where = f"{self.file}: " if self.file else ""
        super().__init__(f"{where}{message}")
