"""One VLM client per worker and dataset: built from the config, cached under the output."""

from __future__ import annotations

import threading
from pathlib import Path

from medground.config import VLMConfig
from medground.llm.cache import RequestCache
from medground.llm.client import ClientConfig, VLMClient

_CLIENTS: dict[tuple[str, str], VLMClient] = {}
_LOCK = threading.Lock()  # cases of one worker may run in threads


def default_cache(folder: Path) -> Path:
    """The request cache of a dataset folder, unless the user names another."""
    return folder / ".medground" / "vlm.sqlite"


def client_for(cfg: VLMConfig, out: Path) -> VLMClient:
    cache_path = Path(cfg.cache) if cfg.cache else default_cache(out)
    key = (cfg.model_dump_json(), str(cache_path))
    with _LOCK:
        if key not in _CLIENTS:
            _CLIENTS[key] = VLMClient(
                ClientConfig(base_urls=cfg.base_urls, model=cfg.model,
                             api_key_env=cfg.api_key_env, temperature=cfg.temperature,
                             seed=cfg.seed, max_tokens=cfg.max_tokens, timeout=cfg.timeout,
                             max_in_flight=cfg.max_in_flight,
                             requests_per_minute=cfg.requests_per_minute,
                             tokens_per_minute=cfg.tokens_per_minute,
                             max_retries=cfg.max_retries, backoff_base=cfg.backoff_base),
                RequestCache(cache_path))
        return _CLIENTS[key]


def close_all() -> None:
    with _LOCK:
        for c in _CLIENTS.values():
            c.close()
        _CLIENTS.clear()
