"""Named report sections: the demo section is added, replaced, and kept before the footer."""

from __future__ import annotations

from bakeoff.report import sections


def test_html_section_inserted_before_the_footer_then_replaced():
    page = "<html><body><h1>t</h1>\n" + sections.html("reproducibility", "<h2>Reproducibility</h2>") + "</body>"
    once = sections.put_html(page, "demo", "<h2>Demo</h2>first")
    assert once.index("first") < once.index("<h2>Reproducibility</h2>")
    twice = sections.put_html(once, "demo", "<h2>Demo</h2>second")
    assert "first" not in twice and twice.count("<section id='demo'>") == 1
    assert twice.index("second") < twice.index("<h2>Reproducibility</h2>")
    assert sections.put_html("<body></body>", "demo", "x") == "<body><section id='demo'>\nx\n</section>\n</body>"


def test_markdown_section_inserted_before_the_footer_then_replaced():
    text = "# Report\n\n## Candidates\n\nrows\n\n" + sections.markdown("reproducibility", "## Reproducibility\n\nPy")
    once = sections.put_markdown(text, "demo", "## Demo\n\n| a |")
    assert once.index("## Demo") < once.index("## Reproducibility") and once.startswith("# Report")
    twice = sections.put_markdown(once, "demo", "## Demo\n\n| b |")
    assert "| a |" not in twice and "| b |" in twice and twice.count("## Demo") == 1
    assert twice.rstrip().endswith("Py")
