"""Boards on other machines through labgrid: a place (or a target of a labgrid environment file) whose
NetworkSerialPort is the board's serial line becomes a pyserial URL, and several places become the
boards of a `--jobs` run. An exporter publishes a real board's USB serial port through ser2net
(rfc2217) or an emulated board's TCP serial port as a NetworkSerialPort (protocol raw).

Places named with --lg-place are acquired here and released at the end; the targets of an --lg-env file
use places the user has acquired, as labgrid's own pytest plugin expects."""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator, Sequence

from ..errors import UserError

DEFAULT_COORDINATOR = "127.0.0.1:20408"


def _require_labgrid():
    try:
        import labgrid  # noqa: F401
    except ModuleNotFoundError:
        raise UserError("labgrid is not installed", hint="pip install labgrid") from None


def serial_url(resource) -> str:
    """The pyserial URL of a labgrid NetworkSerialPort."""
    scheme = {"raw": "socket", "rfc2217": "rfc2217"}.get(resource.protocol)
    if scheme is None:
        raise UserError(f"NetworkSerialPort {resource.host}:{resource.port} speaks {resource.protocol!r}; "
                        "ecgcc reaches raw and rfc2217 ports")
    return f"{scheme}://{resource.host}:{resource.port}"


def _client(coordinator: str, place: str, *command: str) -> None:
    done = subprocess.run([sys.executable, "-m", "labgrid.remote.client", "-x", coordinator, "-p", place, *command],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise UserError(f"labgrid place {place}: {command[0]} failed: {message[-1] if message else done.returncode}",
                        hint=f"check the place with `labgrid-client -x {coordinator} -p {place} show`")


def _place_url(coordinator: str, place: str) -> str:
    from labgrid import Target
    from labgrid.resource import RemotePlace
    from labgrid.resource.serialport import NetworkSerialPort

    previous = os.environ.get("LG_COORDINATOR")
    os.environ["LG_COORDINATOR"] = coordinator  # RemotePlace finds its coordinator here
    target = Target(f"ecgcc-{place}")
    try:
        RemotePlace(target, name=place)
        return serial_url(target.get_resource(NetworkSerialPort))
    finally:
        target.cleanup()
        if previous is None:
            os.environ.pop("LG_COORDINATOR", None)
        else:
            os.environ["LG_COORDINATOR"] = previous


@contextmanager
def place_urls(places: Sequence[str], coordinator: str | None = None) -> Iterator[list[str]]:
    """Acquires each place, yields the serial URLs of their boards in the order of `places`, releases them."""
    _require_labgrid()
    coordinator = coordinator or os.environ.get("LG_COORDINATOR") or DEFAULT_COORDINATOR
    acquired: list[str] = []
    try:
        for place in places:
            _client(coordinator, place, "acquire")
            acquired.append(place)
        yield [_place_url(coordinator, place) for place in places]
    finally:
        for place in acquired:
            try:
                _client(coordinator, place, "release")
            except UserError as error:
                print(f"warning: {error}", file=sys.stderr)


def environment_urls(env_file: str) -> list[str]:
    """The serial URL of every target in a labgrid environment file, in the file's order."""
    _require_labgrid()
    from labgrid import Environment
    from labgrid.resource.serialport import NetworkSerialPort

    environment = Environment(env_file)
    urls = []
    for name in environment.config.get_targets():
        target = environment.get_target(name)
        urls.append(serial_url(target.get_resource(NetworkSerialPort)))
    environment.cleanup()
    return urls


@contextmanager
def labgrid_ports(places: str | None, env_file: str | None, coordinator: str | None) -> Iterator[tuple[str, ...]]:
    """What --lg-place / --lg-env / --lg-coordinator name, as ports for --port; empty when neither is given."""
    if places and env_file:
        raise UserError("give --lg-place or --lg-env, not both")
    if env_file:
        yield tuple(environment_urls(env_file))
    elif places:
        with place_urls([p.strip() for p in places.split(",") if p.strip()], coordinator) as urls:
            yield tuple(urls)
    else:
        yield ()


def add_labgrid_arguments(parser) -> None:
    parser.add_argument("--lg-place", metavar="PLACE[,PLACE...]",
                        help="labgrid places whose NetworkSerialPort is a board (acquired for the run, then released)")
    parser.add_argument("--lg-env", metavar="ENV.yaml",
                        help="labgrid environment file: every target's NetworkSerialPort is a board")
    parser.add_argument("--lg-coordinator", metavar="HOST:PORT",
                        help=f"labgrid coordinator (default: $LG_COORDINATOR or {DEFAULT_COORDINATOR})")
