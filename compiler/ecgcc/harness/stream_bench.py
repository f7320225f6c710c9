"""Where the time of `ecgcc stream` goes on an emulated board: one request's round trip, the cost of
each byte the board receives, STREAM at several frame sizes, the harness's own Python, and the same
record played from the board's memory. Prints one JSON document.

    python -m ecgcc.harness.stream_bench --board qemu-m4 [--record 100] [--seconds 60]"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time


def _round_trip_ms(device, repeats: int = 50) -> float:
    started = time.monotonic()
    for _ in range(repeats):
        device.status()
    return (time.monotonic() - started) / repeats * 1000


def _receive_us_per_byte(device, size: int = 1380, repeats: int = 20) -> dict:
    """A STREAM frame whose sample count disagrees with its length is refused only once the device has
    received all of it, so its round trip minus an empty one's is the time to take in `size` bytes."""
    from .device import DeviceRejected
    from .protocol import Command

    def refused_ms(payload: bytes) -> float:
        started = time.monotonic()
        for _ in range(repeats):
            try:
                device.request(Command.STREAM, payload)
            except DeviceRejected:
                pass
        return (time.monotonic() - started) / repeats * 1000

    small, large = refused_ms(b"\x01" * 4), refused_ms(b"\x01" * size)
    return {"frame_bytes": size, "small_frame_ms": small, "large_frame_ms": large,
            "us_per_byte": (large - small) * 1000 / (size - 4)}


def _profile_top(profile: cProfile.Profile, count: int = 6) -> list[dict]:
    stats = pstats.Stats(profile)
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:count]  # by own time
    return [{"function": f"{os.path.basename(file)}:{line}({name})", "calls": calls, "own_seconds": round(own, 3)}
            for (file, line, name), (_prim, calls, own, _cum, _callers) in rows]


def measure(board: str, record_name: str, seconds: float, chunks=(16, 128, 512)) -> dict:
    from .. import firmware
    from ..model_cache import ensure_model
    from .device import Device
    from .emulator import EmulatedBoard
    from .stream import first_seconds, load_stream_record, memory_image, play_from_memory, record_memory_region
    from .stream import stream_samples

    model_dir = ensure_model(board)
    image = firmware.build(board, model_dir).path
    record = first_seconds(load_stream_record(record_name), seconds)
    ecg_seconds = len(record.adc) / record.fs
    out = {"board": board, "record": record_name, "ecg_seconds": ecg_seconds, "load_before": os.getloadavg()}
    with EmulatedBoard(board, image) as session, Device(session.url, timeout=30) as device:
        device.info()
        out["status_round_trip_ms"] = _round_trip_ms(device)
        out["receive"] = _receive_us_per_byte(device)
        out["stream"] = []
        for chunk in chunks:
            result = stream_samples(device, record.adc, chunk=chunk, delta=False)
            out["stream"].append({"samples_per_frame": chunk, "coding": "int16", "frames": result.requests,
                                  "ms_per_frame": result.wall_seconds / result.requests * 1000,
                                  "realtime_factor": ecg_seconds / result.wall_seconds})
        profile = cProfile.Profile()
        profile.enable()
        result = stream_samples(device, record.adc)  # delta-coded when the firmware offers it
        profile.disable()
        out["stream_default"] = {"coding": result.transport, "frames": result.requests,"realtime_factor": ecg_seconds / result.wall_seconds,
                                 "busy_instructions_per_ecg_second": result.counters["busy_instructions"] / ecg_seconds,
                                 "host_python_top": _profile_top(profile)}
    region = record_memory_region(board)
    if region is not None:
        from .pool import BoardPlan, BoardWorker

        worker = BoardWorker(BoardPlan(board, str(image)))
        with worker.device_with_memory_image(memory_image(record.adc), region[0]) as device:
            played = play_from_memory(device, record.adc)
        out["memory"] = {"realtime_factor": ecg_seconds / played.wall_seconds, "seconds": played.wall_seconds,
                         "events": len(played.events)}
    out["load_after"] = os.getloadavg()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default="qemu-m4")
    parser.add_argument("--record", default="100")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.board, args.record, args.seconds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
