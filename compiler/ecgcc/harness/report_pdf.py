"""A printable copy of the HTML report: headless Chromium prints it to PDF with the page's print styles,
so the review and approval section starts a page of its own, ready to be signed on paper."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UserError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


def write_pdf(html_path: str | Path, pdf_path: str | Path, timeout: float = 120.0) -> Path:
    binary = find_chromium()
    if binary is None:
        raise UserError("a PDF of the report needs Chromium, which is not installed",
                        "install it (`make system-packages`, or apt-get install chromium), or leave out --pdf")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ecgcc-pdf-") as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}",
                   html_path.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UserError(f"Chromium did not print {html_path} within {timeout:.0f} s",
                            "the HTML report is complete without the PDF; print it from a browser") from None
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise UserError(f"Chromium could not print {html_path} to PDF (exit {done.returncode}): "
                        f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'no message'}",
                        "the HTML report is complete without the PDF; print it from a browser")
    return pdf_path
