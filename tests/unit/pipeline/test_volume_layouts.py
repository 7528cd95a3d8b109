"""Volume layouts built end to end on generated data: nnU-Net v2, NRRD/MHA, DICOM series."""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from conftest import read_jsonl, tree_bytes
from medground.build import build
from medground.config import parse_config
from medground.demo.phantom import LABELS, make_phantom


def test_nnunet_v2_layout(tmp_path: Path) -> None:
    root = tmp_path / "Dataset001_Phantom"
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    for i, orientation in enumerate(("LPS", "RAS")):
        ph = make_phantom(seed=i, orientation=orientation)
        nib.save(nib.Nifti1Image(ph.image, ph.affine), str(root / "imagesTr" / f"ph_{i:03d}_0000.nii.gz"))
        nib.save(nib.Nifti1Image(ph.label, ph.affine), str(root / "labelsTr" / f"ph_{i:03d}.nii.gz"))
    labels = {"background": 0, **{name: k for k, name in LABELS.items()}}
    (root / "dataset.json").write_text(json.dumps({
        "channel_names": {"0": "CT"}, "labels": labels, "numTraining": 2, "file_ending": ".nii.gz"}))
    cfg = parse_config({"name": "nnunet", "source": {"type": "nifti", "root": str(root),
                                                      "dataset_json": "dataset.json"}},
                       base_dir=tmp_path)
    build(cfg, tmp_path / "out")
    samples = read_jsonl(tmp_path / "out" / "samples.jsonl")
    assert {s["case"] for s in samples} == {"ph_000", "ph_001"}
    assert {s["modality"] for s in samples} == {"CT"}
    assert {s["targets"][0]["label"] for s in samples} == set(LABELS.values())


