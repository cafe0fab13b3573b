"""report.html in a real browser: nothing cropped at 1280 px or 390 px, cards on a phone, readable plots.

A small real run (binary with a [value] block: the widest trade-off table) writes report.html.
Headless Chromium will not make its window narrower than 500 px, so a host page frames the report
at exactly the widths under test (media queries see the frame's width), each once with its script
and once sandboxed without. A probe script in the host measures every framed page after load and
writes its findings as JSON into ``<pre id="probe">``, read back from ``--dump-dom``; Chromium's
virtual time budget lets the pages load and settle without any sleep. The browser tests skip where
no Chromium or Chrome binary is installed (``apt-get install chromium`` on Debian).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from bakeoff import run
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.export.pack import demo
from bakeoff.report.format import headers, shown_rows

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER = next((path for path in map(shutil.which, BROWSERS) if path), None)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no Chromium or Chrome binary on PATH (looked for "
                                + ", ".join(BROWSERS) + "); on Debian: apt-get install chromium")

WIDTHS = (1280, 390)
FRAMES = [f"{script}{width}" for script in ("js", "nojs") for width in WIDTHS]
MIN_PLOT_TEXT_PX = 11
LONG_NAME = "breast_cancer_" + "x" * 60  # one unbreakable token, far wider than a phone
RAW = {"experiment": {"name": LONG_NAME, "seed": 7}, "data": {"builtin": "breast_cancer"},
       "problem": {"kind": "binary", "target": "benign", "key": "row_id",
                   "split": {"method": "random", "holdout": 0.3, "stratify": True}},
       "score": {"primary": "roc_auc", "bootstrap": 50},
       "cost": {"usd_per_cpu_hour": 0.05, "rows_in_production": 1_000_000, "retrains_per_month": 4,
                "predictions_per_month": 1_000_000},
       "value": {"policy": "threshold", "value_per_true_positive": 2_000.0,
                 "value_per_false_positive": -100_000.0, "population_per_month": 1_000},
       "choose": {"rule": "max_net_value"},
       "ladder": {"include": ["mean", "sql_quantile_buckets", "glm", "decision_tree"]},
       "candidate": [{"name": "sql_quantile_buckets", "family": "sql", "file": "rules/quantile_buckets.sql",
                      "feature": "worst_radius"}]}

# Runs in the host page once every frame has loaded; measures each framed report (script on or off).
PROBE = """<script>
function probe(frame) {
  var win = frame.contentWindow, doc = frame.contentDocument, width = win.innerWidth;
  doc.querySelectorAll('details').forEach(function (d) { d.open = true; });  // SQL, coefficients, comparisons
  var out = {width: width, pageWidth: doc.documentElement.scrollWidth, outside: [], texts: [], svgs: [],
    cards: [], table: null};
  function scrolls(el) {  // inside a box that scrolls sideways
    for (var up = el.parentElement; up; up = up.parentElement) {
      var o = win.getComputedStyle(up).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  }
  function shown(el) { var r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; }
  function past(r) { return r.right > width + 0.5 || r.left < -0.5; }
  doc.body.querySelectorAll('*').forEach(function (el) {
    if (el.ownerSVGElement) return;  // drawn inside a picture, which clips it: the <svg> itself is checked
    var r = el.getBoundingClientRect();
    if ((r.width || r.height) && past(r) && !scrolls(el))
      out.outside.push({tag: el.tagName, left: r.left, right: r.right, text: el.textContent.slice(0, 60)});
  });
  var walk = doc.createTreeWalker(doc.body, win.NodeFilter.SHOW_TEXT), node, range = doc.createRange();
  while ((node = walk.nextNode())) {  // text spilling out of its element's box
    if (!node.textContent.trim() || node.parentElement.closest('svg')) continue;
    range.selectNodeContents(node);
    var b = range.getBoundingClientRect();
    if (past(b) && !scrolls(node))
      out.outside.push({tag: '#text', left: b.left, right: b.right, text: node.textContent.slice(0, 60)});
  }
  doc.querySelectorAll('svg text').forEach(function (t) {
    var m = t.getScreenCTM(), text = t.textContent.trim();
    if (text && shown(t)) out.texts.push({text: text.slice(0, 40),
      px: parseFloat(win.getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)});
  });
  doc.querySelectorAll('.plot > svg').forEach(function (s) { out.svgs.push(s.getBoundingClientRect().width); });
  doc.querySelectorAll('.card').forEach(function (card) {
    var pairs = card.querySelectorAll('dt, dd'), all = pairs.length > 0;
    pairs.forEach(function (el) { all = all && shown(el) && !past(el.getBoundingClientRect()); });
    out.cards.push({shown: shown(card) && all,
      labels: Array.prototype.map.call(card.querySelectorAll('dt'), function (d) { return d.textContent; })});
  });
  var box = doc.querySelector('.wide .scroll'), hint = doc.querySelector('.wide .hint');
  if (box && shown(box)) {
    var rung = box.querySelector('th.rung'), name = box.querySelector('th.name');
    var t = {overflows: box.scrollWidth > box.clientWidth + 1, hint: shown(hint) ? hint.textContent : '',
      sticky: win.getComputedStyle(name).position, columns: box.querySelectorAll('thead th').length};
    box.scrollLeft = box.scrollWidth;
    t.scrolled = box.scrollLeft;
    t.rungLeft = rung.getBoundingClientRect().left - box.getBoundingClientRect().left - box.clientLeft;
    t.nameLeft = name.getBoundingClientRect().left - rung.getBoundingClientRect().right;
    out.table = t;
  }
  return out;
}
window.addEventListener('load', function () {
  var found = {}, pre = document.createElement('pre');
  document.querySelectorAll('iframe').forEach(function (frame) { found[frame.id] = probe(frame); });
  pre.id = 'probe';
  pre.textContent = JSON.stringify(found);
  document.body.appendChild(pre);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    """A small real run (with a demo section appended, as ``bakeoff demo`` does) and its report.html."""
    out = tmp_path_factory.mktemp("layout") / "run"
    result = run(experiment_from_dict(RAW), out=out, checkpoint_dir=out.parent / "ck", history=None)
    demo(out, "glm", per_case=2)
    return result, (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def probed(report: tuple[Any, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What the probe measured in each frame, by frame id (``js1280``, ``nojs390``, ...).

    One Chromium start loads a host page framing the report once per width of :data:`WIDTHS`,
    with its script allowed (``js``) and with the frame sandboxed so that no script runs (``nojs``).
    """
    folder = tmp_path_factory.mktemp("browser")
    page = html.escape(report[1])
    frames = "".join(f"<iframe id='{js}{width}' {'' if js == 'js' else 'sandbox=allow-same-origin '}"
                     f"style='display:block;border:0;width:{width}px;height:900px' srcdoc=\"{page}\"></iframe>"
                     for js in ("js", "nojs") for width in WIDTHS)
    host = folder / "host.html"
    host.write_text(f"<!doctype html><html><body style='margin:0'>{frames}{PROBE}</body></html>", encoding="utf-8")
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={folder / 'profile'}", f"--window-size={max(WIDTHS) + 20},900",
               "--virtual-time-budget=3000", "--dump-dom", host.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no probe output from Chromium (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@needs_browser
@pytest.mark.parametrize("frame", FRAMES)
def test_nothing_sticks_out_of_the_viewport(probed, frame):
    seen = probed[frame]
    assert seen["width"] == int(frame.removeprefix("no").removeprefix("js")), "the frame is not as wide as asked"
    assert seen["outside"] == [], f"past the viewport in {frame}, outside any box that scrolls sideways"
    assert seen["pageWidth"] <= seen["width"]


@needs_browser
@pytest.mark.parametrize("script", ["js", "nojs"])
def test_wide_screen_shows_the_table_with_its_candidate_column_pinned(probed, report, script):
    result, _ = report
    seen = probed[f"{script}1280"]["table"]
    assert seen is not None, "the trade-off table is hidden at 1280 px"
    assert seen["columns"] == len(headers(result)) and seen["sticky"] == "sticky"
    assert seen["overflows"], "the widest table fits 1280 px: the scrolling below is not exercised"
    hint = r"Scroll sideways for \d+ more columns? →" if script == "js" else r"\d+ columns: scroll sideways .*→"
    assert re.fullmatch(hint, seen["hint"]), seen["hint"]
    assert seen["scrolled"] > 0
    assert abs(seen["rungLeft"]) <= 1 and abs(seen["nameLeft"]) <= 1  # pinned while scrolled to the end
    assert all(not card["shown"] for card in probed[f"{script}1280"]["cards"])


@needs_browser
@pytest.mark.parametrize("script", ["js", "nojs"])
def test_phone_shows_one_card_per_candidate_with_every_column(probed, report, script):
    result, _ = report
    seen = probed[f"{script}390"]
    assert seen["table"] is None, "the wide table still shows at 390 px"
    assert len(seen["cards"]) == len(shown_rows(result)[0])
    for card in seen["cards"]:
        assert card["shown"] and card["labels"] == headers(result)


@needs_browser
def test_plots_keep_their_width_on_a_phone(probed):
    assert probed["js390"]["svgs"] and all(width >= 560 - 0.5 for width in probed["js390"]["svgs"])


@needs_browser
def test_plot_text_is_readable_on_a_phone(probed):
    texts = probed["js390"]["texts"]
    small = [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < MIN_PLOT_TEXT_PX - 0.05]
    assert texts and small == [], f"SVG text under {MIN_PLOT_TEXT_PX} px at 390 px: {small}"


def test_without_a_browser_the_markup_has_the_hint_the_pinned_columns_and_the_cards(report):
    result, page = report
    body = page[page.index("<div class='wide'>"):]
    assert re.match(r"<div class='wide'><p class='hint'[^>]*>\d+ columns: scroll sideways", body)
    assert "<th scope='col' class='pin rung'>rung</th><th scope='col' class='pin name'>candidate</th>" in body
    assert len(re.findall(r"<div class='card( \w+)?'>", page)) == len(shown_rows(result)[0])
    assert page.count("<div class='plot'><svg") >= 3
