"""The resume key: everything a build's output depends on besides the data files.

A build resumed into the same ``--out`` keeps the shards of the cases already finished, so it
must be the same build: the same configuration (the settings that only change the pace of a VLM
build, :data:`PACE_ONLY`, excepted), the same contents of every file the configuration names
(label-names JSON files, the source's and each pair's, and ``dataset.json``), the same medground
version, and the same synthesizer and prompt versions. The data files themselves are not in the
key: each case is keyed by its own shard. :func:`inputs` lists these by a readable name, so that
a refused resume can say what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import medground
from medground.config import BuildConfig

#: VLM settings that change how fast a build runs, not what it writes: a build may be resumed
#: with other values (a server restarted on another port, a lower rate after 429s)
PACE_ONLY = frozenset({"base_url", "max_in_flight", "cases_in_flight", "requests_per_minute",
                       "tokens_per_minute", "timeout", "max_retries", "backoff_base", "cache",
                       "price_per_million", "api_key_env"})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def named_files(cfg: BuildConfig) -> dict[str, Path]:
    """Every file the configuration names whose contents shape the output, by a readable
    description (``label names file names.json``)."""
    src = cfg.source
    root = src.root
    specs: list[tuple[str, str]] = []
    if isinstance(src.label_names, str):
        specs.append(("label names file", src.label_names))
    for pair in getattr(src, "pairs", None) or ():
        names = getattr(pair, "label_names", None)
        if isinstance(names, str):
            specs.append(("label names file", names))
    dataset_json = getattr(src, "dataset_json", None)
    if dataset_json:
        specs.append(("dataset.json file", dataset_json))
    out: dict[str, Path] = {}
    for kind, spec in specs:
        path = Path(spec) if Path(spec).is_absolute() else root / spec
        out[f"{kind} {spec}"] = path
    return out


def _file_digest(path: Path) -> str:
    try:
        return _sha(path.read_bytes())
    except OSError as exc:  # the source reports it per case or as a config error
        return f"unreadable ({type(exc).__name__})"


def versions(cfg: BuildConfig) -> dict[str, str]:
    """medground's version and the versions of the synthesizer and prompts this build uses."""
    from medground.llm import prompts
    from medground.stages.synth import template

    out = {"medground version": medground.__version__}
    if cfg.queries.synthesizer == "vlm":
        out["synthesis prompt version"] = (
            f"{prompts.SYNTH_VERSION} ({prompts.prompt_hash(prompts.SYNTH_VERSION)})")
    else:
        out["template synthesizer version"] = template.VERSION
    if "vlm_judge" in cfg.verify.stages:
        out["judge prompt version"] = prompts.JUDGE_VERSION
    return out


def config_text(cfg: BuildConfig) -> str:
    exclude: dict[str, Any] = {"outputs": True}  # written after the samples, never in them
    if cfg.vlm is not None:
        exclude["vlm"] = set(PACE_ONLY)
    return cfg.model_dump_json(exclude=exclude)


def inputs(cfg: BuildConfig) -> dict[str, str]:
    """What a resumed build must share with the one it continues, by readable name."""
    out = {"configuration": _sha(config_text(cfg).encode())}
    out.update(versions(cfg))
    for name, path in named_files(cfg).items():
        out[name] = _file_digest(path)
    return out


def key(recorded: Mapping[str, str]) -> str:
    """One digest of :func:`inputs`."""
    return _sha(json.dumps(dict(recorded), sort_keys=True).encode())


def changes(before: Mapping[str, Any], now: Mapping[str, str]) -> list[str]:
    """What differs between the inputs recorded by a build and this one, in words."""
    out = []
    for name in now:
        if name not in before:
            out.append(f"{name} was not part of the build")
        elif before[name] != now[name]:
            if name.endswith("version"):
                out.append(f"{name} is {now[name]}, the build was made with {before[name]}")
            elif name == "configuration":
                out.append("the configuration changed")
            else:
                out.append(f"{name} changed since the build started")
    out += [f"{name} is no longer used" for name in before if name not in now]
    return out
