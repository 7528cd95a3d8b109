"""Reading a built dataset back as typed records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from medground.errors import ConfigError
from medground.types import Sample


def read_samples(dataset: Path) -> Iterator[Sample]:
    path = dataset / "samples.jsonl"
    if not path.is_file():
        raise ConfigError(f"{dataset} is not a medground dataset: {path.name} is missing")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield Sample.from_dict(json.loads(line))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ConfigError(f"{path}:{n}: not a sample record ({exc}); run "
                                      "`medground verify` on the dataset first") from exc
