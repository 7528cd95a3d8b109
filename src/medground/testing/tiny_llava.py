"""A tiny, randomly initialised LLaVA served by ``transformers serve``, for end-to-end tests.

``build_tiny_llava`` writes a complete Hugging Face model folder without touching any hub: a
CLIP vision tower and a small Qwen2 text model (a few hundred thousand parameters, random
weights), a byte-level BPE tokenizer trained on a handful of sentences, a CLIP image processor
and a ``LlavaProcessor`` whose chat template renders image parts as ``<image>``. ``serve`` starts
``transformers serve`` on 127.0.0.1 with that folder preloaded, fully offline, and
``wait_ready`` polls ``GET /v1/models`` until it answers. The answers are nonsense; the point
is that a real OpenAI-compatible server, the official ``openai`` client and an image request
all meet.

torch, transformers and tokenizers are optional: they are imported only inside
``build_tiny_llava`` (``serve`` and ``wait_ready`` use the standard library alone). Install
torch first, from its CPU wheel, and never torchvision (see the ``vlm-test`` extra).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

__all__ = ["IMAGE_SIZE", "build_tiny_llava", "serve", "served_model_id", "wait_ready"]

IMAGE_SIZE = 32  # pixels, square: the processor resizes and centre-crops any image to this
PATCH_SIZE = 8  # -> (32 / 8) ** 2 = 16 patches, plus CLIP's class token
IMAGE_TOKEN = "<image>"
#: context length: the byte-level tokenizer's 400 pieces spell a build's prompts in 1,500 tokens
#: and more, and transformers serve (5.25) answers 400 Bad Request to a prompt longer than that
MAX_TOKENS = 8192
SPECIAL_TOKENS = ("<|endoftext|>", "<|pad|>", IMAGE_TOKEN, "<|im_start|>", "<|im_end|>")

# Role-tagged turns; a message's content is a string or a list of text and image parts.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>\n"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_CORPUS = (
    "The liver is the largest solid organ in the abdomen.",
    "Point to the left kidney in this CT slice.",
    "A tumour appears as a bright region on the MRI image.",
    "Where is the spleen? It lies in the upper left abdomen.",
    "The lesion is small, round and close to the border.",
    "Describe the region: a dark area near the centre of the scan.",
    "user assistant system image question answer yes no left right top bottom",
)


def _train_tokenizer() -> Any:
    """A byte-level BPE ``tokenizers.Tokenizer`` over the small corpus above."""
    tk = importlib.import_module("tokenizers")
    models = importlib.import_module("tokenizers.models")
    pre_tokenizers = importlib.import_module("tokenizers.pre_tokenizers")
    decoders = importlib.import_module("tokenizers.decoders")
    trainers = importlib.import_module("tokenizers.trainers")

    tokenizer = tk.Tokenizer(models.BPE(unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        min_frequency=1,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(_CORPUS), trainer=trainer)
    return tokenizer


def build_tiny_llava(folder: Path) -> Path:
    """Write a randomly initialised tiny LLaVA model folder (deterministic) and return it.

    The folder holds ``config.json``, ``model.safetensors``, ``generation_config.json``, the
    tokenizer files, ``preprocessor_config.json`` and ``processor_config.json`` (with the chat
    template), which is everything ``transformers serve`` loads through ``AutoProcessor`` and
    ``AutoModelForImageTextToText``. Requires torch, transformers and tokenizers.
    """
    torch = importlib.import_module("torch")
    tf = importlib.import_module("transformers")

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    tokenizer = tf.PreTrainedTokenizerFast(
        tokenizer_object=_train_tokenizer(),
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|pad|>",
        unk_token=None,
        extra_special_tokens={"image_token": IMAGE_TOKEN},
        chat_template=CHAT_TEMPLATE,
        model_max_length=MAX_TOKENS,
    )
    # transformers >= 5 chooses a torchvision backend for CLIPImageProcessor when torchvision is
    # installed; the PIL backend needs no torchvision (whose PyPI wheel is a CUDA build).
    image_processor_cls = getattr(tf, "CLIPImageProcessorPil", None) or tf.CLIPImageProcessor
    image_processor = image_processor_cls(
        size={"shortest_edge": IMAGE_SIZE},
        crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
    )
    processor = tf.LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=PATCH_SIZE,
        vision_feature_select_strategy="default",  # drops CLIP's class token ...
        num_additional_image_tokens=1,  # ... which this counts, so 16 <image> tokens per image
        chat_template=CHAT_TEMPLATE,
        image_token=IMAGE_TOKEN,
    )

    vision_config = tf.CLIPVisionConfig(
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
        num_channels=3,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        projection_dim=32,
    )
    text_config = tf.Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_TOKENS,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    config = tf.LlavaConfig(
        vision_config=vision_config,
        text_config=text_config,
        image_token_index=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
        projector_hidden_act="gelu",
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
        image_seq_length=(IMAGE_SIZE // PATCH_SIZE) ** 2,
        tie_word_embeddings=True,
    )
    model = tf.LlavaForConditionalGeneration(config).eval()
    model.generation_config = tf.GenerationConfig(
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        do_sample=False,
        max_new_tokens=16,
    )
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def served_model_id(folder: Path) -> str:
    """The ``model`` a request must name: the served folder's path, exactly as passed to serve."""
    return str(Path(folder))


