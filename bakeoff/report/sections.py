"""Named report sections: a later step (``bakeoff demo``) adds or replaces one without re-rendering.

In report.html a section is ``<section id='NAME'>...</section>``; in report.md it starts
with the line ``<!-- section: NAME -->`` and runs to the next such line. :func:`put_html`
and :func:`put_markdown` replace section NAME where it exists, or insert it before the
section named ``before`` (the reproducibility footer by default), or at the end.
"""

from __future__ import annotations

import re

HTML_SECTION = re.compile(r"<section id='([\w-]+)'>.*?</section>\n?", re.S)
MD_MARK = re.compile(r"^<!-- section: ([\w-]+) -->$", re.M)
FOOTER = "reproducibility"


def html(name: str, body: str) -> str:
    """``body`` as section ``name`` of report.html."""
    return f"<section id='{name}'>\n{body}\n</section>\n"


def markdown(name: str, body: str) -> str:
    """``body`` as section ``name`` of report.md."""
    return f"<!-- section: {name} -->\n{body.rstrip()}\n\n"


def put_html(page: str, name: str, body: str, before: str = FOOTER) -> str:
    """``page`` with section ``name`` set to ``body`` (replaced, or inserted before section ``before``)."""
    block = html(name, body)
    found = {m.group(1): m for m in HTML_SECTION.finditer(page)}
    if name in found:
        m = found[name]
        return page[:m.start()] + block + page[m.end():]
    at = found[before].start() if before in found else page.rfind("</body>")
    at = len(page) if at < 0 else at
    return page[:at] + block + page[at:]


def put_markdown(text: str, name: str, body: str, before: str = FOOTER) -> str:
    """``text`` with section ``name`` set to ``body`` (replaced, or inserted before section ``before``)."""
    block = markdown(name, body)
    marks = list(MD_MARK.finditer(text))
    starts = {m.group(1): i for i, m in enumerate(marks)}
    if name in starts:
        i = starts[name]
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        return text[:marks[i].start()] + block + text[end:]
    if before in starts:
        at = marks[starts[before]].start()
        return text[:at] + block + text[at:]
    return text.rstrip() + "\n\n" + block
