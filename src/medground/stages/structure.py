"""What a structure is, and so whether its label splits into instances.

A query counts and ranks *instances* ("the larger of the two polyps"), so splitting a label into
connected components is a claim that each component is one finding. That holds for countable
findings (lesions, nodules, polyps, cysts, metastases, nuclei, cells); it is false for anatomy,
for diffuse findings (edema, effusion, infection) and for anything thin or tree-like (vessels,
ducts, nerves), which fragment on a slice without being several things. The rule, in order:

1. the config (``regions.split`` / ``regions.keep_whole`` glob patterns) decides if it names the
   label;
2. a source that gives instances (instance-id maps, one file per instance) is taken at its word;
3. a diffuse-finding word in the name keeps it whole, a countable-finding word splits it, an
   anatomy word keeps it whole;
4. a countable label whose mask is thin or tree-like (measured from its skeleton) stays whole;
5. an unknown name stays whole: one target with every part of the label cannot be miscounted,
   while a split that is wrong puts false counts and ordinals in every query about it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage.morphology import skeletonize

from medground.geometry.boxes import mask_to_box

#: words of findings that come as separate, countable instances
COUNTABLE: Final = frozenset({
    "lesion", "tumor", "tumour", "nodule", "cyst", "polyp", "metastasis", "met", "mass",
    "nucleus", "cell", "calculus", "stone", "adenoma", "carcinoma", "cancer", "aneurysm",
    "abscess", "fibroid", "node", "lymphnode", "microaneurysm", "granuloma", "neoplasm",
    "melanoma", "naevus", "nevus", "mole", "colony", "organoid", "spot", "focus", "infarct",
})

#: words of findings that spread through tissue: their pieces on a slice are one finding
DIFFUSE: Final = frozenset({
    "edema", "oedema", "effusion", "infection", "consolidation", "opacity", "opacities",
    "infiltrate", "infiltration", "necrosis", "fibrosis", "emphysema", "atelectasis",
    "pneumonia", "inflammation", "ischemia", "ischaemia", "hemorrhage", "haemorrhage",
    "bleeding", "covid", "ggo", "exudate", "scar", "steatosis", "background",
})

#: anatomy words: organs, bones, muscles, vessels and other structures that are one thing
ANATOMY: Final = frozenset({
    "liver", "kidney", "spleen", "pancreas", "lung", "heart", "aorta", "artery", "arteries",
    "vein", "vessel", "vasculature", "vascular", "vena", "cava", "trunk", "capillary", "bone",
    "vertebra", "vertebrae", "rib", "femur", "hip", "sacrum", "skull", "sternum", "scapula",
    "clavicle", "clavicula", "humerus", "tibia", "fibula", "radius", "ulna", "patella",
    "muscle", "brain", "cerebellum", "brainstem", "cord", "matter", "cortex", "ventricle",
    "atrium", "myocardium", "lobe", "bladder", "prostate", "colon", "bowel", "intestine",
    "duodenum", "stomach", "esophagus", "oesophagus", "trachea", "bronchus", "bronchi",
    "airway", "thyroid", "gallbladder", "uterus", "ovary", "testis", "breast", "skin",
    "cartilage", "cartilages", "disc", "cup", "macula", "retina", "fovea", "autochthon",
    "iliopsoas", "gluteus", "psoas", "spine", "spinal", "canal", "nerve", "duct", "tract",
    "esophageal", "body", "fat", "tissue", "parenchyma", "pleura", "diaphragm", "rectum",
    "appendix", "cochlea", "eye", "lens", "orbit", "mandible", "maxilla", "tooth", "teeth",
    "hippocampus", "thalamus", "putamen", "caudate", "pallidum", "amygdala", "tongue",
    "larynx", "pharynx", "gland", "portal", "splenic", "hepatic", "renal", "pulmonary",
    "coronary", "carotid", "iliac", "subclavian", "jugular", "brachiocephalic", "cavity",
})

#: skeleton length squared over area above which a mask is thin (a band of aspect ~this)
THIN_RATIO: Final = 12.0
#: ... and the branch points above which, with a skeleton at least TREE_RATIO long, a tree
TREE_BRANCHES: Final = 3
TREE_RATIO: Final = 4.0


@dataclass(frozen=True)
class SplitDecision:
    """Whether a label's mask splits into instances, and the reason (a stable code)."""

    split: bool
    reason: str  # config_split, config_whole, source_instances, diffuse_name, countable_name,
    # anatomy_name, thin_or_tree, unknown_name
    detail: str = ""

    @property
    def key(self) -> str:
        return f"{'split' if self.split else 'whole'}/{self.reason}"