def serve(
    folder: Path,
    port: int,
    *,
    host: str = "127.0.0.1",
    hf_home: Path | None = None,
    log: IO[bytes] | None = None,
    python: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``transformers serve`` on ``host:port`` with ``folder`` preloaded, fully offline.

    The model is loaded before uvicorn starts listening, so once ``wait_ready`` succeeds the
    first request does not pay for loading. Requests must name ``served_model_id(folder)`` as
    their ``model``. ``GET /v1/models`` scans the hub cache, so ``HF_HUB_CACHE`` points at an
    (empty) existing folder under ``hf_home`` (default: a sibling of ``folder``). Output goes to
    ``log`` (default: discarded). The caller stops the process (``proc.kill()``, by its PID).
    """
    folder = Path(folder)
    if "@" in str(folder):  # the server reads `<id>@<revision>`: a path with "@" is misread
        raise ValueError(f"transformers serve cannot serve a path containing '@': {folder}")
    home = Path(hf_home) if hf_home is not None else folder.parent / f"{folder.name}-hf-home"
    cache = home / "hub"
    cache.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HOME": str(home),
            "HF_HUB_CACHE": str(cache),
            "HF_HUB_DISABLE_UPDATE_CHECK": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )
    exe = python or sys.executable
    cli = Path(exe).parent / "transformers"
    if cli.exists():
        argv = [str(cli)]
    else:
        found = shutil.which("transformers")
        if found is None:
            raise FileNotFoundError(
                "the `transformers` CLI was not found: install transformers[serving]"
            )
        argv = [found]
    argv += [
        "serve",
        served_model_id(folder),
        "--host",
        host,
        "--port",
        str(port),
        "--device",
        "cpu",
        "--dtype",
        "float32",
        "--log-level",
        "warning",
    ]
    sink: IO[bytes] | int = log if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
    )


def wait_ready(
    base_url: str, timeout: float = 120.0, proc: subprocess.Popen[bytes] | None = None
) -> dict[str, Any]:
    """Poll ``GET {base_url}/models`` (``base_url`` ends in ``/v1``) until it answers 200.

    Returns the decoded model list. Raises ``RuntimeError`` at once if ``proc`` has exited and
    ``TimeoutError`` after ``timeout`` seconds.
    """
    url = base_url.rstrip("/") + "/models"
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=5.0) as response:
                if response.status == 200:
                    data: dict[str, Any] = json.loads(response.read().decode("utf-8"))
                    return data
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s (last error: {last})")
