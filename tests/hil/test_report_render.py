"""Open the HTML report the way a reader does, in a real browser (headless Chromium), and check that the
figures decode and are laid out, the key numbers are on the page, and the page is not blank."""
import html
import json
import re

import numpy as np
import pytest
from PIL import Image

from ecgcc.harness import report
from tests.hil.browser import chromium, dump_dom, screenshot
from tests.hil.synthetic import synthetic_model, synthetic_result, synthetic_vector_set

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed (make system-packages)")

# Appended to a copy of the report only: the report itself carries no script.
PROBE = """
<script>
window.addEventListener("load", function () {
  var images = Array.prototype.map.call(document.images, function (img) {
    var box = img.getBoundingClientRect();
    return {id: img.id, complete: img.complete, natural: [img.naturalWidth, img.naturalHeight],
            shown: [Math.round(box.width), Math.round(box.height)]};
  });
  var text = function (id) { var e = document.getElementById(id); return e ? e.innerText : null; };
  var verdict = document.getElementById("verdict");
  var probe = document.createElement("pre");
  probe.id = "render-probe";
  probe.textContent = JSON.stringify({images: images, verdict: text("verdict"),
    verdictColour: getComputedStyle(verdict).backgroundColor, exact: text("exact-int8"),
    top1: text("top1-agreement"), instructions: text("instructions"), counts: text("vector-counts"),
    criteriaRows: document.querySelectorAll("#criteria tr").length});
  document.body.appendChild(probe);
});
</script>
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    model = synthetic_model(folder / "model")
    vector_set = synthetic_vector_set()
    document = report.build_report(synthetic_result(vector_set, model, corrupt=1), model, vector_set)
    report.write_reports(document, folder / "report.json", folder / "report.html")
    page = folder / "probe.html"
    page.write_text((folder / "report.html").read_text().replace("</body>", PROBE + "</body>"))
    return folder, document, page


def test_browser_decodes_and_lays_out_every_figure(rendered):
    folder, document, page = rendered
    dom = dump_dom(page)
    found = re.search(r'<pre id="render-probe">(.*?)</pre>', dom, re.S)
    assert found, "the probe script did not run: " + dom[-500:]
    probe = json.loads(html.unescape(found.group(1)))
    images = {image["id"]: image for image in probe["images"]}
    assert set(images) == {"error-histogram", "confusion-matrix", "ecg-strip", "instructions-histogram"}
    for name, image in images.items():
        assert image["complete"], name
        assert image["natural"][0] > 300 and image["natural"][1] > 150, f"{name} did not decode: {image}"
        assert image["shown"][0] > 200 and image["shown"][1] > 100, f"{name} is not laid out: {image}"
    assert probe["verdict"] == "FAIL"
    assert probe["verdictColour"] == "rgb(207, 34, 46)"
    assert probe["exact"] == "63 / 64 (98.4%)"
    assert probe["top1"].startswith("60 / 60")
    assert probe["counts"] == "64 / 64 / 64"
    assert probe["instructions"].split(" / ")[0] == "1500000"
    assert probe["criteriaRows"] == len(document["criteria"]) + 1


def test_screenshot_is_not_blank_and_shows_the_verdict_colour(rendered, tmp_path):
    _folder, _document, page = rendered
    shot = screenshot(page, tmp_path / "report.png", height=6000)
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1000
    not_white = (pixels.sum(axis=2) < 720).mean()
    assert not_white > 0.02, "the page rendered (almost) blank"
    red_banner = ((abs(pixels[..., 0] - 207) < 6) & (abs(pixels[..., 1] - 34) < 6) & (abs(pixels[..., 2] - 46) < 6))
    assert red_banner.sum() > 500, "the FAIL banner is not drawn"
    # the figures are drawn too: the confusion matrix shading (matplotlib "Blues", darkest cells)
    dark_blue = (pixels[..., 2] > 90) & (pixels[..., 0] < 40) & (pixels[..., 1] < 80)
    assert dark_blue.sum() > 500, "no figure shading visible"
