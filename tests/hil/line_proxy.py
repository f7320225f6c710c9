"""A serial line with faults on demand: a TCP relay between the harness and an emulated board that can
add noise to, corrupt, or swallow what the device sends. The board keeps one upstream connection, so
the harness may reconnect to the relay as it would reopen a serial port."""
from __future__ import annotations

import socket
import threading


class LineProxy:
    def __init__(self, upstream_url: str):
        host, port = upstream_url.removeprefix("socket://").rsplit(":", 1)
        self.upstream = socket.create_connection((host, int(port)))
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.downstream: socket.socket | None = None
        self.lock = threading.Lock()
        self.device_frames = 0  # frame delimiters relayed from the device so far
        self.noise_after: int | None = None  # after this many device frames, send noise frames to the harness
        self.corrupt_after: int | None = None  # after this many, flip one byte of the next frame
        self.silent_after: int | None = None  # after this many, drop everything the device sends
        self.noise = b"\x00\x13\x37 line noise \xff\xfe\x00\x05\x01\x02\x03\x00"
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Thread(target=self._from_device, daemon=True).start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.stopped:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.downstream is not None:
                    self.downstream.close()
                self.downstream = connection
            threading.Thread(target=self._to_device, args=(connection,), daemon=True).start()

    def _to_device(self, connection: socket.socket) -> None:
        while True:
            try:
                data = connection.recv(4096)
            except OSError:
                return
            if not data:
                return
            self.upstream.sendall(data)

    def _from_device(self) -> None:
        corrupt_pending = False
        while not self.stopped:
            try:
                data = self.upstream.recv(4096)
            except OSError:
                return
            if not data:
                return
            out = bytearray()
            for byte in data:
                if self.silent_after is not None and self.device_frames >= self.silent_after:
                    break
                if corrupt_pending and byte not in (0x00, 0x55):
                    byte ^= 0x55  # stays non-zero: the frame keeps its delimiters but fails its checks
                    corrupt_pending = False
                out.append(byte)
                if byte == 0:
                    self.device_frames += 1
                    if self.noise_after is not None and self.device_frames == self.noise_after:
                        out += self.noise
                    if self.corrupt_after is not None and self.device_frames == self.corrupt_after:
                        corrupt_pending = True
            with self.lock:
                target = self.downstream
            if target is not None and out:
                try:
                    target.sendall(bytes(out))
                except OSError:
                    pass

    def close(self) -> None:
        self.stopped = True
        for s in (self.listener, self.upstream, self.downstream):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass

