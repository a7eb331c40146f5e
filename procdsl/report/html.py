"""The HTML report: one self-contained page (inline CSS, script and SVG; nothing fetched) for a set of runs.

Per scenario: the timeline chart (report/svg.py: CPU lanes, process lanes, arrows), the
process tree over time (one snapshot per change, TreeReplay), and every expectation with
its verdict, each linked to the instant it concerns (a click zooms the chart there and
moves its cursor). All text a student controls is escaped; what is drawn is bounded
(svg.MAX_ITEMS, MAX_SNAPSHOTS) and the page says what it left out.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Iterable, Optional

from procdsl import __version__
from procdsl.check.checker import ExpectResult, ScenarioResult
from procdsl.ir.unparse import format_duration
from procdsl.report import svg
from procdsl.report.tree import MAX_CHANGES, TreeReplay, action_text
from procdsl.trace.story import Story

MAX_SNAPSHOTS = MAX_CHANGES      # trees kept per scenario for the tree panel
esc = svg.esc


def _asset(name: str) -> str:
    return resources.files("procdsl.report").joinpath("assets", name).read_text(encoding="utf-8")


def _json_for_script(value) -> str:
    """JSON that cannot end its <script> element early, whatever strings it holds."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def snapshots(story: Story) -> tuple[list[dict], int]:
    """The tree after each change: [{t, action, tree}], at most MAX_SNAPSHOTS, and how many were left out."""
    replay = TreeReplay()
    out = []
    for i, c in enumerate(story.changes):
        if i == MAX_SNAPSHOTS:
            return out, len(story.changes) - i
        replay.apply(c)
        out.append({"t": c.time, "action": action_text(story, c), "tree": "\n".join(replay.lines(False))})
    return out, 0


def verdict(ident: str, passed: bool, text: str, where: str, at: Optional[int], message: str = "",
             explanation: tuple[str, ...] = (), points: str = "") -> str:
    mark = "pass" if passed else "fail"
    details = ""
    if not passed and message:
        details = f'<div class="msg">{esc(message)}</div>'
        if explanation:
            details += f'<pre class="why">{esc(chr(10).join(explanation))}</pre>'
    jump = (f'<button class="jump" data-t="{at}" title="show this moment in the timeline">'
            f'{esc(format_duration(at))}</button> ' if at is not None else "")
    pts = f' <span class="pts">{esc(points)}</span>' if points else ""
    return (f'<li class="verdict {mark}" id="{ident}"{f" data-t={chr(34)}{at}{chr(34)}" if at is not None else ""}>'
            f'{jump}<span class="badge {mark}">{mark.upper()}</span>{pts} {text} '
            f'<span class="where">{esc(where)}</span>{details}</li>')


def _expectation(exp: ExpectResult, ident: str) -> str:
    title = f'<span class="desc">{esc(exp.description)}</span> ' if exp.description else ""
    where = f"{exp.span.file}:{exp.span.line}:{exp.span.col}" if exp.span else ""
    points = f"{exp.points:g}/{exp.max_points:g}" if exp.max_points else ""
    return verdict(ident, exp.passed, f"{title}<code>expect {esc(exp.text)}</code>", where,
                    exp.at if exp.at is not None else 0, exp.message, exp.explanation, points)


def scenario_section(result: ScenarioResult, n: int) -> str:
    ident = f"s{n}"
    status = "pass" if result.passed else "fail"
    head = (f'<section class="scenario {status}" id="{ident}"><h2><span class="badge {status}">{status.upper()}</span> '
            f'{esc(result.title)}</h2><p class="meta">{esc(result.file)} · ended: {esc(result.end_reason)} at '
            f'{esc(format_duration(result.end_time))}</p>')
    parts = [head]
    if result.note:
        parts.append(f'<p class="note">{esc(result.note)}</p>')
    if result.trace is not None:
        story = Story.of(result.trace)
        snaps, left = snapshots(story)
        parts.append('<div class="controls"><button data-zoom="in">zoom in</button><button data-zoom="out">zoom out'
                     '</button><button data-zoom="reset">whole run</button> <span class="hint">wheel: zoom · drag: '
                     'pan · hover: details · click: set the cursor</span></div>')
        parts.append(f'<div class="chart">{svg.chart(story, "", 1100, standalone=False, ident=ident + "-chart")}</div>')
        tree_note = f" ({left} later change(s) not listed, at most {MAX_SNAPSHOTS})" if left else ""
        changes = "".join(f'<li><button class="jump" data-t="{s["t"]}">{esc(format_duration(s["t"]))}</button> '
                          f'{esc(s["action"])}</li>' for s in snaps)
        parts.append(f'<div class="tree-panel"><div><h3>Process tree at <span class="tree-time">the start</span></h3>'
                     f'<pre class="tree"></pre></div><div><h3>Changes{esc(tree_note)}</h3><ol class="changes">'
                     f'{changes}</ol></div></div>')
        parts.append(f'<script type="application/json" class="snapshots">{_json_for_script(snaps)}</script>')
    items = "".join(_expectation(e, f"{ident}-e{i + 1}") for i, e in enumerate(result.expectations))
    parts.append(f'<h3>Expectations</h3><ol class="verdicts">{items or "<li>(none)</li>"}</ol></section>')
    return "".join(parts)


def page(results: Iterable[ScenarioResult], title: str = "procdsl report", intro: str = "") -> str:
    """The whole page for runs checked here: timelines, trees and verdicts per scenario."""
    results = list(results)
    toc = [(r.title, r.passed) for r in results]
    body = "".join(scenario_section(r, i + 1) for i, r in enumerate(results))
    return frame(title, toc, body, intro)


def frame(title: str, toc: list[tuple[str, bool]], body: str, intro: str) -> str:
    passed = sum(1 for _, ok in toc if ok)
    items = "".join(f'<li class="{"pass" if ok else "fail"}"><a href="#s{i + 1}">{esc(name)}</a></li>'
                    for i, (name, ok) in enumerate(toc))
    intro_html = f'<div class="intro">{esc(intro)}</div>' if intro else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="procdsl {esc(__version__)}"><title>{esc(title)}</title>'
            f'<style>{_asset("report.css")}</style></head><body>'
            f'<header><h1>{esc(title)}</h1><p class="summary">{passed} passed, {len(toc) - passed} failed</p>'
            f'{intro_html}<ol class="toc">{items}</ol></header>{body}<div id="tip" role="tooltip"></div>'
            f'<script>{_asset("report.js")}</script></body></html>\n')
