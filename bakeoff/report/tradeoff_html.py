"""The trade-off table of report.html, readable at any width.

Wide screens get one table that scrolls sideways inside its own box, the rung and candidate
columns pinned on the left, and a hint above it that says how many columns are cut off; past the
page's 1200 px text column the box may reach into the right margin before it scrolls. Below
600 px the table is hidden and the same rows show as one card per candidate, every column
labelled with its header. Both markups are in the page and CSS picks one, so the page reads
right without JavaScript; a tiny inline script only makes the hint exact (how many columns
are cut off, hidden when none are).
"""

from __future__ import annotations

from html import escape

from bakeoff.core.records import Row, Status
from bakeoff.report.format import cells, headers, shown_rows
from bakeoff.report.result import Result

NARROW_PX = 600  # at or below this viewport width the cards replace the table

CSS = f"""
.wide{{--bleed:min(0px,50% - 50vw + 1.2em);margin:.5em var(--bleed) .5em 0;width:fit-content;
max-width:calc(100% - var(--bleed))}} .hint{{margin:0 0 .2em;text-align:right;color:#555;font-size:12px}}
.hint[hidden]{{display:none}}
.wide .scroll{{border:1px solid #ddd;
background:linear-gradient(to left,#fff 40%,rgba(255,255,255,0)) right/32px 100% no-repeat local,
radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.22),rgba(0,0,0,0)) right/12px 100% no-repeat scroll}}
table.tradeoff{{border-collapse:separate;border-spacing:0;margin:0}}
.tradeoff th,.tradeoff td{{border:0;border-right:1px solid #ddd;border-bottom:1px solid #ddd}}
.tradeoff tbody tr:last-child td{{border-bottom:0}} .tradeoff tr>:last-child{{border-right:0}}
.tradeoff .pin{{position:sticky;z-index:1;background:#fff}} .tradeoff th.pin{{background:#f4f4f4;z-index:2}}
.tradeoff tr.chosen .pin{{background:#fff3c4}}
.tradeoff .rung{{left:0;width:3.6em;min-width:3.6em;max-width:3.6em}}
.tradeoff .name{{left:3.6em;box-shadow:3px 0 4px -2px rgba(0,0,0,.25)}}
.tradeoff td.name{{white-space:normal;overflow-wrap:normal;min-width:11em}}
.cards{{display:none;margin:.5em 0}}
.card{{border:1px solid #ddd;border-radius:6px;padding:.4em .7em;margin:0 0 .6em}}
.card.chosen{{background:#fff3c4;border-color:#e0c060}} .card.bad dd{{color:#a33}}
.card dl{{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1em .8em;margin:0;font-size:13px}}
.card dt{{color:#666}} .card dd{{margin:0;overflow-wrap:anywhere}} .card .name{{order:-1}}
.card dd.name{{font-weight:600}}
@media (max-width:{NARROW_PX}px){{.wide{{display:none}} .cards{{display:block}}}}
"""

# Counts the header cells cut off on the right of each table box; hides the hint when none is cut.
SCRIPT = """<script>(function(){
function hint(box){var s=box.querySelector('.scroll'),h=box.querySelector('.hint');if(!s||!h)return;
if(s.scrollWidth<=s.clientWidth+1){h.hidden=true;return;}
var edge=s.getBoundingClientRect().right,n=0,th=s.querySelectorAll('thead th');
for(var i=0;i<th.length;i++){if(th[i].getBoundingClientRect().right>edge+1)n++;}
h.hidden=false;h.textContent=n?'Scroll sideways for '+n+' more column'+(n>1?'s':'')+' \\u2192'
:'\\u2190 Scroll back for the first columns';}
var boxes=document.querySelectorAll('.wide');
function all(){for(var i=0;i<boxes.length;i++)hint(boxes[i]);}
for(var i=0;i<boxes.length;i++){(function(b){var s=b.querySelector('.scroll');
if(s)s.addEventListener('scroll',function(){hint(b);},{passive:true});})(boxes[i]);}
window.addEventListener('resize',all);all();})();</script>"""


def tradeoff(result: Result) -> str:
    """The trade-off table of report.html, in both its wide and its narrow form.

    Args:
        result: The run whose shown rows (not-applicable ones left out) become the table.

    Returns:
        HTML: the sideways-scrolling table (rung and candidate pinned) under its hint, one card
        per candidate for screens of at most :data:`NARROW_PX` px, and the script that makes the
        hint exact. Style it with :data:`CSS`.
    """
    titles = headers(result)
    rows = [(_row_class(result, r), cells(result, r)) for r in shown_rows(result)[0]]
    return "\n".join([_table(titles, rows), _cards(titles, rows), SCRIPT])


def _row_class(result: Result, row: Row) -> str:
    """'chosen' for the chosen candidate, 'bad' for a failed or timed-out one, else ''."""
    if row.name == result.chosen:
        return "chosen"
    return "bad" if row.status in (Status.FAILED, Status.TIMEOUT) else ""


def _pin(index: int) -> str:
    """The class attribute pinning the rung (first) and candidate (second) columns, '' for the rest."""
    return {0: " class='pin rung'", 1: " class='pin name'"}.get(index, "")


def _first(index: int) -> str:
    """The class attribute that puts the candidate (second column) at the top of its card."""
    return " class='name'" if index == 1 else ""


def _table(titles: list[str], rows: list[tuple[str, list[str]]]) -> str:
    """The wide table in its own sideways-scrolling box, under a hint that works without JavaScript too."""
    head = "".join(f"<th scope='col'{_pin(i)}>{escape(t)}</th>" for i, t in enumerate(titles))
    body = [f"<tr class='{cls}'>" + "".join(f"<td{_pin(i)}>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
            for cls, row in rows]
    hint = f"{len(titles)} columns: scroll sideways inside the table for any cut off →"
    return (f"<div class='wide'><p class='hint' aria-hidden='true'>{escape(hint)}</p>"
            "<div class='scroll' tabindex='0' role='region' aria-label='Trade-off table'>"
            f"<table class='tradeoff'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            "</table></div></div>")


def _cards(titles: list[str], rows: list[tuple[str, list[str]]]) -> str:
    """One card per candidate with every column, its header as the label (shown only on narrow screens)."""
    out = ["<div class='cards'>"]
    for cls, row in rows:
        pairs = "".join(f"<dt{_first(i)}>{escape(t)}</dt><dd{_first(i)}>{escape(c) or '—'}</dd>"
                        for i, (t, c) in enumerate(zip(titles, row, strict=True)))
        out.append(f"<div class='{f'card {cls}'.strip()}'><dl>{pairs}</dl></div>")
    return "".join(out) + "</div>"
