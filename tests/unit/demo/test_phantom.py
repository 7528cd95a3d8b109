"""Tests for the synthetic CT phantom (medground.demo.phantom)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import ndimage

from medground.demo.phantom import LABELS, Phantom, make_phantom, write_phantom_dataset
from medground.geometry.orientation import display_slice, to_canonical

ORIENTATIONS = ("RAS", "LPS", "LAS", "PSR", "SLP")
RIGHT_SIDE = (
    "liver",
    "kidney_right",
    "gallbladder",
    "adrenal_gland_right",
    "iliopsoas_right",
    "inferior_vena_cava",
)
LEFT_SIDE = (
    "spleen",
    "kidney_left",
    "stomach",
    "adrenal_gland_left",
    "iliopsoas_left",
    "kidney_cyst_left",
)
MIDLINE = ("aorta", "vertebra")
CROSSING = ("pancreas",)  # from right of the midline across to the spleen
ID = {name: lid for lid, name in LABELS.items()}


@cache
def _phantom(seed: int, orientation: str) -> Phantom:
    return make_phantom(seed=seed, orientation=orientation)


def _canonical(ph: Phantom) -> tuple[NDArray[np.generic], NDArray[np.generic]]:
    image, _ = to_canonical(ph.image, ph.affine)
    label, _ = to_canonical(ph.label, ph.affine)
    return image, label


def _world(ph: Phantom, name: str) -> NDArray[np.float64]:
    """World (RAS+, mm) coordinates of every voxel of ``name``, one row each."""
    vox = np.argwhere(ph.label == ID[name]).astype(np.float64)
    return np.asarray(vox @ ph.affine[:3, :3].T + ph.affine[:3, 3], dtype=np.float64)


def _axial_slices(label: NDArray[np.generic], *names: str) -> list[NDArray[np.generic]]:
    """Axial display slices (canonical ``label``) that hold every one of ``names``."""
    ks = np.flatnonzero(np.all([(label == ID[n]).any(axis=(0, 1)) for n in names], axis=0)).tolist()
    return [display_slice(label, "axial", k) for k in ks]


def test_labels_and_dtypes() -> None:
    ph = _phantom(0, "RAS")
    assert ph.labels == {
        1: "liver",
        2: "spleen",
        3: "kidney_right",
        4: "kidney_left",
        5: "vertebra",
        6: "aorta",
        7: "lesion",
        8: "gallbladder",
        9: "pancreas",
        10: "stomach",
        11: "adrenal_gland_right",
        12: "adrenal_gland_left",
        13: "iliopsoas_right",
        14: "iliopsoas_left",
        15: "inferior_vena_cava",
        16: "kidney_cyst_left",
    }
    assert ph.image.dtype == np.int16
    assert ph.label.dtype == np.uint8
    assert ph.affine.shape == (4, 4) and ph.affine.dtype == np.float64
    assert ph.image.shape == ph.label.shape == (96, 80, 40)
    assert set(np.unique(ph.label).tolist()) == set(range(17))
    # the volume is centred near world 0
    centre = ph.affine @ np.array([*((np.array(ph.image.shape) - 1) / 2.0), 1.0])
    assert np.allclose(centre[:3], 0.0, atol=1e-6)


def test_hounsfield_values_are_plausible() -> None:
    ph = _phantom(0, "RAS")
    med = {name: float(np.median(ph.image[ph.label == lid])) for lid, name in LABELS.items()}
    assert 40 < med["liver"] < 80
    assert med["lesion"] < med["liver"] - 25
    assert med["vertebra"] > 400
    assert 120 < med["aorta"] < 280
    assert float(np.median(ph.image[0, 0, :])) < -900  # corner: air
    assert med["gallbladder"] < 25
    # simple cysts in enhancing kidneys: far below the parenchyma (partial volume lifts them)
    assert med["kidney_cyst_left"] < 60 and med["kidney_cyst_left"] < med["kidney_left"] - 60
    assert 20 < med["pancreas"] < 60 and 0 < med["adrenal_gland_right"] < 50  # partial volume
    assert 35 < med["iliopsoas_left"] < 65 and 35 < med["iliopsoas_right"] < 65
    assert 110 < med["inferior_vena_cava"] < med["aorta"]
    stomach = ph.image[ph.label == ID["stomach"]]
    assert 0.05 < float((stomach < -500).mean()) < 0.6  # some gas in the lumen
    assert float(((stomach > -50) & (stomach < 80)).mean()) > 0.3  # wall and fluid


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_orientation_affine_and_canonical_arrays(orientation: str) -> None:
    ref = _phantom(0, "RAS")
    ph = _phantom(0, orientation)
    assert "".join(nib.aff2axcodes(ph.affine)) == orientation
    image, label = _canonical(ph)
    np.testing.assert_array_equal(image, ref.image)
    np.testing.assert_array_equal(label, ref.label)
    _, canon_affine = to_canonical(ph.image, ph.affine)
    np.testing.assert_allclose(canon_affine, ref.affine, atol=1e-9)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_world_side_of_organs(orientation: str) -> None:
    """Independent of display code: world x (RAS, +x = patient right) of organ centroids."""
    ph = _phantom(1, orientation)
    for name in (*RIGHT_SIDE, *LEFT_SIDE):
        vox = np.argwhere(ph.label == ID[name]).mean(axis=0)
        x = (ph.affine @ np.array([*vox, 1.0]))[0]
        assert (x > 15) if name in RIGHT_SIDE else (x < -15), (name, x)


def test_every_structure_has_a_side() -> None:
    assert {*RIGHT_SIDE, *LEFT_SIDE, *MIDLINE, *CROSSING, "lesion"} == set(ID)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_axial_display_sides(orientation: str) -> None:
    _, label = _canonical(_phantom(0, orientation))
    for name in (*RIGHT_SIDE, *LEFT_SIDE, *MIDLINE):
        lid = ID[name]
        areas = (label == lid).sum(axis=(0, 1))
        k = int(np.argmax(areas))
        sl = display_slice(label, "axial", k)
        width = sl.shape[1]
        col = float(np.nonzero(sl == lid)[1].mean())
        if name in RIGHT_SIDE:
            assert col < width / 2, (name, col, width)
        elif name in LEFT_SIDE:
            assert col > width / 2, (name, col, width)
        else:
            assert abs(col - width / 2) < 0.1 * width, (name, col, width)
        assert int((areas > 0).sum()) >= 3, name  # several axial slices


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_ivc_right_of_aorta_and_pancreas_in_front_of_it(orientation: str) -> None:
    _, label = _canonical(_phantom(0, orientation))
    ivc, aorta, pancreas = ID["inferior_vena_cava"], ID["aorta"], ID["pancreas"]
    slices = _axial_slices(label, "inferior_vena_cava", "aorta")
    assert len(slices) >= 0.8 * label.shape[2]  # the IVC spans most slices
    for sl in slices:  # image left = patient right
        assert np.nonzero(sl == ivc)[1].mean() < np.nonzero(sl == aorta)[1].min()
    slices = _axial_slices(label, "pancreas", "aorta")
    assert len(slices) >= 3
    span = np.concatenate([np.nonzero(sl == pancreas)[1] for sl in slices])
    width = slices[0].shape[1]
    assert span.min() < 0.4 * width and span.max() > 0.6 * width  # crosses the midline
    crossed = 0
    for sl in slices:  # where it passes the aorta's columns it lies in front (image top)
        a_rows, a_cols = np.nonzero(sl == aorta)
        p_rows, p_cols = np.nonzero(sl == pancreas)
        front = np.isin(p_cols, a_cols)
        crossed += int(front.any())
        assert np.all(p_rows[front] < a_rows.min())
    assert crossed >= 1


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_organs_not_all_on_one_slice(orientation: str) -> None:
    _, label = _canonical(_phantom(0, orientation))
    peaks = {int(np.argmax((label == ID[n]).sum(axis=(0, 1)))) for n in (*RIGHT_SIDE, *LEFT_SIDE)}
    assert len(peaks) >= 3


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lesions_inside_liver(orientation: str, seed: int) -> None:
    label = _phantom(seed, orientation).label
    lesions, n = ndimage.label(label == ID["lesion"])
    assert n >= 3
    sizes = np.bincount(lesions.ravel())[1:]
    assert len(set(sizes.tolist())) == n
    assert sizes.max() >= 3 * sizes.min()  # clearly different sizes
    liver = label == ID["liver"]
    for i in range(1, n + 1):
        comp = lesions == i
        grown = ndimage.binary_dilation(comp)
        assert (grown & liver).any()
        # entirely surrounded by liver: the 1-voxel shell holds only liver
        shell = label[grown & ~comp]
        assert set(np.unique(shell).tolist()) <= {ID["liver"]}


@pytest.mark.parametrize("n_lesions", [1, 3, 5])
def test_n_lesions(n_lesions: int) -> None:
    label = make_phantom(seed=5, n_lesions=n_lesions).label
    assert ndimage.label(label == ID["lesion"])[1] == n_lesions


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_gallbladder_at_the_liver_edge(orientation: str) -> None:
    ph = _phantom(0, orientation)
    gallbladder = ph.label == ID["gallbladder"]
    grown = ndimage.binary_dilation(gallbladder, iterations=2)
    assert (grown & (ph.label == ID["liver"])).any()
    # inferior, medial and anterior of the liver's centre
    gb, liver = _world(ph, "gallbladder").mean(axis=0), _world(ph, "liver").mean(axis=0)
    assert gb[2] < liver[2] - 10 and 0 < gb[0] < liver[0] and gb[1] > liver[1] + 10


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_kidney_cysts_inside_left_kidney(orientation: str, seed: int) -> None:
    label = _phantom(seed, orientation).label
    cysts, n = ndimage.label(label == ID["kidney_cyst_left"])
    assert 1 <= n <= 2
    for i in range(1, n + 1):
        comp = cysts == i
        shell = label[ndimage.binary_dilation(comp) & ~comp]
        assert set(np.unique(shell).tolist()) <= {ID["kidney_left"], ID["kidney_cyst_left"]}


@pytest.mark.parametrize(("seed", "orientation"), [(0, "PSR"), (2, "RAS"), (3, "SLP")])
def test_anatomical_relations(seed: int, orientation: str) -> None:
    ph = _phantom(seed, orientation)
    c = {name: _world(ph, name).mean(axis=0) for name in ID}
    s_axis = int(np.argmax(np.abs(ph.affine[2, :3])))  # the volume is centred on world 0
    half_height = ph.image.shape[s_axis] * abs(ph.affine[2, s_axis]) / 2
    spine_half_width = np.abs(_world(ph, "vertebra")[:, 0]).max()
    for side in ("right", "left"):
        adrenal, kidney = c[f"adrenal_gland_{side}"], c[f"kidney_{side}"]
        assert adrenal[2] > kidney[2] + 20 and abs(adrenal[0]) < abs(kidney[0])  # sup.-medial
        psoas = _world(ph, f"iliopsoas_{side}")
        assert np.all(psoas[:, 2] < -half_height / 3)  # lower third of the volume
        assert abs(c[f"iliopsoas_{side}"][0]) > spine_half_width  # lateral to the vertebra
    assert c["stomach"][1] > c["spleen"][1] + 20  # stomach anterior to the spleen
    assert c["pancreas"][1] > c["aorta"][1] + 15  # pancreas anterior to the aorta
    assert c["inferior_vena_cava"][0] > c["aorta"][0] + 20


@pytest.mark.parametrize("seed", range(8))
def test_every_label_present(seed: int) -> None:
    counts = np.bincount(_phantom(seed, "RAS").label.ravel(), minlength=len(LABELS) + 1)
    assert len(counts) == len(LABELS) + 1 == 17
    assert all(counts[lid] >= 40 for lid in LABELS), counts.tolist()


def test_seed_changes_data_and_is_deterministic() -> None:
    a, b = make_phantom(seed=3), make_phantom(seed=3)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.label, b.label)
    c = _phantom(4, "RAS")
    assert not np.array_equal(a.image, c.image)
    assert not np.array_equal(a.label, c.label)


def test_custom_shape_and_spacing() -> None:
    ph = make_phantom(seed=0, orientation="LPS", shape=(64, 56, 24), spacing=(4.0, 4.0, 6.0))
    assert ph.image.shape == (64, 56, 24)
    assert np.allclose(np.abs(np.diag(ph.affine)[:3]), (4.0, 4.0, 6.0))
    assert set(np.unique(ph.label).tolist()) == set(range(17))


@pytest.mark.parametrize("bad", ["RAR", "XYZ", "RA", "RASS", "LRS"])
def test_bad_orientation(bad: str) -> None:
    with pytest.raises(ValueError):
        make_phantom(orientation=bad)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_dataset_byte_identical_and_seeded(tmp_path: Path) -> None:
    a = write_phantom_dataset(tmp_path / "a", n_cases=4, seed=0)
    b = write_phantom_dataset(tmp_path / "b", n_cases=4, seed=0)
    c = write_phantom_dataset(tmp_path / "c", n_cases=4, seed=1)
    fa, fb, fc = _files(a), _files(b), _files(c)
    assert len(fa) == 9
    assert fa == fb
    assert fa["imagesTr/phantom_000.nii.gz"] != fc["imagesTr/phantom_000.nii.gz"]


def test_dataset_json_and_files(tmp_path: Path) -> None:
    orients = ("RAS", "LPS", "SLP")
    root = write_phantom_dataset(tmp_path / "ds", n_cases=4, seed=7, orientations=orients)
    meta = json.loads((root / "dataset.json").read_text(encoding="utf-8"))
    assert meta["name"] == "medground-phantom"
    assert meta["modality"] == {"0": "CT"}
    assert meta["labels"] == {"0": "background", **{str(k): v for k, v in LABELS.items()}}
    assert meta["numTraining"] == 4 == len(meta["training"])
    for i, entry in enumerate(meta["training"]):
        assert entry == {
            "image": f"./imagesTr/phantom_{i:03d}.nii.gz",
            "label": f"./labelsTr/phantom_{i:03d}.nii.gz",
        }
        img = nib.load(str(root / entry["image"]))
        lab = nib.load(str(root / entry["label"]))
        expected = make_phantom(seed=7 + i, orientation=orients[i % len(orients)])
        assert "".join(nib.aff2axcodes(img.affine)) == orients[i % len(orients)]
        assert int(img.header["qform_code"]) == 1 and int(img.header["sform_code"]) == 1
        np.testing.assert_allclose(img.affine, expected.affine, atol=1e-5)
        np.testing.assert_allclose(lab.affine, expected.affine, atol=1e-5)
        np.testing.assert_array_equal(np.asanyarray(img.dataobj), expected.image)
        np.testing.assert_array_equal(np.asanyarray(lab.dataobj), expected.label)
        assert img.get_data_dtype() == np.int16 and lab.get_data_dtype() == np.uint8
