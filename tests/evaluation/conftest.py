"""Fixtures for the EC57 tests: short excerpts of MIT-BIH records written to a temporary WFDB folder
(signal and reference annotations cut with the wfdb package), the WFDB tools when their kit is there, and the
twin of the deployed chain with the pooled QRS scoring the noise stress tests hold."""
from __future__ import annotations

import pytest

# record: (first sample, minutes): 100 plain sinus; 201 AF until 6:18 of the excerpt; 207 from 21:00, its
# ventricular flutter episode then runs from 4:41 to 6:19 (beats in it are not scored)
EXCERPTS = {"100": (0, 6.0), "201": (0, 7.0), "207": (21 * 60 * 360, 7.0)}


@pytest.fixture(scope="session")
def wfdb_bin():
    from ecgcc.evaluation.wfdb_tools import ensure_tools, tools_source_dir

    if not (tools_source_dir() / "build.sh").is_file():
        pytest.skip(f"WFDB tool kit not found in {tools_source_dir()}")
    return ensure_tools()


@pytest.fixture(scope="session")
def excerpt_dir(mitdb_dir, tmp_path_factory):
    import wfdb

    out = tmp_path_factory.mktemp("ec57_excerpts")
    for name, (first, minutes) in EXCERPTS.items():
        last = first + int(minutes * 60 * 360)
        record = wfdb.rdrecord(str(mitdb_dir / name), sampfrom=first, sampto=last, physical=False)
        wfdb.wrsamp(name, fs=record.fs, units=record.units, sig_name=record.sig_name, d_signal=record.d_signal,
                    fmt=record.fmt, adc_gain=record.adc_gain, baseline=record.baseline, write_dir=str(out))
        ann = wfdb.rdann(str(mitdb_dir / name), "atr", sampfrom=first, sampto=last - 1, shift_samps=True)
        aux = [note.rstrip("\x00") for note in ann.aux_note]
        wfdb.wrann(name, "atr", ann.sample, symbol=ann.symbol, subtype=ann.subtype, chan=ann.chan, num=ann.num,
                   aux_note=aux, fs=record.fs, write_dir=str(out))
    return out


@pytest.fixture(scope="module")
def twin_chain():
    """(classifier, config): the twin of the deployed chain, the host build of the committed model."""
    from ecgcc import firmware
    from ecgcc.harness.hil import CompiledModel
    from ecgcc.harness.stream import reference_classifier
    from ecgcc.model_cache import ensure_model

    model_dir = ensure_model("host")
    return reference_classifier(CompiledModel.load(model_dir).tflite), firmware.monitor_config_for(model_dir)


@pytest.fixture(scope="session")
def nstdb_dir(mitdb_dir):
    """The MIT-BIH Noise Stress Test Database beside MIT-BIH."""
    directory = mitdb_dir.parent / "nstdb"
    if not (directory / "118e12.hea").is_file():
        pytest.skip(f"nstdb not found in {directory}")
    return directory


@pytest.fixture
def gross_qrs(twin_chain):
    """score(names, data_dir, leads="1") -> (QRS Se, QRS +P, per-record entries): the records from minute 5
    through the twin chain as `ecgcc ec57 --twin` scores them, pooled."""
    from ecgcc.evaluation.ec57_beats import BeatCounts
    from ecgcc.evaluation.ec57_run import score_stream

    classifier, config = twin_chain

    def score(names, data_dir, leads: str = "1") -> tuple[float, float, list]:
        total, entries = BeatCounts(), []
        for name in names:
            entry, scored, _ = score_stream(name, data_dir, None, classifier, config, 300.0, leads)
            total = total + scored.beats
            entries.append(entry)
        tp, fn, fp = total.qrs()
        return tp / (tp + fn), tp / (tp + fp), entries

    return score