def name_tokens(label: str) -> set[str]:
    """Lower-case words of a label name, each also in its singular form:
    'Liver_Tumours' -> {'liver', 'tumours', 'tumour'}."""
    words = [w for w in re.split(r"[^a-z0-9]+", label.lower()) if w]
    return set(words) | {_singular(w) for w in words}


def _singular(word: str) -> str:
    irregular = {"nuclei": "nucleus", "metastases": "metastasis", "mets": "met",
                 "calculi": "calculus", "vertebrae": "vertebra", "bronchi": "bronchus",
                 "teeth": "tooth", "foci": "focus", "nevi": "nevus", "naevi": "naevus"}
    if word in irregular:
        return irregular[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("ss", "x", "ch", "sh")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def kind_by_name(label: str) -> str | None:
    """'diffuse', 'countable' or 'anatomy' from the words of a label name; None if unknown.
    A diffuse word wins (a 'tumour oedema' is oedema), then a countable one ('liver tumour' is
    a tumour, not a liver)."""
    tokens = name_tokens(label)
    if tokens & DIFFUSE:
        return "diffuse"
    if tokens & COUNTABLE:
        return "countable"
    if tokens & ANATOMY:
        return "anatomy"
    return None


@dataclass(frozen=True)
class Thinness:
    """Skeleton measures of a mask: length (pixels), branch points, length squared / area."""

    length: int
    branches: int
    ratio: float

    @property
    def thin_or_tree(self) -> bool:
        return self.ratio >= THIN_RATIO or (self.branches >= TREE_BRANCHES and
                                            self.ratio >= TREE_RATIO)


def thinness(mask: NDArray[np.bool_]) -> Thinness:
    """Measure how line-like a 2D mask is, on its bounding box. A disc's skeleton is a point
    (ratio ~0); a band of length l and width w has ratio ~l / w; a tree branches."""
    box = mask_to_box(mask)
    if box is None:
        return Thinness(0, 0, 0.0)
    x1, y1, x2, y2 = box
    crop = np.pad(mask[y1:y2, x1:x2], 1)
    skeleton = skeletonize(crop)
    length = int(skeleton.sum())
    neighbours = ndimage.convolve(skeleton.astype(np.uint8), np.ones((3, 3), np.uint8),
                                  mode="constant") - 1
    branch_pixels = skeleton & (neighbours >= 3)
    branches = int(ndimage.label(branch_pixels, structure=np.ones((3, 3)))[1])
    area = int(crop.sum())
    return Thinness(length, branches, round(length * length / max(area, 1), 3))


def decide_split(label: str, masks: Sequence[NDArray[np.bool_]], split: list[str],
                 keep_whole: list[str]) -> SplitDecision:
    """The split rule (module docstring) for a label seen as ``masks`` (2D views of it: the
    image, or a volume's largest slices); thin or tree-like on any of them keeps it whole."""
    if any(fnmatch.fnmatchcase(label, p) for p in keep_whole):
        return SplitDecision(False, "config_whole", "regions.keep_whole names it")
    if any(fnmatch.fnmatchcase(label, p) for p in split):
        return SplitDecision(True, "config_split", "regions.split names it")
    kind = kind_by_name(label)
    if kind == "diffuse":
        return SplitDecision(False, "diffuse_name", "a diffuse finding: its parts are one")
    if kind == "anatomy":
        return SplitDecision(False, "anatomy_name", "an anatomical structure")
    if kind is None:
        return SplitDecision(False, "unknown_name", "not a known countable finding: kept whole")
    for mask in masks:
        t = thinness(mask)
        if t.thin_or_tree:
            return SplitDecision(False, "thin_or_tree",
                                 f"skeleton length^2/area {t.ratio}, {t.branches} branch points")
    return SplitDecision(True, "countable_name", "a countable finding: one target per instance")
