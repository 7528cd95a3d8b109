"""One VLM client per worker and dataset: built from the config, cached under the output."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from medground.config import VLMConfig
from medground.llm.cache import RequestCache
from medground.llm.client import ClientConfig, VLMClient

_CLIENTS: dict[tuple[str, str], VLMClient] = {}


def cache_path(cfg: VLMConfig, out: Path) -> Path:
    """Where the request cache of a build into ``out`` lives."""
    return Path(cfg.cache) if cfg.cache else out / ".medground" / "vlm.sqlite"


def prepare_cache(cfg: VLMConfig, out: Path) -> None:
    """Create the cache file (WAL, table) once, before worker processes open it together."""
    RequestCache(cache_path(cfg, out)).close()


def client_for(cfg: VLMConfig, out: Path) -> VLMClient:
    cache_path_ = cache_path(cfg, out)
    key = (cfg.model_dump_json(), str(cache_path_))
    if key not in _CLIENTS:
        _CLIENTS[key] = VLMClient(
            ClientConfig(base_urls=cfg.base_urls, model=cfg.model, api_key_env=cfg.api_key_env,
                         temperature=cfg.temperature, seed=cfg.seed, max_tokens=cfg.max_tokens,
                         timeout=cfg.timeout, max_in_flight=cfg.max_in_flight,
                         requests_per_minute=cfg.requests_per_minute,
                         tokens_per_minute=cfg.tokens_per_minute, max_retries=cfg.max_retries,
                         backoff_base=cfg.backoff_base),
            RequestCache(cache_path_))
    return _CLIENTS[key]


def snapshot() -> Counter[str]:
    """The summed counters of every client of this process."""
    total: Counter[str] = Counter()
    for c in _CLIENTS.values():
        total.update(c.stats)
    return total


def close_all() -> None:
    for c in _CLIENTS.values():
        c.close()
    _CLIENTS.clear()


def usage_delta(before: Counter[str], after: Counter[str]) -> Counter[str]:
    """Per-case usage counts (``vlm/requests``, ``vlm/cache_hits``, tokens, retries, errors)."""
    return Counter({f"vlm/{k}": after[k] - before[k] for k in after if after[k] != before[k]})
