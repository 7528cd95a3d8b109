"""PriorCheck: a table of plausible and implausible placements, measured from the mask."""

from __future__ import annotations

import numpy as np
import pytest

from medground.geometry import rle
from medground.stages.verify.priors import PriorCheck, prior_for
from medground.types import Sample, Target

AXIAL = {"left": "R", "right": "L", "top": "A", "bottom": "P"}
#: where a 10 px square is put for each patient side: the midline is x = 50 and the patient's
#: right lies on the image's left (radiological display)
CENTRE_X = {"right": 20, "left": 80, "midline": 50, None: 20}


def sample(label: str, modality: str = "CT", side: str | None = None, cy: float = 50,
           plane: str = "axial", frame: dict[str, str] | None = AXIAL) -> Sample:
    mask = np.zeros((100, 100), bool)
    x, y = CENTRE_X[side], int(cy)
    mask[y - 5:y + 5, x - 5:x + 5] = True
    target = Target(label=label, instance=0, box=(x - 5, y - 5, x + 5, y + 5),
                    mask_rle=rle.encode(mask))
    return Sample(id="x", image="i.png", width=100, height=100, source="s", case="c",
                  patient_id="p", modality=modality, plane=plane, slice=0, task="single",
                  targets=[target], query="q", frame=frame,
                  midline_x=50.0 if frame and frame["left"] in "RL" else None)


@pytest.mark.parametrize(("s", "reason"), [
    (sample("liver", side="right"), "OK"),
    (sample("liver", side="midline"), "OK"),
    (sample("liver", side="left"), "PRIOR_SIDE_IMPLAUSIBLE"),
    (sample("spleen", side="right"), "PRIOR_SIDE_IMPLAUSIBLE"),
    (sample("kidney_left", side="right"), "PRIOR_SIDE_IMPLAUSIBLE"),
    (sample("rib_right_7", side="left"), "PRIOR_SIDE_IMPLAUSIBLE"),
    (sample("vertebrae_L1", side="midline", cy=80), "OK"),
    (sample("vertebrae_L1", side="midline", cy=15), "PRIOR_POSITION_IMPLAUSIBLE"),
    (sample("vertebrae_L1", side="midline", cy=15, plane="coronal",
            frame={"left": "R", "right": "L", "top": "S", "bottom": "I"}), "OK"),
    (sample("polyp", modality="endoscopy", frame=None), "OK"),
    (sample("polyp", modality="MR", frame=None), "PRIOR_MODALITY_IMPLAUSIBLE"),
    (sample("liver", modality="dermoscopy", frame=None), "PRIOR_MODALITY_IMPLAUSIBLE"),
    (sample("liver", modality="OT", frame=None), "OK"),  # unknown modality: not judged
    (sample("nucleus", modality="microscopy", frame=None), "OK"),
    # modality words are read through the vocabulary, priors accept a code or its family
    (sample("nucleus", modality="histopathology", frame=None), "OK"),
    (sample("nucleus", modality="pathology", frame=None), "OK"),
    (sample("nucleus", modality="H&E", frame=None), "OK"),
    (sample("nucleus", modality="fluorescence", frame=None), "OK"),
    (sample("nucleus", modality="CT", frame=None), "PRIOR_MODALITY_IMPLAUSIBLE"),
    (sample("nucleus", modality="dermoscopy", frame=None), "PRIOR_MODALITY_IMPLAUSIBLE"),
    (sample("polyp", modality="colonoscopy", frame=None), "OK"),
    (sample("polyp", modality="gastroscopy", frame=None), "OK"),
    (sample("polyp", modality="histopathology", frame=None), "PRIOR_MODALITY_IMPLAUSIBLE"),
    (sample("liver", modality="MRI", side="right"), "OK"),
    (sample("liver", modality="ultrasound", frame=None), "OK"),
    (sample("liver", modality="X-ray", frame=None), "PRIOR_MODALITY_IMPLAUSIBLE"),
    (sample("heart", modality="X-ray", frame=None), "OK"),
    (sample("skin_lesion", modality="dermatoscopy", frame=None), "OK"),
    (sample("liver", modality="unknown", frame=None), "OK"),
    (sample("liver", modality="not a modality", frame=None), "OK"),  # read as unknown
    (sample("mystery_structure"), "NO_PRIOR"),
    (sample("liver", side=None, frame=None), "OK"),  # 2D: no side claim to test
])
def test_priors(s: Sample, reason: str) -> None:
    [out] = PriorCheck()([s])
    assert out.verdicts[-1].reason == reason, out.verdicts
    assert out.passed == (reason in ("OK", "NO_PRIOR"))


def test_patterns() -> None:
    assert prior_for("vertebrae_T12") is not None and prior_for("unknown") is None
    side = prior_for("hip_left")
    assert side is not None and side.sides == frozenset({"left"})
