"""Set-up shared by the framework tests (run in .venv-frameworks: `make test-frameworks`).

* Every cache (Hugging Face, ModelScope, XDG) points into a temporary folder and the Hub is
  offline (``HF_HUB_OFFLINE=1``), set before any framework is imported: the tests neither read
  nor write the user's caches and never reach a hub.
* Fixtures (functions are handed out as fixtures, so the tests never import this module):
  ``stand_ins`` imports a framework module with the modules of ``stubs/`` importable, then hides
  them again (see stubs/README.md); ``qwen_tokenizer`` builds a byte-level tokenizer offline with
  ``tokenizers``, holding the Qwen2-VL special tokens (by default at Qwen's own ids, which
  ms-swift's templates hard-code); ``medground`` runs a medground command; ``scenes`` is a dataset
  of rectangles (``scene_specs``) whose boxes the tests work out by hand; ``demo`` is
  ``medground demo --cases 2`` split into train and test by patient.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

STUBS = Path(__file__).resolve().parent / "stubs"
_CACHE: list[Path] = []

#: scene name -> (width, height, rectangles: label, x1, y1, x2, y2 in pixel edges)
SCENES: dict[str, tuple[int, int, list[tuple[str, int, int, int, int]]]] = {
    "big": (1000, 700, [("liver", 100, 200, 400, 500), ("spleen", 600, 100, 900, 300)]),
    "mid": (96, 80, [("kidney", 30, 50, 40, 59)]),
    "thin": (20, 300, [("aorta", 5, 100, 15, 200)]),
}

QWEN_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
                "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>",
                "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
                "<|image_pad|>", "<|video_pad|>"]
QWEN_FIRST_SPECIAL_ID = 151643  # <|endoftext|> in Qwen2's vocabulary; <|image_pad|> is 151655


def pytest_configure(config: pytest.Config) -> None:
    cache = Path(tempfile.mkdtemp(prefix="medground-frameworks-"))
    _CACHE.append(cache)
    os.environ.update({
        "HF_HOME": str(cache / "hf"), "XDG_CACHE_HOME": str(cache / "xdg"),
        "MODELSCOPE_CACHE": str(cache / "modelscope"), "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        # LLaMA-Factory 0.9.5 checks datasets<=4.0.0; ms-swift 4.6.0 needs datasets>=4.8
        "DISABLE_VERSION_CHECK": "1",
    })


def pytest_unconfigure(config: pytest.Config) -> None:
    for cache in _CACHE:
        shutil.rmtree(cache, ignore_errors=True)


@contextlib.contextmanager
def _stand_ins(*names: str) -> Iterator[None]:
    """Make the stand-ins ``names`` (top-level module names in stubs/) importable for the
    block, then remove them from ``sys.modules`` and ``sys.path``. Modules imported in the block
    keep their reference to the stand-in.

    transformers caches whether torchvision / torchaudio are installed the first time it asks;
    it is asked here first, so that it never takes a stand-in for the real package."""
    from transformers.utils import import_utils

    import_utils.is_torchvision_available()
    import_utils.is_torchaudio_available()
    sys.path.insert(0, str(STUBS))
    try:
        yield
    finally:
        sys.path.remove(str(STUBS))
        for module in list(sys.modules):
            if module.split(".")[0] in names:
                del sys.modules[module]


def _qwen_tokenizer(first_special_id: int = QWEN_FIRST_SPECIAL_ID) -> Any:
    """A byte-level BPE tokenizer without merges (every byte one token, so any text round-trips)
    and the Qwen2-VL special tokens from ``first_special_id`` on."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    vocab.update({tok: first_special_id + i for i, tok in enumerate(QWEN_SPECIAL)})
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in QWEN_SPECIAL])
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")


def _scenes(root: Path) -> Path:
    """A dataset of :data:`SCENES`: one sample per rectangle and one with every rectangle of a
    scene that has several, each scene its own patient."""
    from medground.sinks.files import atomic_write_jsonl
    from medground.testing.scenes import SceneBuilder

    samples = []
    for name, (w, h, rects) in SCENES.items():
        scene = SceneBuilder(width=w, height=h, name=name)
        shapes = [scene.rect(label, x1, y1, x2, y2) for label, x1, y1, x2, y2 in rects]
        scene.write(root)
        samples += [scene.sample(f"Where is the {shape.label}?", [shape]) for shape in shapes]
        if len(shapes) > 1:
            samples.append(scene.sample("Outline both organs.", shapes))
    for s in samples:
        s.patient_id = f"anon-{s.case}"
    atomic_write_jsonl(root / "samples.jsonl", (s.to_dict() for s in samples))
    return root


def _cli(*args: str) -> str:
    """Run a medground command in-process; fails the test on a non-zero exit."""
    from typer.testing import CliRunner

    from medground.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``medground demo --cases 2`` (two patients), split into train and test by patient."""
    out = tmp_path_factory.mktemp("demo") / "ds"
    _cli("demo", "--out", str(out), "--cases", "2", "--quiet")
    _cli("split", str(out), "--seed", "0", "--ratios", "0.5,0,0.5")
    return out


@pytest.fixture(scope="session")
def stand_ins() -> Callable[..., contextlib.AbstractContextManager[None]]:
    return _stand_ins


@pytest.fixture(scope="session")
def qwen_tokenizer() -> Callable[..., Any]:
    return _qwen_tokenizer


@pytest.fixture(scope="session")
def medground() -> Callable[..., str]:
    return _cli


@pytest.fixture(scope="session")
def scene_specs() -> dict[str, tuple[int, int, list[tuple[str, int, int, int, int]]]]:
    return SCENES


@pytest.fixture
def scenes(tmp_path: Path) -> Path:
    return _scenes(tmp_path / "data")
