"""Hand-written queries over generated scenes with known geometry (benchmarks/free_wording.py).

Each :class:`Case` is a query worded the way radiologists, annotators and vision-language
models write them, not the way the template grammar does, with the (label, instance) pairs its
box is drawn on and whether the query is a true, unambiguous description of exactly those
targets. The scenes are small synthetic images built with
:class:`medground.testing.scenes.SceneBuilder`; every geometric fact a case relies on is placed
with a wide margin (see the layout notes next to each scene), so that a true case is clearly
true and a false one clearly false.

Conventions used below:

- AXIAL and CORONAL scenes use the radiological display: the patient's right is on the image's
  left. SAGITTAL scenes have anterior on the image's left and no patient left/right axis.
- Scenes with ``frame=None`` are 2D photos (endoscopy, dermoscopy, microscopy): patient-side
  and anatomical-direction words are not verifiable there, so such queries are false.
- A bare "left"/"right" on an axial or coronal scene names no frame and is false ("no frame").
- Queries contain no digits and no coordinates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from medground.testing.scenes import AXIAL, CORONAL, SAGITTAL, SceneBuilder


@dataclass(frozen=True)
class Case:
    scene: str  # key into scenes()
    query: str  # the query exactly as a person or a VLM would write it
    targets: tuple[tuple[str, int], ...]  # (label, instance) the box is drawn on
    truth: bool  # True: a correct, unambiguous description of exactly those targets
    kind: str  # position | side | size | shape | intensity | count | ordinal | relation | name
    why: str = ""  # for false cases: what is wrong, in a few words


# --------------------------------------------------------------------------------------------
# scenes. Coordinates are pixels (x right, y down); W x H is given as width x height.
# Instances number per label from 0 in drawing order.


def _ct_ax_abdomen() -> SceneBuilder:
    """CT axial 120x100, midline x=60. Liver image-left/top (patient's right, anterior),
    spleen image-right/top (patient's left), both kidneys low (posterior), aorta at the
    midline in front of the vertebra."""
    b = SceneBuilder(height=100, width=120, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_abdomen")
    b.rect("liver", 6, 8, 46, 46, 120)  # centre (26, 27)
    b.disc("spleen", 98, 28, 12, value=130)  # x 86..110
    b.disc("kidney_right", 26, 74, 10, value=140, ry=14)  # image left = patient's right
    b.disc("kidney_left", 94, 74, 10, value=140, ry=14)  # image right = patient's left
    b.disc("aorta", 60, 60, 6, value=200)  # y 54..66
    b.disc("vertebra", 60, 84, 9, value=230)  # y 75..93, 9 px behind the aorta
    return b


def _ct_ax_liver_lesions() -> SceneBuilder:
    """CT axial 100x100. Lesion 0: hypodense (20 in liver 120), r=9, inside the liver, image
    upper-left (patient's right). Lesion 1: hyperdense (200 on 40), r=6, outside the liver,
    image lower-right (patient's left). Area ratio 2.25."""
    b = SceneBuilder(height=100, width=100, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_liver_lesions")
    b.rect("liver", 8, 10, 55, 60, 120)
    b.disc("lesion", 24, 26, 9, value=20)
    b.disc("lesion", 80, 80, 6, value=200)
    return b


def _ct_ax_three_lesions() -> SceneBuilder:
    """CT axial 120x100: three bright lesions in a row at y=50, x = 20, 60, 100 (image left to
    right = patient's right to left), radii 5, 11, 7 (areas ~79, ~380, ~154)."""
    b = SceneBuilder(height=100, width=120, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_three_lesions")
    b.disc("lesion", 20, 50, 5, value=200)
    b.disc("lesion", 60, 50, 11, value=200)
    b.disc("lesion", 100, 50, 7, value=200)
    return b


def _ct_cor_abdomen() -> SceneBuilder:
    """CT coronal 100x120 (top = superior, image left = patient's right). Liver upper image
    left, spleen upper image right, kidneys below them, left adrenal just above the left
    kidney, bladder low in the middle."""
    b = SceneBuilder(height=120, width=100, modality="CT", plane="coronal", frame=CORONAL,
                     name="fw_ct_cor_abdomen")
    b.rect("liver", 5, 12, 45, 48, 120)  # centre (25, 30)
    b.disc("spleen", 80, 32, 10, value=130)  # y 22..42
    b.disc("kidney_right", 25, 78, 9, value=140, ry=15)  # y 63..93
    b.disc("kidney_left", 75, 80, 9, value=140, ry=15)  # y 65..95
    b.disc("adrenal_gland_left", 75, 55, 5, value=170)  # y 50..60, above the left kidney
    b.disc("urinary_bladder", 50, 108, 9, value=70)  # y 99..117
    return b


def _ct_sag_spine() -> SceneBuilder:
    """CT sagittal 100x120 (image left = anterior, top = superior). Three vertebrae stacked at
    x=65, y = 22, 60, 98 (r=9); the aorta is a tall strip in front of them (x 26..42); a dark
    lesion sits inside the middle vertebra."""
    b = SceneBuilder(height=120, width=100, modality="CT", plane="sagittal", frame=SAGITTAL,
                     name="fw_ct_sag_spine")
    b.disc("vertebra", 65, 22, 9, value=220)
    b.disc("vertebra", 65, 60, 9, value=220)
    b.disc("vertebra", 65, 98, 9, value=220)
    b.rect("aorta", 26, 6, 42, 114, 190)
    b.disc("lesion", 65, 60, 4, value=60)  # within vertebra 1
    return b


def _mr_ax_brain() -> SceneBuilder:
    """MR axial 100x100. Brain ellipse (110). Lesion 0: hyperintense (220), r=7, image
    upper-left (patient's right). Lesion 1: hypointense (20), r=10, image lower-right
    (patient's left). Area ratio ~2."""
    b = SceneBuilder(height=100, width=100, modality="MR", plane="axial", frame=AXIAL,
                     name="fw_mr_ax_brain")
    b.disc("brain", 50, 50, 46, value=110, ry=47)
    b.disc("lesion", 25, 28, 7, value=220)
    b.disc("lesion", 75, 74, 10, value=20)
    return b


def _mr_cor_liver() -> SceneBuilder:
    """MR coronal 100x120. A hyperintense lesion (220) inside the liver (100) on the image
    left (patient's right), spleen on the image right, kidneys low on both sides."""
    b = SceneBuilder(height=120, width=100, modality="MR", plane="coronal", frame=CORONAL,
                     name="fw_mr_cor_liver")
    b.rect("liver", 6, 12, 52, 62, 100)
    b.disc("lesion", 28, 34, 9, value=220)  # y 25..43, inside the liver
    b.disc("spleen", 82, 36, 10, value=90)
    b.disc("kidney_right", 26, 92, 8, value=130, ry=14)  # y 78..106
    b.disc("kidney_left", 76, 92, 8, value=130, ry=14)
    return b


def _endo_two_polyps() -> SceneBuilder:
    """Endoscopy 120x100, no patient frame. Polyp 0: large (r=14), lower left. Polyp 1: small
    (r=8), upper right. Area ratio ~3."""
    b = SceneBuilder(height=100, width=120, background=40, modality="endoscopy",
                     name="fw_endo_two_polyps")
    b.disc("polyp", 26, 74, 14, value=170)
    b.disc("polyp", 96, 24, 8, value=170)
    return b


def _endo_three_polyps() -> SceneBuilder:
    """Endoscopy 128x100: three polyps in a row at y=50, x = 20, 64, 108, radii 8, 12, 6
    (areas ~201, ~452, ~113). All at the same height."""
    b = SceneBuilder(height=100, width=128, modality="endoscopy", name="fw_endo_three_polyps")
    b.disc("polyp", 20, 50, 8, value=170)
    b.disc("polyp", 64, 50, 12, value=170)
    b.disc("polyp", 108, 50, 6, value=170)
    return b


def _endo_centre_polyp() -> SceneBuilder:
    """Endoscopy 100x100: a single mid-sized polyp (r=12, 4.5% of the image) at the centre."""
    b = SceneBuilder(height=100, width=100, modality="endoscopy", name="fw_endo_centre_polyp")
    b.disc("polyp", 50, 50, 12, value=170)
    return b


def _endo_big_polyp() -> SceneBuilder:
    """Endoscopy 100x100: a single large polyp (r=28, ~25% of the image), centred a little
    low (y=55)."""
    b = SceneBuilder(height=100, width=100, modality="endoscopy", name="fw_endo_big_polyp")
    b.disc("polyp", 50, 55, 28, value=170)
    return b


def _endo_tiny_polyp() -> SceneBuilder:
    """Endoscopy 160x128: a single tiny polyp (r=5, ~0.4% of the image) in the upper right."""
    b = SceneBuilder(height=128, width=160, modality="endoscopy", name="fw_endo_tiny_polyp")
    b.disc("polyp", 130, 24, 5, value=170)
    return b


def _endo_stacked_polyps() -> SceneBuilder:
    """Endoscopy 100x120: two equal polyps (r=10) at the same x=50, one high (y=25), one low
    (y=92)."""
    b = SceneBuilder(height=120, width=100, modality="endoscopy", name="fw_endo_stacked_polyps")
    b.disc("polyp", 50, 25, 10, value=170)
    b.disc("polyp", 50, 92, 10, value=170)
    return b


def _derm_single() -> SceneBuilder:
    """Dermoscopy 100x100: one large, round, dark lesion (60 on skin 180), r=30, centred."""
    b = SceneBuilder(height=100, width=100, background=180, modality="dermoscopy",
                     name="fw_derm_single")
    b.disc("skin_lesion", 50, 50, 30, value=60)
    return b


def _derm_irregular() -> SceneBuilder:
    """Dermoscopy 120x100: one jagged (star) dark lesion (50 on skin 190), r=26, centred."""
    b = SceneBuilder(height=100, width=120, background=190, modality="dermoscopy",
                     name="fw_derm_irregular")
    b.star("skin_lesion", 60, 50, 26, value=50)
    return b


def _derm_two() -> SceneBuilder:
    """Dermoscopy 128x100 (skin 190). Lesion 0: small round very dark (20), r=10, upper left.
    Lesion 1: lobulated lighter brown (100), r=22, lower right; well over 1.6x the area."""
    b = SceneBuilder(height=100, width=128, background=190, modality="dermoscopy",
                     name="fw_derm_two")
    b.disc("skin_lesion", 28, 26, 10, value=20)
    b.lobulated("skin_lesion", 96, 72, 22, value=100)
    return b


def _derm_tiny() -> SceneBuilder:
    """Dermoscopy 160x128: one tiny dark lesion (r=5, ~0.4% of the image), lower left."""
    b = SceneBuilder(height=128, width=160, background=190, modality="dermoscopy",
                     name="fw_derm_tiny")
    b.disc("skin_lesion", 28, 104, 5, value=50)
    return b


def _micro_column() -> SceneBuilder:
    """Microscopy 100x128 (dark field 20): four equal nuclei (r=9) in a column at x=50,
    y = 16, 48, 80, 112 (instance 0 at the top)."""
    b = SceneBuilder(height=128, width=100, background=20, modality="microscopy",
                     name="fw_micro_column")
    for y in (16, 48, 80, 112):
        b.disc("nucleus", 50, y, 9, value=200)
    return b


def _micro_shapes() -> SceneBuilder:
    """Microscopy 120x100 (field 20). Nucleus 0: oval (r=17, ry=8, ratio ~2.1) upper left.
    Nucleus 1: ring (r=14, inner 7) upper right. Nucleus 2: crescent (r=15) lower left.
    Nucleus 3: lobulated (r=16) lower right."""
    b = SceneBuilder(height=100, width=120, background=20, modality="microscopy",
                     name="fw_micro_shapes")
    b.disc("nucleus", 28, 26, 17, value=200, ry=8)
    b.ring("nucleus", 92, 26, 14, 7, value=200)
    b.crescent("nucleus", 28, 74, 15, value=200)
    b.lobulated("nucleus", 92, 74, 16, value=200)
    return b


def _micro_round_long() -> SceneBuilder:
    """Microscopy 128x128 (field 20). Nucleus 0: round (r=10) upper left. Nucleus 1: elongated
    ellipse (r=34, ry=8, ratio 4.25) upper right. Nucleus 2: jagged star (r=18) lower middle."""
    b = SceneBuilder(height=128, width=128, background=20, modality="microscopy",
                     name="fw_micro_round_long")
    b.disc("nucleus", 22, 30, 10, value=200)
    b.disc("nucleus", 84, 30, 34, value=200, ry=8)
    b.star("nucleus", 64, 94, 18, value=200)
    return b


def _micro_grid() -> SceneBuilder:
    """Microscopy 128x128 (field 20): six nuclei, two rows (y=30, 98) of three (x=22, 64, 106),
    drawn row by row from the top left; all r=9 except instance 4 (bottom middle), r=15."""
    b = SceneBuilder(height=128, width=128, background=20, modality="microscopy",
                     name="fw_micro_grid")
    for y in (30, 98):
        for x in (22, 64, 106):
            b.disc("nucleus", x, y, 15 if (x, y) == (64, 98) else 9, value=200)
    return b


def _micro_pair() -> SceneBuilder:
    """Microscopy 120x100 (field 20): two nuclei, a bright one (230) on the left and a dim one
    (110) on the right, same size (r=12)."""
    b = SceneBuilder(height=100, width=120, background=20, modality="microscopy",
                     name="fw_micro_pair")
    b.disc("nucleus", 26, 50, 12, value=230)
    b.disc("nucleus", 94, 50, 12, value=110)
    return b


def _ct_ax_kidney_cysts() -> SceneBuilder:
    """CT axial 100x100. Right kidney on the image left, left kidney on the image right; one
    hypodense cyst (30 in kidney 140) inside each; a hyperdense stone-like lesion (230) free in
    the upper middle."""
    b = SceneBuilder(height=100, width=100, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_kidney_cysts")
    b.disc("kidney_right", 24, 62, 14, value=140, ry=20)
    b.disc("kidney_left", 76, 62, 14, value=140, ry=20)
    b.disc("cyst", 24, 58, 6, value=30)  # inside the right kidney
    b.disc("cyst", 76, 66, 6, value=30)  # inside the left kidney
    b.disc("lesion", 50, 18, 6, value=230)
    return b


def _ct_ax_density_pair() -> SceneBuilder:
    """CT axial 100x100. The liver fills most of the slice (110); lesion 0 is hypodense (20)
    on the image left (patient's right), lesion 1 hyperdense (220) on the image right; both
    r=9 (equal size), both at y=50."""
    b = SceneBuilder(height=100, width=100, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_density_pair")
    b.rect("liver", 5, 10, 95, 90, 110)
    b.disc("lesion", 24, 50, 9, value=20)
    b.disc("lesion", 76, 50, 9, value=220)
    return b


def _mr_sag_spine() -> SceneBuilder:
    """MR sagittal 100x128 (image left = anterior, top = superior). Three vertebrae (90) at
    x=58, y = 24, 64, 104 (r=10); the spinal cord (200) is a strip behind them (x 76..92); a
    hyperintense lesion (230) inside the lowest vertebra."""
    b = SceneBuilder(height=128, width=100, modality="MR", plane="sagittal", frame=SAGITTAL,
                     name="fw_mr_sag_spine")
    for y in (24, 64, 104):
        b.disc("vertebra", 58, y, 10, value=90)
    b.rect("spinal_cord", 76, 4, 92, 124, 200)
    b.disc("lesion", 58, 104, 5, value=230)
    return b


def _ct_ax_stomach_spleen() -> SceneBuilder:
    """CT axial 120x100, midline x=60. Stomach image upper right (patient's left, anterior),
    spleen image lower right behind it (patient's left, posterior), liver image left, aorta at
    the midline, vertebra behind the aorta."""
    b = SceneBuilder(height=100, width=120, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_stomach_spleen")
    b.rect("liver", 6, 14, 46, 70, 120)
    b.disc("stomach", 84, 28, 15, value=90)  # y 13..43
    b.disc("spleen", 100, 68, 12, value=130)  # y 56..80
    b.disc("aorta", 60, 66, 6, value=200)
    b.disc("vertebra", 60, 86, 8, value=230)
    return b


def _ct_ax_adjacent() -> SceneBuilder:
    """CT axial 100x100. The aorta (r=7) at (50, 60); lesion 0 (r=8) touches its right side;
    lesion 1 (r=8) is far away in the image upper left."""
    b = SceneBuilder(height=100, width=100, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_adjacent")
    b.disc("aorta", 50, 60, 7, value=200)
    b.disc("lesion", 65, 60, 8, value=150)
    b.disc("lesion", 16, 16, 8, value=150)
    return b


def _ct_ax_liver_tiny() -> SceneBuilder:
    """CT axial 128x128. A large liver (~41% of the image) on the image left and middle, with
    one tiny hypodense lesion (r=4, ~0.3% of the image) inside it."""
    b = SceneBuilder(height=128, width=128, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_liver_tiny")
    b.rect("liver", 10, 15, 90, 100, 120)
    b.disc("lesion", 40, 45, 4, value=20)
    return b


def _ct_cor_lungs() -> SceneBuilder:
    """CT coronal 120x100 (soft tissue 100). Right lung on the image left, left lung on the
    image right (both air, 10); nodule 0 high in the right lung, nodule 1 low in the left."""
    b = SceneBuilder(height=100, width=120, background=100, modality="CT", plane="coronal",
                     frame=CORONAL, name="fw_ct_cor_lungs")
    b.rect("lung_right", 8, 8, 52, 92, 10)
    b.rect("lung_left", 68, 8, 112, 92, 10)
    b.disc("nodule", 28, 24, 6, value=200)
    b.disc("nodule", 92, 76, 6, value=200)
    return b


def _mr_ax_kidneys() -> SceneBuilder:
    """MR axial 120x100. Both kidneys (120); a hyperintense lesion (230) in the left kidney
    (image right) and a hypointense one (20) in the right kidney (image left); same size."""
    b = SceneBuilder(height=100, width=120, modality="MR", plane="axial", frame=AXIAL,
                     name="fw_mr_ax_kidneys")
    b.disc("kidney_right", 28, 55, 16, value=120, ry=22)
    b.disc("kidney_left", 92, 55, 16, value=120, ry=22)
    b.disc("lesion", 28, 55, 7, value=20)
    b.disc("lesion", 92, 55, 7, value=230)
    return b


def _ct_ax_liver_shapes() -> SceneBuilder:
    """CT axial 128x100. The liver (110) spans the slice; three lesions in a row at y=50:
    lesion 0 a bright ring (rim, 210) at x=28, lesion 1 a dark spiculated star (20) at x=68,
    lesion 2 a dark smooth round disc (20) at x=106."""
    b = SceneBuilder(height=100, width=128, modality="CT", plane="axial", frame=AXIAL,
                     name="fw_ct_ax_liver_shapes")
    b.rect("liver", 5, 10, 123, 90, 110)
    b.ring("lesion", 28, 50, 14, 8, value=210)
    b.star("lesion", 68, 50, 17, value=20)
    b.disc("lesion", 106, 50, 10, value=20)
    return b


_SCENES: tuple[tuple[str, Callable[[], SceneBuilder]], ...] = (
    ("ct_ax_abdomen", _ct_ax_abdomen),
    ("ct_ax_liver_lesions", _ct_ax_liver_lesions),
    ("ct_ax_three_lesions", _ct_ax_three_lesions),
    ("ct_cor_abdomen", _ct_cor_abdomen),
    ("ct_sag_spine", _ct_sag_spine),
    ("mr_ax_brain", _mr_ax_brain),
    ("mr_cor_liver", _mr_cor_liver),
    ("endo_two_polyps", _endo_two_polyps),
    ("endo_three_polyps", _endo_three_polyps),
    ("endo_centre_polyp", _endo_centre_polyp),
    ("endo_big_polyp", _endo_big_polyp),
    ("endo_tiny_polyp", _endo_tiny_polyp),
    ("endo_stacked_polyps", _endo_stacked_polyps),
    ("derm_single", _derm_single),
    ("derm_irregular", _derm_irregular),
    ("derm_two", _derm_two),
    ("derm_tiny", _derm_tiny),
    ("micro_column", _micro_column),
    ("micro_shapes", _micro_shapes),
    ("micro_round_long", _micro_round_long),
    ("micro_grid", _micro_grid),
    ("micro_pair", _micro_pair),
    ("ct_ax_kidney_cysts", _ct_ax_kidney_cysts),
    ("ct_ax_density_pair", _ct_ax_density_pair),
    ("mr_sag_spine", _mr_sag_spine),
    ("ct_ax_stomach_spleen", _ct_ax_stomach_spleen),
    ("ct_ax_adjacent", _ct_ax_adjacent),
    ("ct_ax_liver_tiny", _ct_ax_liver_tiny),
    ("ct_cor_lungs", _ct_cor_lungs),
    ("mr_ax_kidneys", _mr_ax_kidneys),
    ("ct_ax_liver_shapes", _ct_ax_liver_shapes),
)


def scenes() -> dict[str, SceneBuilder]:
    """Every scene, built fresh on each call (keyed by the names the cases use)."""
    return {key: make() for key, make in _SCENES}


# --------------------------------------------------------------------------------------------
# cases, kind by kind. targets are (label, instance) pairs.


def _t(label: str, instance: int = 0) -> tuple[tuple[str, int], ...]:
    """One target."""
    return ((label, instance),)


# --- position: where in the image (corners, halves, edges, centre), image frame only -------
_POSITION: tuple[Case, ...] = (
    Case("endo_two_polyps", "Find the polyp in the bottom-left corner of the frame.",
         _t("polyp", 0), True, "position"),
    Case("endo_two_polyps", "Locate the polyp sitting in the top right-hand corner of the picture.",
         _t("polyp", 1), True, "position"),
    Case("endo_two_polyps", "Box the polyp in the upper right corner of the frame.",
         _t("polyp", 0), False, "position", "polyp 0 is in the lower left"),
    Case("endo_two_polyps", "the polyp toward the bottom edge of the image",
         _t("polyp", 0), True, "position"),
    Case("endo_two_polyps", "Where is the polyp that lies in the lower half of the frame?",
         _t("polyp", 1), False, "position", "polyp 1 is in the upper half"),
    Case("endo_two_polyps", "Mark the polyp that isn't in the lower-left corner of the frame.",
         _t("polyp", 1), True, "position"),
    Case("endo_centre_polyp", "Find the polyp at the centre of the image.",
         _t("polyp"), True, "position"),
    Case("endo_centre_polyp", "Locate the polyp tucked into the lower-left corner of the frame.",
         _t("polyp"), False, "position", "the polyp is at the centre"),
    Case("endo_centre_polyp", "The polyp right in the middle of the picture.",
         _t("polyp"), True, "position"),
    Case("endo_centre_polyp", "Find the polyp roughly in the centre of the image.",
         _t("polyp"), True, "position"),
    Case("endo_centre_polyp", "Where is the polyp hugging the top edge of the frame?",
         _t("polyp"), False, "position", "the polyp is at the centre, far from the top edge"),
    Case("endo_tiny_polyp", "Box the polyp near the upper-right corner of the image.",
         _t("polyp"), True, "position"),
    Case("endo_tiny_polyp", "Where is the polyp in the bottom half of the frame?",
         _t("polyp"), False, "position", "the polyp is in the upper right"),
    Case("derm_tiny", "Locate the skin lesion in the lower left-hand corner of the photo.",
         _t("skin_lesion"), True, "position"),
    Case("derm_tiny", "Find the lesion near the top of the photograph.",
         _t("skin_lesion"), False, "position", "the lesion is near the bottom"),
    Case("derm_single", "Outline the pigmented lesion occupying the centre of the photo.",
         _t("skin_lesion"), True, "position"),
    Case("derm_single", "Mark the mole at the right edge of the image.",
         _t("skin_lesion"), False, "position", "the lesion is centred"),
    Case("mr_ax_brain", "Find the lesion in the upper-left quadrant of the slice.",
         _t("lesion", 0), True, "position"),
    Case("mr_ax_brain", "Which lesion is in the lower right quadrant of the image?",
         _t("lesion", 1), True, "position"),
    Case("mr_ax_brain", "Show the lesion in the top half of the scan.",
         _t("lesion", 1), False, "position", "lesion 1 is in the lower half"),
    Case("ct_ax_liver_lesions", "Locate the lesion at the bottom right of the image.",
         _t("lesion", 1), True, "position"),
    Case("ct_ax_liver_lesions", "the lesion up in the top-left area of the slice",
         _t("lesion", 0), True, "position"),
    Case("ct_ax_liver_lesions", "Box the lesion in the lower portion of the image.",
         _t("lesion", 0), False, "position", "lesion 0 is high in the image"),
    Case("ct_ax_liver_lesions", "Mark the lesion more or less at the centre of the scan.",
         _t("lesion", 1), False, "position", "lesion 1 is in the lower right corner"),
    Case("ct_cor_lungs", "Find the nodule high up in the image, on its left-hand side.",
         _t("nodule", 0), True, "position"),
    Case("ct_cor_lungs", "Mark the nodule down in the lower-right part of the picture.",
         _t("nodule", 1), True, "position"),
    Case("ct_cor_lungs", "Where is the nodule near the upper edge of the image?",
         _t("nodule", 1), False, "position", "nodule 1 is near the bottom"),
    Case("micro_grid", "Find the nucleus in the top-left corner of the field of view.",
         _t("nucleus", 0), True, "position"),
    Case("micro_grid", "Locate the nucleus at the bottom-right corner of the image.",
         _t("nucleus", 5), True, "position"),
    Case("micro_grid", "Box the nucleus near the top of the image, midway across.",
         _t("nucleus", 1), True, "position"),
    Case("micro_grid", "Select the nucleus in the upper right corner of the field.",
         _t("nucleus", 3), False, "position", "nucleus 3 is in the bottom-left corner"),
    Case("micro_grid", "the nucleus in the top-left corner of the image",
         _t("nucleus", 1), False, "position", "nucleus 1 is top middle, not top left"),
    Case("micro_grid", "Which nucleus sits in the lower left corner of the image?",
         _t("nucleus", 3), True, "position"),
    Case("endo_stacked_polyps", "Which polyp is near the top of the frame?",
         _t("polyp", 0), True, "position"),
    Case("endo_stacked_polyps", "Find the polyp at the bottom of the image.",
         _t("polyp", 1), True, "position"),
    Case("endo_stacked_polyps", "Box the polyp on the left side of the picture.",
         _t("polyp", 0), False, "position", "both polyps are centred left to right"),
    Case("micro_shapes", "Locate the nucleus in the lower-left quadrant of the image.",
         _t("nucleus", 2), True, "position"),
    Case("micro_shapes", "Highlight the nucleus occupying the upper-right quadrant of the field.",
         _t("nucleus", 1), True, "position"),
    Case("micro_shapes", "Find the nucleus in the bottom right of the field of view.",
         _t("nucleus", 1), False, "position", "nucleus 1 is in the top right"),
    Case("micro_shapes", "the nucleus that is not in the top half of the image",
         _t("nucleus", 2), False, "position", "two nuclei are in the bottom half"),
    Case("ct_ax_kidney_cysts", "Find the bright lesion near the top edge of the slice, midway across.",
         _t("lesion"), True, "position"),
    Case("ct_ax_kidney_cysts", "the lesion down at the bottom of the scan",
         _t("lesion"), False, "position", "the lesion is at the top"),
    Case("endo_three_polyps", "Locate the polyp on the right-hand side of the image.",
         _t("polyp", 2), True, "position"),
    Case("endo_three_polyps", "Find the polyp in the upper half of the frame.",
         _t("polyp", 0), False, "position", "all three polyps are at mid height"),
    Case("derm_two", "Where's the lesion up near the photo's top left corner?",
         _t("skin_lesion", 0), True, "position"),
    Case("derm_two", "Outline the lesion in the lower half of the photograph.",
         _t("skin_lesion", 1), True, "position"),
    Case("derm_two", "Outline the lesion located in the top half of the photo.",
         _t("skin_lesion", 1), False, "position", "lesion 1 is in the lower half"),
    Case("endo_big_polyp", "Find the polyp filling the middle of the frame.",
         _t("polyp"), True, "position"),
    Case("endo_big_polyp", "Box the polyp squeezed into the top-right corner of the frame.",
         _t("polyp"), False, "position", "the polyp is central"),
)

# --- side: left / right, in the patient's frame or the image's (radiological mirror) -------
_SIDE: tuple[Case, ...] = (
    Case("ct_ax_liver_lesions", "Find the lesion on the patient's left.",
         _t("lesion", 1), True, "side"),
    Case("ct_ax_liver_lesions", "Locate the lesion in the right side of the body.",
         _t("lesion", 0), True, "side"),
    Case("ct_ax_liver_lesions", "Box the lesion on the patient's right.",
         _t("lesion", 1), False, "side", "lesion 1 is on the image right = patient's left"),
    Case("ct_ax_liver_lesions", "Find the lesion on the left.",
         _t("lesion", 0), False, "side", "no frame"),
    Case("mr_ax_brain", "Which lesion is in the left hemisphere?",
         _t("lesion", 1), True, "side"),
    Case("mr_ax_brain", "Locate the hyperintense lesion in the right cerebral hemisphere.",
         _t("lesion", 0), True, "side"),
    Case("mr_ax_brain", "the lesion on the right side of the patient's brain",
         _t("lesion", 1), False, "side", "lesion 1 is in the patient's left hemisphere"),
    Case("mr_ax_brain", "Show the lesion on the right of the scan.",
         _t("lesion", 1), True, "side"),
    Case("ct_ax_abdomen", "Find the kidney on the left-hand side of the image.",
         _t("kidney_right"), True, "side"),
    Case("ct_ax_abdomen", "Locate the kidney on the patient's left-hand side.",
         _t("kidney_left"), True, "side"),
    Case("ct_ax_abdomen", "the kidney on the right side of the picture",
         _t("kidney_right"), False, "side", "the right kidney is on the image left"),
    Case("ct_ax_abdomen", "Box the kidney on the right.",
         _t("kidney_left"), False, "side", "no frame"),
    Case("ct_ax_abdomen", "Find the liver on the patient's left.",
         _t("liver"), False, "side", "the liver is on the patient's right"),
    Case("ct_cor_abdomen", "Locate the kidney on the patient's right.",
         _t("kidney_right"), True, "side"),
    Case("ct_cor_abdomen", "Find the kidney on the image's right.",
         _t("kidney_left"), True, "side"),
    Case("ct_cor_abdomen", "the kidney on the patient's left side of the abdomen",
         _t("kidney_right"), False, "side", "image-left kidney is the patient's right"),
    Case("ct_cor_abdomen", "Mark the adrenal gland on the left.",
         _t("adrenal_gland_left"), False, "side", "no frame"),
    Case("ct_cor_lungs", "Find the nodule in the patient's left lung.",
         _t("nodule", 1), True, "side"),
    Case("ct_cor_lungs", "Locate the nodule on the right side of the chest.",
         _t("nodule", 0), True, "side"),
    Case("ct_cor_lungs", "Box the nodule on the left side of the image.",
         _t("nodule", 1), False, "side", "nodule 1 is on the image right"),
    Case("ct_ax_kidney_cysts", "Where is the cyst on the patient's right?",
         _t("cyst", 0), True, "side"),
    Case("ct_ax_kidney_cysts", "Find the cyst on the left side of the body.",
         _t("cyst", 0), False, "side", "cyst 0 is on the patient's right (image left)"),
    Case("ct_ax_kidney_cysts", "the cyst on the image's right-hand side",
         _t("cyst", 1), True, "side"),
    Case("ct_ax_density_pair", "Locate the lesion on the patient's left.",
         _t("lesion", 1), True, "side"),
    Case("ct_ax_density_pair", "Find the lesion in the right half of the body.",
         _t("lesion", 0), True, "side"),
    Case("ct_ax_density_pair", "Box the lesion to the left.",
         _t("lesion", 0), False, "side", "no frame"),
    Case("ct_ax_density_pair", "Mark the lesion on the left of the patient.",
         _t("lesion", 0), False, "side", "lesion 0 is on the patient's right"),
    Case("mr_ax_kidneys", "Find the lesion in the patient's right kidney.",
         _t("lesion", 0), True, "side"),
    Case("mr_ax_kidneys", "Locate the lesion on the right-hand side of the slice.",
         _t("lesion", 1), True, "side"),
    Case("mr_ax_kidneys", "Box the lesion on the patient's right-hand side.",
         _t("lesion", 1), False, "side", "lesion 1 is on the patient's left (image right)"),
    Case("ct_ax_three_lesions", "Find the lesion lying on the patient's left.",
         _t("lesion", 2), True, "side"),
    Case("ct_ax_three_lesions", "Locate the lesion at the far right of the image.",
         _t("lesion", 2), True, "side"),
    Case("ct_ax_three_lesions", "Mark the lesion toward the patient's right flank.",
         _t("lesion", 2), False, "side", "lesion 2 is toward the patient's left"),
    Case("endo_two_polyps", "Find the polyp on the patient's left.",
         _t("polyp", 0), False, "side", "endoscopy photo has no patient frame"),
    Case("derm_two", "Locate the lesion on the patient's right side.",
         _t("skin_lesion", 1), False, "side", "dermoscopy photo has no patient frame"),
    Case("micro_pair", "Box the nucleus on the left side of the image.",
         _t("nucleus", 0), True, "side"),
    Case("micro_pair", "Find the nucleus on the patient's left.",
         _t("nucleus", 0), False, "side", "microscopy has no patient frame"),
    Case("ct_sag_spine", "Find the vertebra on the patient's left.",
         _t("vertebra", 0), False, "side", "a sagittal view has no left-right axis"),
    Case("mr_sag_spine", "Locate the lesion on the right side of the body.",
         _t("lesion"), False, "side", "a sagittal view has no left-right axis"),
    Case("mr_cor_liver", "Find the lesion in the patient's right upper abdomen.",
         _t("lesion"), True, "side"),
    Case("mr_cor_liver", "Locate the kidney on the left side of the patient's body.",
         _t("kidney_left"), True, "side"),
    Case("mr_cor_liver", "Find the kidney on the left of the image.",
         _t("kidney_right"), True, "side"),
    Case("mr_cor_liver", "Find the kidney on the left-hand side of the body.",
         _t("kidney_right"), False, "side", "the image-left kidney is the patient's right"),
    Case("ct_ax_stomach_spleen", "Locate the stomach on the left side of the image.",
         _t("stomach"), False, "side", "the stomach is on the image right"),
    Case("ct_ax_stomach_spleen", "Find the stomach, over on the patient's left.",
         _t("stomach"), True, "side"),
)

# --- size: absolute (small, tiny, large) and comparative (bigger, second largest ...) ------
_SIZE: tuple[Case, ...] = (
    Case("ct_ax_liver_lesions", "Which lesion is the bigger one?",
         _t("lesion", 0), True, "size"),
    Case("ct_ax_liver_lesions", "Locate the lesion that is greater in size.",
         _t("lesion", 0), True, "size"),
    Case("ct_ax_liver_lesions", "Box the more sizeable lesion.",
         _t("lesion", 1), False, "size", "lesion 1 is the smaller one"),
    Case("ct_ax_liver_lesions", "Mark the lesion of smaller size.",
         _t("lesion", 1), True, "size"),
    Case("ct_ax_liver_lesions", "Find the probably larger lesion.",
         _t("lesion", 0), True, "size"),
    Case("ct_ax_three_lesions", "Find the largest one among the lesions.",
         _t("lesion", 1), True, "size"),
    Case("ct_ax_three_lesions", "Locate the second largest lesion.",
         _t("lesion", 2), True, "size"),
    Case("ct_ax_three_lesions", "Box the second-biggest lesion.",
         _t("lesion", 0), False, "size", "lesion 0 is the smallest"),
    Case("ct_ax_three_lesions", "Which is the tiniest of the lesions?",
         _t("lesion", 0), True, "size"),
    Case("ct_ax_three_lesions", "the lesion with the greatest diameter",
         _t("lesion", 1), True, "size"),
    Case("ct_ax_three_lesions", "Find the intermediate-sized lesion.",
         _t("lesion", 2), True, "size"),
    Case("ct_ax_three_lesions", "Mark the dominant, largest lesion.",
         _t("lesion", 1), True, "size"),
    Case("ct_ax_three_lesions", "the lesion that is neither the biggest nor the smallest",
         _t("lesion", 2), True, "size"),
    Case("ct_ax_three_lesions", "Find the tiny lesion in the middle of the row.",
         _t("lesion", 1), False, "size", "the middle lesion is the largest of the three"),
    Case("mr_ax_brain", "Which lesion is larger in size?",
         _t("lesion", 1), True, "size"),
    Case("mr_ax_brain", "Find the more extensive of the lesions.",
         _t("lesion", 0), False, "size", "lesion 0 is the smaller one"),
    Case("mr_ax_brain", "Locate the smaller-appearing lesion.",
         _t("lesion", 0), True, "size"),
    Case("endo_two_polyps", "Locate the polyp that is about three times the size of the other.",
         _t("polyp", 0), True, "size"),
    Case("endo_two_polyps", "Box the larger-looking polyp.",
         _t("polyp", 1), False, "size", "polyp 1 is the smaller one"),
    Case("endo_two_polyps", "the more diminutive polyp",
         _t("polyp", 1), True, "size"),
    Case("endo_three_polyps", "Locate the polyp that is largest.",
         _t("polyp", 1), True, "size"),
    Case("endo_three_polyps", "Find the smallest-looking polyp.",
         _t("polyp", 0), False, "size", "polyp 2 is the smallest"),
    Case("endo_three_polyps", "the middle-sized polyp",
         _t("polyp", 0), True, "size"),
    Case("endo_big_polyp", "Locate the large polyp.",
         _t("polyp"), True, "size"),
    Case("endo_big_polyp", "Find the small polyp.",
         _t("polyp"), False, "size", "the polyp covers a quarter of the frame"),
    Case("endo_big_polyp", "Box the sizeable polyp taking up about a quarter of the frame.",
         _t("polyp"), True, "size"),
    Case("endo_big_polyp", "Where is the minuscule polyp?",
         _t("polyp"), False, "size", "the polyp is large"),
    Case("endo_tiny_polyp", "Find the tiny polyp.",
         _t("polyp"), True, "size"),
    Case("endo_tiny_polyp", "Locate the huge polyp.",
         _t("polyp"), False, "size", "the polyp is tiny"),
    Case("endo_tiny_polyp", "Where is the diminutive polyp?",
         _t("polyp"), True, "size"),
    Case("derm_single", "Outline the large pigmented lesion.",
         _t("skin_lesion"), True, "size"),
    Case("derm_single", "Mark the tiny mole.",
         _t("skin_lesion"), False, "size", "the lesion covers over a quarter of the photo"),
    Case("derm_tiny", "Find the small skin lesion.",
         _t("skin_lesion"), True, "size"),
    Case("derm_tiny", "Locate the big lesion on the skin.",
         _t("skin_lesion"), False, "size", "the lesion is tiny"),
    Case("derm_two", "Outline the lesion that covers more area.",
         _t("skin_lesion", 1), True, "size"),
    Case("derm_two", "Find the more compact, smaller lesion.",
         _t("skin_lesion", 1), False, "size", "lesion 1 is the larger one"),
    Case("micro_grid", "Locate the nucleus that is noticeably bigger than all the others.",
         _t("nucleus", 4), True, "size"),
    Case("micro_grid", "Box the enlarged nucleus.",
         _t("nucleus", 4), True, "size"),
    Case("micro_grid", "Find the biggest nucleus in the top row.",
         _t("nucleus", 0), False, "size", "the top-row nuclei are all the same size"),
    Case("micro_column", "Find the nucleus that is the largest of them all.",
         _t("nucleus", 2), False, "size", "all four nuclei are the same size"),
    Case("ct_ax_density_pair", "Which of the lesions is bigger in size?",
         _t("lesion", 0), False, "size", "the two lesions are the same size"),
    Case("endo_stacked_polyps", "Locate the larger-sized polyp.",
         _t("polyp", 1), False, "size", "the two polyps are the same size"),
    Case("ct_cor_lungs", "Which nodule is the larger one?",
         _t("nodule", 0), False, "size", "the two nodules are the same size"),
    Case("ct_ax_liver_tiny", "Find the tiny lesion in the liver.",
         _t("lesion"), True, "size"),
    Case("ct_ax_liver_tiny", "Locate the large lesion.",
         _t("lesion"), False, "size", "the lesion is tiny"),
    Case("ct_ax_liver_tiny", "Box the large organ.",
         _t("liver"), True, "size"),
    Case("ct_ax_liver_tiny", "Box the small liver.",
         _t("liver"), False, "size", "the liver fills two fifths of the slice"),
)

# --- shape: round, oval, elongated, ring, crescent, lobulated, irregular --------------------
_SHAPE: tuple[Case, ...] = (
    Case("micro_shapes", "Find the nucleus with a hole in the middle.",
         _t("nucleus", 1), True, "shape"),
    Case("micro_shapes", "Locate the doughnut-shaped nucleus.",
         _t("nucleus", 1), True, "shape"),
    Case("micro_shapes", "Box the ring-like nucleus.",
         _t("nucleus", 2), False, "shape", "nucleus 2 is a crescent"),
    Case("micro_shapes", "the crescentic nucleus",
         _t("nucleus", 2), True, "shape"),
    Case("micro_shapes", "Which nucleus is shaped like a crescent moon?",
         _t("nucleus", 2), True, "shape"),
    Case("micro_shapes", "Find the C-shaped nucleus.",
         _t("nucleus", 2), True, "shape"),
    Case("micro_shapes", "Find the flattened, oval-shaped nucleus.",
         _t("nucleus", 0), True, "shape"),
    Case("micro_shapes", "Locate the elliptical nucleus.",
         _t("nucleus", 0), True, "shape"),
    Case("micro_shapes", "Mark the nucleus with a bumpy, multilobed outline.",
         _t("nucleus", 3), True, "shape"),
    Case("micro_shapes", "Box the lobulated-looking nucleus.",
         _t("nucleus", 0), False, "shape", "nucleus 0 is a smooth oval"),
    Case("micro_shapes", "the perfectly circular nucleus",
         _t("nucleus", 3), False, "shape", "nucleus 3 is lobulated"),
    Case("micro_shapes", "Find the elongated nucleus.",
         _t("nucleus", 1), False, "shape", "nucleus 1 is a ring"),
    Case("micro_shapes", "the nucleus without a hole",
         _t("nucleus", 0), False, "shape", "three nuclei have no hole"),
    Case("micro_round_long", "Locate the circular nucleus.",
         _t("nucleus", 0), True, "shape"),
    Case("micro_round_long", "Find the rod-shaped nucleus.",
         _t("nucleus", 1), True, "shape"),
    Case("micro_round_long", "Box the cigar-shaped nucleus.",
         _t("nucleus", 1), True, "shape"),
    Case("micro_round_long", "the spiky nucleus",
         _t("nucleus", 2), True, "shape"),
    Case("micro_round_long", "Find the nucleus with a jagged, star-like outline.",
         _t("nucleus", 2), True, "shape"),
    Case("micro_round_long", "Which nucleus is long and thin?",
         _t("nucleus", 1), True, "shape"),
    Case("micro_round_long", "the somewhat elongated nucleus",
         _t("nucleus", 1), True, "shape"),
    Case("micro_round_long", "the nucleus that is neither round nor stretched out",
         _t("nucleus", 2), True, "shape"),
    Case("micro_round_long", "Locate the stretched-out nucleus.",
         _t("nucleus", 0), False, "shape", "nucleus 0 is round"),
    Case("micro_round_long", "Mark the smooth, round nucleus.",
         _t("nucleus", 2), False, "shape", "nucleus 2 is jagged"),
    Case("micro_round_long", "Find the nucleus with a smooth oval contour.",
         _t("nucleus", 2), False, "shape", "nucleus 2 is jagged"),
    Case("micro_round_long", "Find the doughnut-shaped nucleus.",
         _t("nucleus", 0), False, "shape", "no nucleus has a hole"),
    Case("derm_single", "Outline the circular pigmented lesion.",
         _t("skin_lesion"), True, "shape"),
    Case("derm_single", "Mark the lesion with the ragged, uneven border.",
         _t("skin_lesion"), False, "shape", "the lesion is a smooth disc"),
    Case("derm_single", "Locate the star-shaped lesion.",
         _t("skin_lesion"), False, "shape", "the lesion is round"),
    Case("derm_irregular", "Find the lesion with an uneven, spiky border.",
         _t("skin_lesion"), True, "shape"),
    Case("derm_irregular", "Locate the lesion with jagged edges.",
         _t("skin_lesion"), True, "shape"),
    Case("derm_irregular", "Box the smoothly rounded lesion.",
         _t("skin_lesion"), False, "shape", "the lesion is jagged"),
    Case("derm_irregular", "the star-shaped pigmented lesion",
         _t("skin_lesion"), True, "shape"),
    Case("derm_two", "Find the lesion with a lumpy, lobed contour.",
         _t("skin_lesion", 1), True, "shape"),
    Case("derm_two", "Outline the lesion that is perfectly round.",
         _t("skin_lesion", 0), True, "shape"),
    Case("derm_two", "Locate the disc-shaped lesion.",
         _t("skin_lesion", 1), False, "shape", "lesion 1 is lobulated; the disc is lesion 0"),
    Case("endo_three_polyps", "Find the polyp that looks circular.",
         _t("polyp", 0), False, "shape", "all three polyps are circular"),
    Case("ct_sag_spine", "Find the long vertical strip-like structure.",
         _t("aorta"), True, "shape"),
    Case("ct_sag_spine", "Box the ring-like vertebra.",
         _t("vertebra", 0), False, "shape", "vertebra 0 is a solid disc"),
    Case("mr_sag_spine", "Locate the band-shaped structure running from top to bottom.",
         _t("spinal_cord"), True, "shape"),
    Case("ct_ax_liver_shapes", "Find the lesion with a ring-like appearance.",
         _t("lesion", 0), True, "shape"),
    Case("ct_ax_liver_shapes", "Locate the spiculated lesion.",
         _t("lesion", 1), True, "shape"),
    Case("ct_ax_liver_shapes", "Box the spiculated lesion.",
         _t("lesion", 2), False, "shape", "lesion 2 is smooth and round"),
    Case("ct_ax_liver_shapes", "the lesion with smooth, well-circumscribed round margins",
         _t("lesion", 2), True, "shape"),
    Case("ct_ax_liver_shapes", "Which lesion has a hollow centre?",
         _t("lesion", 0), True, "shape"),
    Case("ct_ax_liver_shapes", "Mark the circular lesion with smooth margins.",
         _t("lesion", 1), False, "shape", "lesion 1 is spiculated"),
    Case("ct_ax_liver_shapes", "Which lesion has a hollow centre?",
         _t("lesion", 2), False, "shape", "lesion 2 is solid; the ring is lesion 0"),
)

# --- intensity: dark / bright, density words on CT, signal words on MR ---------------------
_INTENSITY: tuple[Case, ...] = (
    Case("ct_ax_liver_lesions", "Find the low-density lesion in the liver.",
         _t("lesion", 0), True, "intensity"),
    Case("ct_ax_liver_lesions", "Locate the hyperattenuating lesion.",
         _t("lesion", 1), True, "intensity"),
    Case("ct_ax_liver_lesions", "Box the darker lesion.",
         _t("lesion", 1), False, "intensity", "lesion 1 is the bright one"),
    Case("ct_ax_liver_lesions", "Which lesion appears brighter than its surroundings?",
         _t("lesion", 1), True, "intensity"),
    Case("ct_ax_liver_lesions", "Find the hypointense lesion.",
         _t("lesion", 0), False, "intensity", "MR signal word on a CT image"),
    Case("ct_ax_liver_lesions", "the lesion with lower attenuation than the liver parenchyma",
         _t("lesion", 0), True, "intensity"),
    Case("ct_ax_density_pair", "Locate the lesion of low attenuation.",
         _t("lesion", 0), True, "intensity"),
    Case("ct_ax_density_pair", "Find the dense, bright lesion.",
         _t("lesion", 1), True, "intensity"),
    Case("ct_ax_density_pair", "Box the lesion that is hypoattenuating relative to the liver.",
         _t("lesion", 0), True, "intensity"),
    Case("ct_ax_density_pair", "Mark the high-density lesion.",
         _t("lesion", 0), False, "intensity", "lesion 0 is the low-density one"),
    Case("ct_ax_density_pair", "the lesion that is darker than the surrounding liver",
         _t("lesion", 0), True, "intensity"),
    Case("ct_ax_density_pair", "the lesion that looks somewhat hypodense",
         _t("lesion", 0), True, "intensity"),
    Case("mr_ax_brain", "Find the lesion with high signal.",
         _t("lesion", 0), True, "intensity"),
    Case("mr_ax_brain", "Locate the dark, low-signal lesion.",
         _t("lesion", 1), True, "intensity"),
    Case("mr_ax_brain", "Box the hyperintense focus.",
         _t("lesion", 1), False, "intensity", "lesion 1 is hypointense"),
    Case("mr_ax_brain", "Find the hypodense lesion.",
         _t("lesion", 1), False, "intensity", "CT density word on an MR image"),
    Case("mr_ax_kidneys", "Find the lesion that appears bright.",
         _t("lesion", 1), True, "intensity"),
    Case("mr_ax_kidneys", "Locate the lesion of low signal intensity.",
         _t("lesion", 0), True, "intensity"),
    Case("mr_ax_kidneys", "Box the lesion that is brighter on this MRI.",
         _t("lesion", 0), False, "intensity", "lesion 0 is the dark one"),
    Case("mr_ax_kidneys", "the lesion that is not hyperintense",
         _t("lesion", 0), True, "intensity"),
    Case("mr_cor_liver", "Find the high-signal focus in the liver.",
         _t("lesion"), True, "intensity"),
    Case("mr_cor_liver", "Locate the signal-poor lesion.",
         _t("lesion"), False, "intensity", "the lesion is hyperintense"),
    Case("mr_sag_spine", "Find the hyperintense spot within the vertebral body.",
         _t("lesion"), True, "intensity"),
    Case("mr_sag_spine", "Locate the dark lesion in the vertebra.",
         _t("lesion"), False, "intensity", "the lesion is bright"),
    Case("ct_sag_spine", "Find the lucent lesion within the vertebra.",
         _t("lesion"), True, "intensity"),
    Case("ct_sag_spine", "Box the sclerotic, high-density lesion.",
         _t("lesion"), False, "intensity", "the lesion is darker than the bone"),
    Case("ct_ax_kidney_cysts", "Locate the very bright lesion.",
         _t("lesion"), True, "intensity"),
    Case("ct_ax_kidney_cysts", "Find the dark cyst.",
         _t("cyst", 0), False, "intensity", "both cysts are dark"),
    Case("ct_ax_liver_tiny", "Find the dark spot within the liver.",
         _t("lesion"), True, "intensity"),
    Case("ct_ax_liver_tiny", "Locate the enhancing, bright lesion.",
         _t("lesion"), False, "intensity", "the lesion is dark"),
    Case("ct_ax_liver_shapes", "Locate the darker lesion in the liver.",
         _t("lesion", 1), False, "intensity", "lesions 1 and 2 are equally dark"),
    Case("ct_ax_liver_shapes", "Find the bright-rimmed lesion.",
         _t("lesion", 0), True, "intensity"),
    Case("derm_two", "Find the darker of the two lesions.",
         _t("skin_lesion", 0), True, "intensity"),
    Case("derm_two", "Locate the lighter brown lesion.",
         _t("skin_lesion", 1), True, "intensity"),
    Case("derm_two", "Outline the blackest lesion.",
         _t("skin_lesion", 1), False, "intensity", "lesion 0 is the darkest"),
    Case("micro_pair", "Find the more brightly fluorescent nucleus.",
         _t("nucleus", 0), True, "intensity"),
    Case("micro_pair", "Locate the dimmer nucleus.",
         _t("nucleus", 1), True, "intensity"),
    Case("micro_pair", "Box the faint nucleus.",
         _t("nucleus", 0), False, "intensity", "nucleus 0 is the bright one"),
    Case("micro_pair", "Find the hyperintense nucleus.",
         _t("nucleus", 0), False, "intensity", "MR signal word on a micrograph"),
    Case("derm_single", "Locate the dark pigmented lesion.",
         _t("skin_lesion"), True, "intensity"),
    Case("derm_single", "Find the pale lesion, lighter than the skin around it.",
         _t("skin_lesion"), False, "intensity", "the lesion is darker than the skin"),
    Case("ct_cor_lungs", "Find the bright nodule.",
         _t("nodule", 1), False, "intensity", "both nodules are equally bright"),
    Case("ct_cor_lungs", "Locate the dark air-filled structure on the image's left.",
         _t("lung_right"), True, "intensity"),
    Case("endo_two_polyps", "Find the darker polyp.",
         _t("polyp", 0), False, "intensity", "both polyps have the same brightness"),
)

# --- count: both, all three, the pair of, every ... (every target listed) -----------------
_L3 = (("lesion", 0), ("lesion", 1), ("lesion", 2))
_P2 = (("polyp", 0), ("polyp", 1))
_P3 = (("polyp", 0), ("polyp", 1), ("polyp", 2))
_N4 = (("nucleus", 0), ("nucleus", 1), ("nucleus", 2), ("nucleus", 3))
_N6 = tuple(("nucleus", i) for i in range(6))
_KIDNEYS = (("kidney_right", 0), ("kidney_left", 0))

_COUNT: tuple[Case, ...] = (
    Case("ct_ax_three_lesions", "Box each of the three lesions.", _L3, True, "count"),
    Case("ct_ax_three_lesions", "Mark every lesion; there are three of them.", _L3, True, "count"),
    Case("ct_ax_three_lesions", "Find the pair of lesions.",
         (("lesion", 0), ("lesion", 2)), False, "count", "there are three lesions, not a pair"),
    Case("ct_ax_three_lesions", "Locate all four lesions.",
         _L3, False, "count", "there are only three lesions"),
    Case("endo_three_polyps", "Highlight the trio of polyps.", _P3, True, "count"),
    Case("endo_three_polyps", "Draw a box around each polyp in the frame, three in total.",
         _P3, True, "count"),
    Case("endo_three_polyps", "Find both polyps.",
         (("polyp", 0), ("polyp", 1)), False, "count", "there are three polyps"),
    Case("endo_two_polyps", "Find the pair of polyps.", _P2, True, "count"),
    Case("endo_two_polyps", "Locate both of these polyps.", _P2, True, "count"),
    Case("endo_two_polyps", "Box all three polyps in the frame.",
         _P2, False, "count", "there are only two polyps"),
    Case("endo_stacked_polyps", "Mark the two polyps, one above the other.", _P2, True, "count"),
    Case("endo_stacked_polyps", "Outline every polyp you can see.", _P2, True, "count"),
    Case("endo_stacked_polyps", "Find the single polyp.",
         _t("polyp", 0), False, "count", "there are two polyps"),
    Case("micro_column", "Box the four nuclei stacked in a column.", _N4, True, "count"),
    Case("micro_column", "Locate each nucleus in the column, four altogether.", _N4, True, "count"),
    Case("micro_column", "Locate the three nuclei in the column.",
         _N4[:3], False, "count", "there are four nuclei"),
    Case("micro_grid", "Box every one of the six nuclei.", _N6, True, "count"),
    Case("micro_grid", "Mark the half-dozen nuclei in the field.", _N6, True, "count"),
    Case("micro_grid", "Find the three nuclei in the top row.", _N6[:3], True, "count"),
    Case("micro_grid", "Locate the four nuclei in the bottom row.",
         _N6[3:], False, "count", "the bottom row has three nuclei"),
    Case("micro_grid", "Find the two nuclei in the left-hand column of the image.",
         (("nucleus", 0), ("nucleus", 3)), True, "count"),
    Case("micro_grid", "Find the five nuclei.", _N6, False, "count", "there are six nuclei"),
    Case("ct_ax_abdomen", "Mark each kidney.", _KIDNEYS, True, "count"),
    Case("ct_ax_abdomen", "Find the kidneys, right and left.", _KIDNEYS, True, "count"),
    Case("ct_ax_abdomen", "Locate the three kidneys.",
         _KIDNEYS, False, "count", "there are two kidneys"),
    Case("ct_cor_abdomen", "Outline the pair of kidneys.", _KIDNEYS, True, "count"),
    Case("ct_cor_abdomen", "Find both of the kidneys together with the adrenal gland.",
         (*_KIDNEYS, ("adrenal_gland_left", 0)), True, "count"),
    Case("ct_cor_abdomen", "Find both adrenal glands.",
         _t("adrenal_gland_left"), False, "count", "only the left adrenal gland is present"),
    Case("ct_ax_kidney_cysts", "Find the cysts; there are two of them.",
         (("cyst", 0), ("cyst", 1)), True, "count"),
    Case("ct_ax_kidney_cysts", "Mark the cyst in each kidney.",
         (("cyst", 0), ("cyst", 1)), True, "count"),
    Case("ct_ax_kidney_cysts", "Find the three cysts.",
         (("cyst", 0), ("cyst", 1)), False, "count", "there are two cysts"),
    Case("ct_cor_lungs", "Box the nodules in both lungs.",
         (("nodule", 0), ("nodule", 1)), True, "count"),
    Case("ct_cor_lungs", "Box each lung.", (("lung_right", 0), ("lung_left", 0)), True, "count"),
    Case("ct_cor_lungs", "Find the three pulmonary nodules.",
         (("nodule", 0), ("nodule", 1)), False, "count", "there are two nodules"),
    Case("mr_ax_brain", "Find both brain lesions.",
         (("lesion", 0), ("lesion", 1)), True, "count"),
    Case("mr_ax_brain", "Find the solitary lesion.",
         _t("lesion", 0), False, "count", "there are two lesions"),
    Case("ct_sag_spine", "Box the three vertebral bodies.",
         (("vertebra", 0), ("vertebra", 1), ("vertebra", 2)), True, "count"),
    Case("ct_sag_spine", "Outline the two vertebrae.",
         (("vertebra", 0), ("vertebra", 1)), False, "count", "there are three vertebrae"),
    Case("mr_sag_spine", "Find every vertebra in this sagittal slice.",
         (("vertebra", 0), ("vertebra", 1), ("vertebra", 2)), True, "count"),
    Case("ct_ax_liver_shapes", "Locate the two dark lesions.",
         (("lesion", 1), ("lesion", 2)), True, "count"),
    Case("ct_ax_liver_shapes", "Find all three dark lesions.",
         _L3, False, "count", "only two of the lesions are dark"),
    Case("derm_two", "Find the pair of pigmented lesions.",
         (("skin_lesion", 0), ("skin_lesion", 1)), True, "count"),
    Case("derm_two", "Outline the lone lesion on the skin.",
         _t("skin_lesion", 1), False, "count", "there are two lesions"),
    Case("micro_round_long", "Locate the trio of nuclei.", _N4[:3], True, "count"),
    Case("micro_pair", "Find each of the two nuclei.", _N4[:2], True, "count"),
    Case("micro_pair", "Find all the nuclei; there are three.",
         _N4[:2], False, "count", "there are two nuclei"),
    Case("micro_shapes", "Box the quartet of nuclei.", _N4, True, "count"),
    Case("endo_big_polyp", "Find the one and only polyp.", _t("polyp"), True, "count"),
    Case("endo_tiny_polyp", "Locate the two polyps.",
         _t("polyp"), False, "count", "there is a single polyp"),
    Case("derm_single", "Mark both lesions.",
         _t("skin_lesion"), False, "count", "there is a single lesion"),
)

# --- ordinal: second from the left, topmost, lowest but one ... ---------------------------
_ORDINAL: tuple[Case, ...] = (
    Case("ct_ax_three_lesions", "Find the second lesion from the left of the image.",
         _t("lesion", 1), True, "ordinal"),
    Case("ct_ax_three_lesions", "Locate the left-most lesion in the image.",
         _t("lesion", 0), True, "ordinal"),
    Case("ct_ax_three_lesions", "Box the lesion that is first from the right of the image.",
         _t("lesion", 2), True, "ordinal"),
    Case("ct_ax_three_lesions", "Mark the third lesion counting from the image's left.",
         _t("lesion", 1), False, "ordinal", "the third from the image left is lesion 2"),
    Case("ct_ax_three_lesions", "Locate the lesion closest to the patient's right side.",
         _t("lesion", 0), True, "ordinal"),
    Case("ct_ax_three_lesions", "Find the second lesion from the patient's left.",
         _t("lesion", 1), True, "ordinal"),
    Case("ct_ax_three_lesions", "Find the first lesion from the patient's left.",
         _t("lesion", 0), False, "ordinal", "the patient's left is the image right: lesion 2"),
    Case("ct_ax_three_lesions", "Locate the leftmost lesion.",
         _t("lesion", 0), False, "ordinal", "no frame"),
    Case("endo_three_polyps", "Find the middle one of the three polyps.",
         _t("polyp", 1), True, "ordinal"),
    Case("endo_three_polyps", "Locate the right-most polyp in the frame.",
         _t("polyp", 2), True, "ordinal"),
    Case("endo_three_polyps", "Box the second polyp from the right side of the image.",
         _t("polyp", 1), True, "ordinal"),
    Case("endo_three_polyps", "Find the topmost polyp.",
         _t("polyp", 0), False, "ordinal", "all three polyps are at the same height"),
    Case("endo_three_polyps", "the polyp at the far left end of the row in the image",
         _t("polyp", 0), True, "ordinal"),
    Case("endo_three_polyps", "Locate the third polyp from the left of the image.",
         _t("polyp", 1), False, "ordinal", "the third from the left is polyp 2"),
    Case("endo_three_polyps",
         "the polyp that is neither the left-most nor the right-most one in the frame",
         _t("polyp", 1), True, "ordinal"),
    Case("micro_column", "Find the second nucleus from the top.",
         _t("nucleus", 1), True, "ordinal"),
    Case("micro_column", "Locate the bottom-most nucleus.",
         _t("nucleus", 3), True, "ordinal"),
    Case("micro_column", "Box the third nucleus from the top of the image.",
         _t("nucleus", 2), True, "ordinal"),
    Case("micro_column", "Mark the second nucleus from the bottom.",
         _t("nucleus", 1), False, "ordinal", "second from the bottom is nucleus 2"),
    Case("micro_column", "Find the highest nucleus in the column.",
         _t("nucleus", 0), True, "ordinal"),
    Case("micro_column", "Find the lowest but one nucleus.",
         _t("nucleus", 2), True, "ordinal"),
    Case("micro_column", "Locate the third nucleus from the bottom.",
         _t("nucleus", 2), False, "ordinal", "third from the bottom is nucleus 1"),
    Case("micro_column", "the topmost nucleus",
         _t("nucleus", 1), False, "ordinal", "the topmost is nucleus 0"),
    Case("micro_column", "the nucleus that's roughly second from the top",
         _t("nucleus", 1), True, "ordinal"),
    Case("micro_grid", "Find the middle nucleus of the top row.",
         _t("nucleus", 1), True, "ordinal"),
    Case("micro_grid", "Locate the rightmost nucleus in the bottom row of the image.",
         _t("nucleus", 5), True, "ordinal"),
    Case("micro_grid", "Box the left-most nucleus in the image.",
         _t("nucleus", 0), False, "ordinal", "nuclei 0 and 3 are equally far left"),
    Case("micro_grid", "Find the second nucleus from the left in the top row of the image.",
         _t("nucleus", 2), False, "ordinal", "that is nucleus 1"),
    Case("ct_sag_spine", "Find the vertebral body highest in the image.",
         _t("vertebra", 0), True, "ordinal"),
    Case("ct_sag_spine", "Locate the vertebra lowest down the spine.",
         _t("vertebra", 2), True, "ordinal"),
    Case("ct_sag_spine", "Box the middle vertebra of the three.",
         _t("vertebra", 1), True, "ordinal"),
    Case("ct_sag_spine", "Find the second vertebra from the bottom of the image.",
         _t("vertebra", 1), True, "ordinal"),
    Case("ct_sag_spine", "Mark the first vertebra below the top one.",
         _t("vertebra", 1), True, "ordinal"),
    Case("ct_sag_spine", "Find the vertebra furthest toward the head.",
         _t("vertebra", 2), False, "ordinal", "vertebra 0 is the most cranial"),
    Case("ct_sag_spine", "Find the second vertebra from the top.",
         _t("vertebra", 2), False, "ordinal", "second from the top is vertebra 1"),
    Case("mr_sag_spine", "Locate the second vertebral body from the top.",
         _t("vertebra", 1), True, "ordinal"),
    Case("mr_sag_spine", "Find the lowest of the vertebrae.",
         _t("vertebra", 2), True, "ordinal"),
    Case("mr_sag_spine", "Box the topmost vertebra.",
         _t("vertebra", 1), False, "ordinal", "the topmost is vertebra 0"),
    Case("mr_sag_spine", "Locate the vertebra second from the bottom.",
         _t("vertebra", 0), False, "ordinal", "second from the bottom is vertebra 1"),
    Case("ct_ax_liver_shapes", "Find the lesion in the middle of the row.",
         _t("lesion", 1), True, "ordinal"),
    Case("ct_ax_liver_shapes", "Locate the second lesion from the right-hand edge of the image.",
         _t("lesion", 1), True, "ordinal"),
    Case("ct_ax_liver_shapes", "Find the last lesion on the right of the image.",
         _t("lesion", 2), True, "ordinal"),
    Case("ct_ax_liver_shapes", "Find the first lesion from the left.",
         _t("lesion", 0), False, "ordinal", "no frame"),
    Case("ct_ax_liver_shapes", "Find the lesion nearest the patient's left side.",
         _t("lesion", 0), False, "ordinal", "the patient's left is the image right: lesion 2"),
    Case("endo_stacked_polyps", "Find the lower of the two polyps.",
         _t("polyp", 1), True, "ordinal"),
    Case("endo_stacked_polyps", "Locate the upper one of the pair.",
         _t("polyp", 0), True, "ordinal"),
    Case("endo_stacked_polyps", "Find the higher polyp.",
         _t("polyp", 1), False, "ordinal", "polyp 1 is the lower one"),
    Case("micro_round_long", "Find the topmost nucleus.",
         _t("nucleus", 0), False, "ordinal", "nuclei 0 and 1 are at the same height"),
    Case("micro_round_long", "Locate the lowest nucleus in the image.",
         _t("nucleus", 2), True, "ordinal"),
)

# --- relation: inside, adjacent, far from, above/below, in front of, medial, between ... --
_RELATION: tuple[Case, ...] = (
    Case("ct_ax_liver_lesions", "Locate the lesion contained within the liver.",
         _t("lesion", 0), True, "relation"),
    Case("ct_ax_liver_lesions", "Find the lesion lying outside the liver.",
         _t("lesion", 1), True, "relation"),
    Case("ct_ax_liver_lesions", "Box the lesion sitting within the hepatic parenchyma.",
         _t("lesion", 1), False, "relation", "lesion 1 is outside the liver"),
    Case("ct_ax_liver_lesions", "Find the lesion in the spleen.",
         _t("lesion", 0), False, "relation", "there is no spleen in this slice"),
    Case("ct_ax_abdomen", "Locate the vessel lying just in front of the vertebra.",
         _t("aorta"), True, "relation"),
    Case("ct_ax_abdomen", "Find the bone behind the aorta.",
         _t("vertebra"), True, "relation"),
    Case("ct_ax_abdomen", "Find the vessel sitting between the two kidneys.",
         _t("aorta"), True, "relation"),
    Case("ct_ax_abdomen", "Locate the kidney directly behind the liver.",
         _t("kidney_right"), True, "relation"),
    Case("ct_ax_abdomen", "Find the kidney situated straight behind the spleen.",
         _t("kidney_left"), True, "relation"),
    Case("ct_ax_abdomen", "Box the kidney that lies anterior to the liver.",
         _t("kidney_right"), False, "relation", "the right kidney is behind the liver"),
    Case("ct_ax_abdomen", "Find the spleen, medial to the aorta.",
         _t("spleen"), False, "relation", "the spleen is lateral to the aorta"),
    Case("ct_ax_abdomen", "Find the vertebra in front of the aorta.",
         _t("vertebra"), False, "relation", "the vertebra is behind the aorta"),
    Case("ct_cor_abdomen", "Find the gland just above the left kidney.",
         _t("adrenal_gland_left"), True, "relation"),
    Case("ct_cor_abdomen", "Locate the organ sitting directly above the right kidney in this coronal view.",
         _t("liver"), True, "relation"),
    Case("ct_cor_abdomen", "Find the bladder below both kidneys.",
         _t("urinary_bladder"), True, "relation"),
    Case("ct_cor_abdomen", "Find the bladder above the kidneys.",
         _t("urinary_bladder"), False, "relation", "the bladder is below the kidneys"),
    Case("ct_cor_abdomen", "Locate the gland underneath the left kidney.",
         _t("adrenal_gland_left"), False, "relation", "the adrenal is above the kidney"),
    Case("ct_cor_abdomen", "Find the kidney directly beneath the spleen.",
         _t("kidney_left"), True, "relation"),
    Case("ct_sag_spine", "Find the vessel running in front of the vertebral column.",
         _t("aorta"), True, "relation"),
    Case("ct_sag_spine", "Locate the lesion within the middle vertebra.",
         _t("lesion"), True, "relation"),
    Case("ct_sag_spine", "Box the vessel behind the spine.",
         _t("aorta"), False, "relation", "the aorta is in front of the spine"),
    Case("ct_sag_spine", "Find the lesion inside the top vertebra.",
         _t("lesion"), False, "relation", "the lesion is in the middle vertebra"),
    Case("mr_sag_spine", "Find the cord running behind the vertebral bodies.",
         _t("spinal_cord"), True, "relation"),
    Case("mr_sag_spine", "Locate the lesion inside the lowest vertebral body.",
         _t("lesion"), True, "relation"),
    Case("mr_sag_spine", "Find the cord in front of the vertebrae.",
         _t("spinal_cord"), False, "relation", "the cord is behind the vertebrae"),
    Case("mr_cor_liver", "Find the lesion above the right kidney.",
         _t("lesion"), True, "relation"),
    Case("mr_cor_liver", "Locate the lesion situated inside the spleen.",
         _t("lesion"), False, "relation", "the lesion is in the liver"),
    Case("mr_cor_liver", "Find the organ located straight above the left kidney.",
         _t("spleen"), True, "relation"),
    Case("ct_ax_stomach_spleen", "Find the organ located anteriorly to the spleen.",
         _t("stomach"), True, "relation"),
    Case("ct_ax_stomach_spleen", "Locate the organ tucked behind the stomach.",
         _t("spleen"), True, "relation"),
    Case("ct_ax_stomach_spleen", "Find the vessel medial to the spleen.",
         _t("aorta"), True, "relation"),
    Case("ct_ax_stomach_spleen", "Locate the spleen, medial to the aorta.",
         _t("spleen"), False, "relation", "the spleen is lateral to the aorta"),
    Case("ct_ax_stomach_spleen", "Find the organ located on the patient's right relative to the stomach.",
         _t("liver"), True, "relation"),
    Case("ct_ax_stomach_spleen", "Find the stomach next to the gallbladder.",
         _t("stomach"), False, "relation", "there is no gallbladder in this slice"),
    Case("ct_ax_adjacent", "Find the lesion touching the aorta.",
         _t("lesion", 0), True, "relation"),
    Case("ct_ax_adjacent", "Locate the lesion right up against the aorta.",
         _t("lesion", 0), True, "relation"),
    Case("ct_ax_adjacent", "Box the lesion far away from the aorta.",
         _t("lesion", 1), True, "relation"),
    Case("ct_ax_adjacent", "Find the lesion directly adjacent to the aorta.",
         _t("lesion", 1), False, "relation", "lesion 1 is far from the aorta"),
    Case("ct_ax_adjacent", "Locate the lesion abutting the kidney.",
         _t("lesion", 0), False, "relation", "there is no kidney in this slice"),
    Case("ct_ax_adjacent", "the lesion well separated from the aorta",
         _t("lesion", 0), False, "relation", "lesion 0 touches the aorta"),
    Case("endo_stacked_polyps", "Find the polyp below the other polyp.",
         _t("polyp", 1), True, "relation"),
    Case("endo_stacked_polyps", "Locate the polyp sitting above the other one.",
         _t("polyp", 1), False, "relation", "polyp 1 is the lower one"),
    Case("endo_three_polyps", "Find the polyp between the other two.",
         _t("polyp", 1), True, "relation"),
    Case("endo_three_polyps", "Box the polyp lying between the smallest and the largest polyp.",
         _t("polyp", 0), False, "relation", "polyp 0 is outside the smallest-largest pair"),
    Case("ct_ax_three_lesions", "Locate the lesion flanked by the other two.",
         _t("lesion", 1), True, "relation"),
    Case("micro_grid", "Find the nucleus directly below the top-middle nucleus.",
         _t("nucleus", 4), True, "relation"),
    Case("micro_grid", "Locate the nucleus directly beneath the top-left nucleus.",
         _t("nucleus", 3), True, "relation"),
    Case("micro_grid", "Find the nucleus directly above the large nucleus.",
         _t("nucleus", 1), True, "relation"),
    Case("micro_grid", "Find the nucleus directly above the large nucleus.",
         _t("nucleus", 0), False, "relation", "nucleus 0 is above and to the left"),
    Case("ct_cor_lungs", "Find the nodule within the left lung.",
         _t("nodule", 1), True, "relation"),
    Case("ct_cor_lungs", "Locate the nodule inside the right lung.",
         _t("nodule", 1), False, "relation", "nodule 1 is in the left lung"),
    Case("mr_ax_kidneys", "Find the lesion located in the substance of the left kidney.",
         _t("lesion", 1), True, "relation"),
    Case("ct_ax_kidney_cysts", "Find the lesion anterior to both kidneys.",
         _t("lesion"), True, "relation"),
    Case("ct_ax_kidney_cysts", "Locate the cyst outside both kidneys.",
         _t("cyst", 0), False, "relation", "both cysts lie inside a kidney"),
    Case("ct_ax_liver_shapes", "Find the lesion in the liver.",
         _t("lesion", 1), False, "relation", "all three lesions are in the liver"),
)

# --- name: the right structure, the wrong one, an absent one, or an ambiguous bare name ----
_NAME: tuple[Case, ...] = (
    Case("ct_ax_abdomen", "Show me the abdominal aorta.", _t("aorta"), True, "name"),
    Case("ct_ax_abdomen", "Point out the vertebral body.", _t("vertebra"), True, "name"),
    Case("ct_ax_abdomen", "Box the spleen.", _t("liver"), False, "name", "that box is the liver"),
    Case("ct_ax_abdomen", "Where's the pancreas?", _t("aorta"), False, "name",
         "there is no pancreas; the box is the aorta"),
    Case("ct_ax_abdomen", "Find the kidney.", _t("kidney_left"), False, "name",
         "ambiguous: two kidneys"),
    Case("ct_ax_abdomen", "Locate the left kidney.", _t("kidney_left"), True, "name"),
    Case("ct_ax_abdomen", "Locate the left kidney.", _t("kidney_right"), False, "name",
         "the image-left kidney is the right kidney"),
    Case("ct_ax_abdomen", "Find the hepatic parenchyma.", _t("liver"), True, "name"),
    Case("ct_cor_abdomen", "Find the adrenal.", _t("adrenal_gland_left"), True, "name"),
    Case("ct_cor_abdomen", "Locate the right adrenal gland.", _t("adrenal_gland_left"), False,
         "name", "it is the left adrenal gland"),
    Case("ct_cor_abdomen", "Can you show me where the bladder is?", _t("urinary_bladder"),
         True, "name"),
    Case("ct_cor_abdomen", "Find the gallbladder.", _t("urinary_bladder"), False, "name",
         "that is the urinary bladder"),
    Case("ct_cor_abdomen", "Show the splenic outline.", _t("spleen"), True, "name"),
    Case("ct_sag_spine", "Identify the bone lesion.", _t("lesion"), True, "name"),
    Case("ct_sag_spine", "Find the vertebra.", _t("vertebra", 1), False, "name",
         "ambiguous: three vertebrae"),
    Case("ct_sag_spine", "Where is the inferior vena cava?", _t("aorta"), False, "name",
         "the vessel is the aorta; no IVC is labelled"),
    Case("ct_sag_spine", "I need the aorta boxed.", _t("aorta"), True, "name"),
    Case("mr_sag_spine", "Highlight the cord.", _t("spinal_cord"), True, "name"),
    Case("mr_sag_spine", "Find the intervertebral disc.", _t("vertebra", 1), False, "name",
         "that is a vertebral body; no disc is labelled"),
    Case("mr_sag_spine", "Find the vertebral body.", _t("vertebra", 0), False, "name",
         "ambiguous: three vertebral bodies"),
    Case("mr_ax_brain", "Find the lesion.", _t("lesion", 0), False, "name",
         "ambiguous: two lesions"),
    Case("mr_ax_brain", "Outline the whole brain.", _t("brain"), True, "name"),
    Case("mr_ax_brain", "Segment the skull.", _t("brain"), False, "name",
         "that is the brain; no skull is labelled"),
    Case("endo_two_polyps", "Where is the polyp?", _t("polyp", 0), False, "name",
         "ambiguous: two polyps"),
    Case("endo_centre_polyp", "Show me the polyp in this colonoscopy frame.", _t("polyp"), True,
         "name"),
    Case("endo_centre_polyp", "Find the diverticulum.", _t("polyp"), False, "name",
         "the structure is a polyp"),
    Case("endo_big_polyp", "Box the polypoid growth.", _t("polyp"), True, "name"),
    Case("endo_tiny_polyp", "Locate the ulcer.", _t("polyp"), False, "name",
         "the structure is a polyp"),
    Case("derm_single", "Outline the mole.", _t("skin_lesion"), True, "name"),
    Case("derm_two", "Outline the skin lesion.", _t("skin_lesion", 0), False, "name",
         "ambiguous: two skin lesions"),
    Case("derm_tiny", "Find the nevus.", _t("skin_lesion"), True, "name"),
    Case("derm_irregular", "Mark the hair follicle.", _t("skin_lesion"), False, "name",
         "the structure is a skin lesion"),
    Case("micro_pair", "Find the cell nucleus.", _t("nucleus", 0), False, "name",
         "ambiguous: two nuclei"),
    Case("micro_column", "Box the cell membrane.", _t("nucleus", 0), False, "name",
         "the structures are nuclei"),
    Case("micro_round_long", "Find the mitochondrion.", _t("nucleus", 1), False, "name",
         "the structures are nuclei"),
    Case("micro_shapes", "Segment the nucleus.", _t("nucleus", 2), False, "name",
         "ambiguous: four nuclei"),
    Case("ct_ax_liver_lesions", "Show me where the liver is.", _t("liver"), True, "name"),
    Case("ct_ax_liver_lesions", "Find the hepatic lesion.", _t("lesion", 0), True, "name"),
    Case("ct_ax_liver_lesions", "Find the lesion.", _t("lesion", 1), False, "name",
         "ambiguous: two lesions"),
    Case("ct_ax_kidney_cysts", "Find the renal cyst.", _t("cyst", 0), False, "name",
         "ambiguous: a cyst in each kidney"),
    Case("ct_ax_kidney_cysts", "Locate the right kidney.", _t("kidney_right"), True, "name"),
    Case("ct_ax_kidney_cysts", "Locate the right kidney.", _t("kidney_left"), False, "name",
         "the image-right kidney is the left kidney"),
    Case("ct_cor_lungs", "Find the right lung.", _t("lung_right"), True, "name"),
    Case("ct_cor_lungs", "Box the left lung.", _t("lung_right"), False, "name",
         "the image-left lung is the right lung"),
    Case("ct_cor_lungs", "Find the pulmonary nodule.", _t("nodule", 0), False, "name",
         "ambiguous: two nodules"),
    Case("ct_ax_stomach_spleen", "Where's the stomach?", _t("stomach"), True, "name"),
    Case("ct_ax_stomach_spleen", "Find the tail of the pancreas.", _t("spleen"), False, "name",
         "there is no pancreas; the box is the spleen"),
    Case("mr_cor_liver", "Find the liver lesion.", _t("lesion"), True, "name"),
    Case("mr_cor_liver", "Box the gallbladder.", _t("lesion"), False, "name",
         "the bright focus is a liver lesion; there is no gallbladder"),
    Case("ct_ax_liver_tiny", "Find the focal liver lesion.", _t("lesion"), True, "name"),
    Case("ct_ax_density_pair", "Box the liver lesion.", _t("lesion", 0), False, "name",
         "ambiguous: two liver lesions"),
    Case("mr_ax_kidneys", "Find the renal lesion.", _t("lesion", 0), False, "name",
         "ambiguous: a lesion in each kidney"),
)

CASES: tuple[Case, ...] = (*_POSITION, *_SIDE, *_SIZE, *_SHAPE, *_INTENSITY, *_COUNT,
                           *_ORDINAL, *_RELATION, *_NAME)
