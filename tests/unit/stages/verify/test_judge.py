"""ImageJudge: synthetic images per reason code, the pure measurements, and real examples."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from medground.geometry import rle
from medground.stages.cue_words import ring_contrast
from medground.stages.verify.judge import (
    REASONS,
    ImageJudge,
    evidence,
    overlay_fraction,
    padding_fraction,
)
from medground.types import Sample, Target

H, W = 80, 120
Image_ = NDArray[np.uint8]
Mask = NDArray[np.bool_]


def disc(cx: float, cy: float, r: float, shape: tuple[int, int] = (H, W)) -> Mask:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.asarray((xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= r * r)


def noisy(level: float, sigma: float, seed: int = 0, shape: tuple[int, ...] = (H, W)) -> Image_:
    rng = np.random.default_rng(seed)
    return np.clip(np.rint(rng.normal(level, sigma, shape)), 0, 255).astype(np.uint8)


def make_sample(root: Path, image: Image_, targets: dict[str, Mask], name: str = "img.png",
                size: tuple[int, int] | None = None) -> Sample:
    """Save ``image`` as ``root/name`` and return a sample with one target per mask."""
    Image.fromarray(image).save(root / name)
    h, w = size or image.shape[:2]
    records = []
    for label, mask in targets.items():
        ys, xs = np.nonzero(mask)
        records.append(Target(label=label, name=label, instance=0,
                              box=(int(xs.min()), int(ys.min()), int(xs.max()) + 1,
                                   int(ys.max()) + 1),
                              area=int(mask.sum()), mask_rle=rle.encode(mask)))
    return Sample(id="s", image=name, width=w, height=h, source="synthetic", case="c",
                  patient_id="p", modality="CT", plane="image", slice=None,
                  task="multi" if len(records) > 1 else "single", targets=records,
                  query="find the target")


def judge(root: Path, sample: Sample) -> tuple[bool, str, str]:
    [out] = ImageJudge().bind(root)([sample])
    [v] = out.verdicts
    assert v.stage == "judge"
    assert v.reason == "OK" or v.reason in REASONS
    return v.passed, v.reason, v.detail


# --- synthetic images -------------------------------------------------------------------------

TARGET = disc(60, 40, 15)


def bright_disc() -> tuple[Image_, Mask]:
    img = noisy(40, 4)
    img[TARGET] = noisy(200, 4, seed=1)[TARGET]
    return img, TARGET


def dark_disc() -> tuple[Image_, Mask]:
    img = noisy(200, 4)
    img[TARGET] = noisy(40, 4, seed=1)[TARGET]
    return img, TARGET


def edge_disc() -> tuple[Image_, Mask]:
    """A disc at the mean of its surroundings (bright above, dark below): no contrast, edges."""
    img = np.full((H, W), 150, np.uint8)
    img[40:] = 50
    img[TARGET] = 100
    return img, TARGET


def textured_disc() -> tuple[Image_, Mask]:
    """Zero-mean grain inside, flat around: no contrast, no outline, only texture."""
    img = np.full((H, W), 100, np.uint8)
    grain = noisy(100, 30, seed=2)[TARGET].astype(np.float64)
    img[TARGET] = np.clip(np.rint(grain - grain.mean() + 100.0), 0, 255)
    return img, TARGET


def bone_disc() -> tuple[Image_, Mask]:
    """Saturated bone in a soft-tissue window: bright, but not an overlay."""
    img = noisy(90, 6)
    img[TARGET] = 255
    return img, TARGET


def bone_disc_rgb() -> tuple[Image_, Mask]:
    img, mask = bone_disc()
    return np.repeat(img[..., None], 3, axis=2), mask


def lesion_rgb() -> tuple[Image_, Mask]:
    img = noisy(0, 5, shape=(H, W, 3)) + np.array([200, 150, 130], np.uint8)
    img[TARGET] = [120, 80, 70]
    return img, TARGET


def red_polyp_rgb() -> tuple[Image_, Mask]:
    """Endoscopy red (spread > 100, max > 200) on pinker mucosa: tissue, not an overlay."""
    img = noisy(0, 3, shape=(H, W, 3)) + np.array([190, 120, 100], np.uint8)
    img[TARGET] = [235, 95, 75]
    return img, TARGET


def thin_band() -> tuple[Image_, Mask]:
    """A 2-px band between a bright and a dark region at their mean: only its edges show."""
    img = np.full((H, W), 160, np.uint8)
    img[41:] = 40
    img[39:41, 20:100] = 100
    mask = np.zeros((H, W), bool)
    mask[39:41, 20:100] = True
    return img, mask


PASSING: dict[str, Callable[[], tuple[Image_, Mask]]] = {
    "bright disc on dark": bright_disc,
    "dark disc on bright": dark_disc,
    "disc with edges but no mean contrast": edge_disc,
    "textured disc on flat": textured_disc,
    "saturated bone disc (grey)": bone_disc,
    "saturated bone disc (grey stored as RGB)": bone_disc_rgb,
    "dark lesion on skin (RGB)": lesion_rgb,
    "red polyp on mucosa (RGB)": red_polyp_rgb,
    "thin band between two regions": thin_band,
}


@pytest.mark.parametrize("name", list(PASSING))
def test_clean_targets_pass(tmp_path: Path, name: str) -> None:
    img, mask = PASSING[name]()
    passed, reason, detail = judge(tmp_path, make_sample(tmp_path, img, {"t": mask}))
    assert passed, (reason, detail)
    assert detail.startswith("t: contrast=")


@pytest.mark.parametrize(("name", "cue"), [
    ("bright disc on dark", "by_contrast"),
    ("dark disc on bright", "by_contrast"),
    ("disc with edges but no mean contrast", "by_edge"),
    ("textured disc on flat", "by_texture"),
    ("thin band between two regions", "by_edge"),
])
def test_each_cue_is_what_carries_its_case(name: str, cue: str) -> None:
    img, mask = PASSING[name]()
    ev = evidence(img, mask)
    assert ev is not None and getattr(ev, cue), str(ev)
    if cue != "by_contrast":
        assert not ev.by_contrast, str(ev)
    if name == "thin band between two regions":
        assert not ev.by_texture, str(ev)


@pytest.mark.parametrize("level", [0, 128, 255])
def test_blank_image_fails(tmp_path: Path, level: int) -> None:
    img = np.full((H, W), level, np.uint8)
    passed, reason, _ = judge(tmp_path, make_sample(tmp_path, img, {"t": TARGET}))
    assert not passed
    assert reason in ("NO_IMAGE_EVIDENCE", "TARGET_IN_PADDING")


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("r", [1.5, 3, 8, 20])
def test_uniform_noise_has_no_evidence(seed: int, r: float) -> None:
    img = np.random.default_rng(seed).integers(0, 256, (H, W), dtype=np.uint8)
    ev = evidence(img, disc(60, 40, r))
    assert ev is not None and not ev.visible, str(ev)
    rgb = np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)
    ev = evidence(rgb, disc(60, 40, r))
    assert ev is not None and not ev.visible, str(ev)


def letterboxed() -> Image_:
    img = noisy(110, 20)
    img[:20] = 0
    img[-20:] = 0
    return img


def test_target_in_letterbox_padding(tmp_path: Path) -> None:
    mask = disc(60, 9, 8)
    passed, reason, detail = judge(tmp_path, make_sample(tmp_path, letterboxed(), {"t": mask}))
    assert (passed, reason) == (False, "TARGET_IN_PADDING")
    assert "t: padding=1.00" in detail


def test_padding_fraction() -> None:
    img = letterboxed()
    assert padding_fraction(img, disc(60, 9, 8)) == 1.0
    assert padding_fraction(img, disc(60, 40, 8)) == 0.0
    half = np.zeros((H, W), bool)
    half[10:30, 40:60] = True  # 10 rows in the bar, 10 in the picture
    assert padding_fraction(img, half) == pytest.approx(0.5)
    assert padding_fraction(np.full((H, W), 7, np.uint8), TARGET) == 1.0  # blank image


def test_anatomy_at_the_minimum_cut_by_the_border_is_not_padding() -> None:
    """A lung apex at the window minimum touching a short stretch of the top edge."""
    img = noisy(120, 8)
    lung = disc(40, 0, 12)
    img[lung] = 0
    assert padding_fraction(img, lung) == 0.0


def green_overlay() -> tuple[Image_, Mask]:
    img, mask = lesion_rgb()
    img[28:52, 45:75] = [0, 255, 0]  # a burned-in annotation box over most of the lesion
    return img, mask


def test_overlay_occludes_target(tmp_path: Path) -> None:
    img, mask = green_overlay()
    passed, reason, detail = judge(tmp_path, make_sample(tmp_path, img, {"lesion": mask}))
    assert (passed, reason) == (False, "OVERLAY_OCCLUDES_TARGET")
    assert detail.startswith("lesion: overlay=")


def test_overlay_fraction() -> None:
    img, mask = green_overlay()
    assert overlay_fraction(img, mask) > 0.5
    assert overlay_fraction(*lesion_rgb()) == 0.0
    assert overlay_fraction(*red_polyp_rgb()) == 0.0
    assert overlay_fraction(*bone_disc()) == 0.0
    assert overlay_fraction(*bone_disc_rgb()) == 0.0
    # pure white text on a colour photo is an overlay ...
    text, _ = lesion_rgb()
    text[30:50, 48:72] = 255
    assert overlay_fraction(text, TARGET) > 0.3
    # ... but a specular highlight fading through near-white is not
    spec, _ = lesion_rgb()
    spec[disc(60, 40, 10)] = [230, 225, 225]
    spec[disc(60, 40, 5)] = 255
    assert overlay_fraction(spec, TARGET) == 0.0


def test_size_mismatch_is_unreadable(tmp_path: Path) -> None:
    img, mask = bright_disc()
    sample = make_sample(tmp_path, img, {"t": mask}, size=(H, W + 1))
    passed, reason, detail = judge(tmp_path, sample)
    assert (passed, reason) == (False, "IMAGE_UNREADABLE")
    assert "121x80" in detail


def test_missing_or_corrupt_png_is_unreadable(tmp_path: Path) -> None:
    img, mask = bright_disc()
    sample = make_sample(tmp_path, img, {"t": mask}, name="gone.png")
    (tmp_path / "gone.png").unlink()
    assert judge(tmp_path, sample)[:2] == (False, "IMAGE_UNREADABLE")
    sample = make_sample(tmp_path, img, {"t": mask}, name="bad.png")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert judge(tmp_path, sample)[:2] == (False, "IMAGE_UNREADABLE")


def test_multi_target_fails_on_the_blank_one(tmp_path: Path) -> None:
    img = noisy(100, 8)
    kidney = disc(30, 40, 12)
    img[kidney] = noisy(170, 8, seed=3)[kidney]
    nothing = disc(90, 40, 12)  # plain background: no structure at all
    sample = make_sample(tmp_path, img, {"kidney": kidney, "cyst": nothing})
    passed, reason, detail = judge(tmp_path, sample)
    assert (passed, reason) == (False, "NO_IMAGE_EVIDENCE")
    assert detail.startswith("cyst: ")
    sample = make_sample(tmp_path, img, {"kidney": kidney}, name="one.png")
    assert judge(tmp_path, sample)[0]


def test_mask_covering_the_image_has_no_ring(tmp_path: Path) -> None:
    img, _ = bright_disc()
    full = np.ones((H, W), bool)
    assert evidence(img, full) is None
    passed, reason, _ = judge(tmp_path, make_sample(tmp_path, img, {"t": full}))
    assert (passed, reason) == (False, "NO_IMAGE_EVIDENCE")


def test_contrast_is_cue_words_ring_contrast() -> None:
    rng = np.random.default_rng(4)
    img = rng.integers(0, 256, (H, W), dtype=np.uint8)
    for mask in (TARGET, disc(5, 5, 9), disc(60, 40, 30) & ~disc(60, 40, 10)):
        ev, rc = evidence(img, mask), ring_contrast(img, mask)
        assert ev is not None and rc is not None
        assert ev.contrast == pytest.approx(rc.contrast)


def test_evidence_rejects_bad_masks() -> None:
    img, _ = bright_disc()
    with pytest.raises(ValueError, match="empty"):
        evidence(img, np.zeros((H, W), bool))
    with pytest.raises(ValueError, match="shape"):
        evidence(img, np.ones((H + 1, W), bool))


def test_failed_samples_are_not_judged(tmp_path: Path) -> None:
    img, mask = bright_disc()
    sample = make_sample(tmp_path, img, {"t": mask})
    [out] = ImageJudge().bind(tmp_path)([sample])
    [out] = ImageJudge().bind(tmp_path)([out])
    assert len(out.verdicts) == 2  # it passed, so it is judged again
    sample = make_sample(tmp_path, np.zeros((H, W), np.uint8), {"t": mask}, name="z.png")
    [out] = ImageJudge().bind(tmp_path)(ImageJudge().bind(tmp_path)([sample]))
    assert len(out.verdicts) == 1


# --- real examples ----------------------------------------------------------------------------


def _shared_data() -> Path | None:
    env = os.environ.get("MEDGROUND_SAMPLES")
    root = Path(env) if env else Path(__file__).resolve().parents[4].parent / "shared" / "data"
    return root if root.is_dir() else None


@pytest.mark.integration
@pytest.mark.skipif(_shared_data() is None,
                    reason="real samples absent: set MEDGROUND_SAMPLES or place ../shared/data")
@pytest.mark.parametrize("name", ["kvasir_seg", "sam_med2d"])
def test_real_examples_pass_and_blanked_fail(tmp_path: Path, name: str) -> None:
    from medground.build import build
    from medground.config import load_config

    examples = Path(__file__).resolve().parents[4] / "examples"
    out = tmp_path / "built"
    build(load_config(examples / f"{name}.yaml"), out)
    records = [json.loads(line) for line in
               (out / "samples.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert records
    clean = ImageJudge().bind(out)([Sample.from_dict(r) for r in records])
    failed = [(s.image, s.first_failure) for s in clean if not s.passed]
    assert not failed

    blank = tmp_path / "blank"  # a separate root: PNGs are cached by path
    for rel in {r["image"] for r in records}:
        with Image.open(out / rel) as im:
            shape = np.asarray(im).shape
        (blank / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros(shape, np.uint8)).save(blank / rel)
    blanked = ImageJudge().bind(blank)([Sample.from_dict(r) for r in records])
    assert not any(s.passed for s in blanked)
