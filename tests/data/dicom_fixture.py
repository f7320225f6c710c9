"""Writes DICOM 12-lead ECG waveform files with pydicom for the reader tests (int16 samples, one rhythm group
and optionally a median-beat group before it, the order some carts write)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

TWELVE_LEAD_ECG_STORAGE = "1.2.840.10008.5.1.4.1.1.9.1.1"
LEAD_CODES = {"I": ("2:1", "Lead I (Einthoven)"), "II": ("2:2", "Lead II"), "III": ("2:61", "Lead III"),
              "aVR": ("2:62", "Lead aVR"), "aVL": ("2:63", "Lead aVL"), "aVF": ("2:64", "Lead aVF"),
              "V1": ("2:3", "Lead V1"), "V2": ("2:4", "Lead V2"), "V3": ("2:5", "Lead V3"),
              "V4": ("2:6", "Lead V4"), "V5": ("2:7", "Lead V5"), "V6": ("2:8", "Lead V6")}


def _code(value: str, scheme: str, meaning: str):
    from pydicom.dataset import Dataset
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _group(signal_mv: np.ndarray, fs: float, leads, label: str, unit: str, sensitivity: float, baseline: float):
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    per_unit = {"uV": 1000.0, "mV": 1.0}[unit]
    raw = np.round((signal_mv * per_unit - baseline) / sensitivity).astype("<i2")
    group = Dataset()
    group.MultiplexGroupLabel = label
    group.WaveformOriginality = "ORIGINAL" if label == "RHYTHM" else "DERIVED"
    group.SamplingFrequency = f"{fs:g}"
    group.NumberOfWaveformChannels = signal_mv.shape[1]
    group.NumberOfWaveformSamples = signal_mv.shape[0]
    group.WaveformBitsAllocated = 16
    group.WaveformSampleInterpretation = "SS"
    channels = []
    for lead in leads:
        channel = Dataset()
        channel.ChannelSourceSequence = Sequence([_code(*LEAD_CODES[lead][:1], "SCPECG", LEAD_CODES[lead][1])])
        channel.ChannelSensitivity = f"{sensitivity:g}"
        channel.ChannelSensitivityUnitsSequence = Sequence([_code(unit, "UCUM", "microvolt" if unit == "uV"
                                                                   else "millivolt")])
        channel.ChannelSensitivityCorrectionFactor = "1"
        channel.ChannelBaseline = f"{baseline:g}"
        channel.WaveformBitsStored = 16
        channels.append(channel)
    group.ChannelDefinitionSequence = Sequence(channels)
    group.WaveformData = raw.tobytes()
    return group


def write_dicom_ecg(path: Path, signal_mv: np.ndarray, fs: float, leads=tuple(LEAD_CODES), unit: str = "uV",
                    sensitivity: float = 2.5, baseline: float = 0.0, median_first: bool = True, change=None) -> Path:
    """signal_mv: (samples, leads). change(dataset) may break the file before it is written."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = TWELVE_LEAD_ECG_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    dataset.SOPClassUID = TWELVE_LEAD_ECG_STORAGE
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.Modality = "ECG"
    dataset.PatientID = "TEST"
    groups = [_group(signal_mv, fs, leads, "RHYTHM", unit, sensitivity, baseline)]
    if median_first:
        beat = signal_mv[: int(fs)]   # stands in for a median beat: a derived group the reader must skip
        groups.insert(0, _group(beat * 0.5, fs, leads, "MEDIAN BEAT", unit, sensitivity, baseline))
    dataset.WaveformSequence = Sequence(groups)
    if change is not None:
        change(dataset)
    dataset.save_as(path, enforce_file_format=True)
    return path