def test_nrrd_and_mha_through_itk(tmp_path: Path) -> None:
    sitk = pytest.importorskip("SimpleITK", reason="the [itk] extra is not installed")
    ph = make_phantom(seed=2, orientation="RAS", shape=(64, 56, 24))
    nib.save(nib.Nifti1Image(ph.image, ph.affine), str(tmp_path / "ref_img.nii.gz"))
    nib.save(nib.Nifti1Image(ph.label, ph.affine), str(tmp_path / "ref_lab.nii.gz"))
    for ext in ("nrrd", "mha"):
        for kind in ("img", "lab"):
            im = sitk.ReadImage(str(tmp_path / f"ref_{kind}.nii.gz"))
            sitk.WriteImage(im, str(tmp_path / f"ph_{kind}.{ext}"))
    pairs = [{"image": "ref_img.nii.gz", "label": "ref_lab.nii.gz", "case": "nifti"},
             {"image": "ph_img.nrrd", "label": "ph_lab.nrrd", "case": "nrrd"},
             {"image": "ph_img.mha", "label": "ph_lab.mha", "case": "mha"}]
    cfg = parse_config({"name": "itk", "source": {"type": "itk", "root": str(tmp_path),
                                                   "modality": "CT", "label_names": dict(LABELS),
                                                   "pairs": pairs}}, base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    assert read_jsonl(out / "errors.jsonl") == []
    files = tree_bytes(out)
    ref = {k.split("/", 2)[2]: v for k, v in files.items() if k.startswith("images/nifti/")}
    for case in ("nrrd", "mha"):  # same world geometry -> identical display PNGs
        got = {k.split("/", 2)[2]: v for k, v in files.items() if k.startswith(f"images/{case}/")}
        assert got == ref and ref


def _dicom_series(folder: Path, volume: np.ndarray, spacing: tuple[float, float, float]) -> None:
    """Axial CT slices (LPS patient coordinates), with a patient name and ID to be protected."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    folder.mkdir(parents=True)
    series_uid = generate_uid(entropy_srcs=["series"])
    for k in range(volume.shape[2]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[str(k)])
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID = series_uid
        ds.PatientName = "Doe^Jane"
        ds.PatientID = "MRN99887766"
        ds.Modality = "CT"
        ds.Rows, ds.Columns = volume.shape[1], volume.shape[0]
        ds.PixelSpacing = [spacing[1], spacing[0]]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-50.0, -40.0, k * spacing[2]]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, 0
        ds.PixelData = np.ascontiguousarray(volume[:, :, k].T.astype(np.int16)).tobytes()
        ds.save_as(folder / f"slice_{(k * 7) % volume.shape[2]:03d}.dcm", enforce_file_format=True)


def test_dicom_series_identifiers_never_reach_outputs(tmp_path: Path) -> None:
    ph = make_phantom(seed=4, orientation="LPS", shape=(64, 56, 16), spacing=(2.0, 2.0, 3.0))
    folder = tmp_path / "Doe_Jane_MRN99887766"
    _dicom_series(folder, ph.image, (2.0, 2.0, 3.0))
    lps_to_ras = np.diag([-1.0, -1.0, 1.0, 1.0])
    affine = lps_to_ras @ np.array([[2.0, 0, 0, -50.0], [0, 2.0, 0, -40.0], [0, 0, 3.0, 0], [0, 0, 0, 1]])
    nib.save(nib.Nifti1Image(ph.label, affine), str(tmp_path / "seg.nii.gz"))
    cfg = parse_config({"name": "dcm", "source": {
        "type": "dicom", "root": str(tmp_path), "label_names": dict(LABELS),
        "pairs": [{"series": folder.name, "label": "seg.nii.gz"}]}}, base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    samples = read_jsonl(out / "samples.jsonl")
    assert samples and all(s["patient_id"].startswith("anon-") for s in samples)
    assert all(s["case"].startswith("series-") for s in samples)  # never the folder name
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (b"Doe", b"Jane", b"MRN99887766"):
                assert secret not in data, f"{secret!r} leaked into {path}"
    # a failing series is reported without its path
    (folder / "slice_003.dcm").unlink()
    build(cfg, tmp_path / "out2")
    errors = read_jsonl(tmp_path / "out2" / "errors.jsonl")
    assert len(errors) == 1 and errors[0]["file"].startswith("series of series-")
    assert "Doe" not in json.dumps(errors) and "MRN" not in json.dumps(errors)
    # laterality from the DICOM geometry
    for s in samples:
        t = s["targets"][0]
        if s["plane"] == "axial" and t["label"] in ("liver", "spleen"):
            on_left = t["centroid"][0] < s["width"] / 2
            assert on_left == (t["label"] == "liver")


def test_dicom_paths_stay_out_of_duplicate_and_internal_error_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every error path, not only the loader's: two pairs named alike (DUPLICATE_CASE), an
    unforeseen exception, and a series given by an absolute path outside the root."""
    ph = make_phantom(seed=4, orientation="LPS", shape=(64, 56, 16), spacing=(2.0, 2.0, 3.0))
    elsewhere = tmp_path / "export" / "Doe_Jane_MRN99887766"
    _dicom_series(elsewhere, ph.image, (2.0, 2.0, 3.0))
    root = tmp_path / "root"
    root.mkdir()
    nib.save(nib.Nifti1Image(ph.label, np.diag([-2.0, -2.0, 3.0, 1.0])), str(root / "seg.nii.gz"))
    pair = {"series": str(elsewhere), "label": "seg.nii.gz", "case": "c1"}
    cfg = parse_config({"name": "dcm", "source": {
        "type": "dicom", "root": str(root), "label_names": dict(LABELS),
        "pairs": [pair, pair]}}, base_dir=root)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"cannot read {elsewhere}/slice_000.dcm")

    monkeypatch.setattr("medground.sources.dicom.load_dicom_series", broken)
    build(cfg, tmp_path / "out")
    errors = read_jsonl(tmp_path / "out" / "errors.jsonl")
    assert sorted(e["code"] for e in errors) == ["DUPLICATE_CASE", "INTERNAL_ERROR"]
    assert all(e["file"] == "series of c1" for e in errors)
    text = json.dumps(errors)
    assert "Doe" not in text and "MRN" not in text and "<series>" in text
