"""Read a DICOM ECG waveform (12-lead, general or ambulatory ECG storage) with pydicom into an ``EcgRecord``.

The Waveform Sequence holds one or more multiplex groups; the rhythm group (all leads over the whole
recording) is read, never a derived median beat. pydicom decodes the interleaved samples and applies
each channel's sensitivity, correction factor and baseline; the channel's unit (UCUM uV or mV) brings
them to millivolts. Lead names come from each channel's source code ("Lead II" -> "II").
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .records import EcgRecord
from .validation import check_sample_rate, refuse, validate_record

_TO_MV = {"uV": 0.001, "mV": 1.0, "V": 1000.0}
_HINT = "give a DICOM ECG waveform file (12-lead, general or ambulatory ECG storage) with a Waveform Sequence"
_REQUIRED = ("SamplingFrequency", "NumberOfWaveformChannels", "NumberOfWaveformSamples", "WaveformBitsAllocated",
             "WaveformSampleInterpretation", "WaveformData", "ChannelDefinitionSequence")
_DERIVED_LABELS = ("MEDIAN", "AVERAGE", "TEMPLATE")


def _lead_name(channel, index: int) -> str:
    """'Lead II' or 'Lead I (Einthoven)' -> 'II' / 'I'; 'Lead aVR' -> 'aVR'; else the meaning itself."""
    try:
        meaning = str(channel.ChannelSourceSequence[0].CodeMeaning)
    except (AttributeError, IndexError):
        return f"channel {index + 1}"
    name = re.sub(r"\s*\(.*\)\s*$", "", meaning).strip()
    name = re.sub(r"^Lead\s+", "", name, flags=re.IGNORECASE)
    return name or f"channel {index + 1}"


def _unit_scale(channel, lead: str, path: Path) -> float:
    try:
        unit = str(channel.ChannelSensitivityUnitsSequence[0].CodeValue)
    except (AttributeError, IndexError):
        raise refuse(path, "units", f"lead {lead!r} has no Channel Sensitivity Units: its voltage scale is unknown",
                     hint=_HINT) from None
    if unit not in _TO_MV:
        raise refuse(path, "units", f"lead {lead!r} is in {unit!r}; an ECG lead must be in uV, mV or V", hint=_HINT)
    return _TO_MV[unit]


def _rhythm_group(waveforms, path: Path) -> int:
    """The first multiplex group that is not a derived beat (median, average, template)."""
    for index, group in enumerate(waveforms):
        label = str(group.get("MultiplexGroupLabel", "")).upper()
        if not any(word in label for word in _DERIVED_LABELS):
            return index
    raise refuse(path, "waveform", "only derived beats (median or average), no rhythm waveform", hint=_HINT)


def read_dicom_ecg(path: str | Path, name: str | None = None) -> EcgRecord:
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.waveforms.numpy_handler import multiplex_array

    path = Path(path)
    try:
        dataset = pydicom.dcmread(path)
    except (InvalidDicomError, OSError, ValueError, EOFError) as error:
        raise refuse(path, "DICOM", f"not a readable DICOM file ({str(error)[:160]})", hint=_HINT) from None
    waveforms = dataset.get("WaveformSequence")
    if not waveforms:
        raise refuse(path, "waveform", "no Waveform Sequence: not an ECG waveform object", hint=_HINT)
    index = _rhythm_group(waveforms, path)
    group = waveforms[index]
    missing = [field for field in _REQUIRED if field not in group]
    if missing:
        raise refuse(path, "waveform", f"multiplex group {index + 1} lacks {', '.join(missing)}", hint=_HINT)
    channels, samples = int(group.NumberOfWaveformChannels), int(group.NumberOfWaveformSamples)
    if channels < 1 or samples < 1:
        raise refuse(path, "sample count", f"{channels} channels of {samples} samples", hint=_HINT)
    if len(group.ChannelDefinitionSequence) != channels:
        raise refuse(path, "signal count", f"{len(group.ChannelDefinitionSequence)} channel definitions for "
                                           f"{channels} channels", hint=_HINT)
    expected = channels * samples * int(group.WaveformBitsAllocated) // 8
    if len(group.WaveformData) < expected:
        raise refuse(path, "sample count", f"waveform data holds {len(group.WaveformData)} bytes, its {channels} "
                                           f"channels of {samples} samples need {expected}", hint=_HINT)
    fs = check_sample_rate(group.SamplingFrequency, path)
    try:
        values = multiplex_array(dataset, index, as_raw=False)
    except (KeyError, ValueError, AttributeError, TypeError) as error:   # e.g. an unknown sample interpretation
        raise refuse(path, "waveform", f"pydicom cannot decode the waveform ({str(error)[:160]})", hint=_HINT) from None
    leads = [_lead_name(channel, i) for i, channel in enumerate(group.ChannelDefinitionSequence)]
    scales = np.array([_unit_scale(channel, lead, path)
                       for channel, lead in zip(group.ChannelDefinitionSequence, leads)])
    record = EcgRecord(
        name=name or path.stem,
        signal_mv=np.asarray(values, np.float64) * scales,
        fs=float(fs),
        lead_names=tuple(leads),
        annotations=None,
        source=str(path),
        metadata={"multiplex_group": str(group.get("MultiplexGroupLabel", "")),
                  "sop_class": str(dataset.get("SOPClassUID", ""))},
    )
    validate_record(record)
    return record
