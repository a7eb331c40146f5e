"""`procdsl grade --format html`: the report's page (report/html.py) with a submission's verdicts."""

from __future__ import annotations

from procdsl.grading.result import Grade, number, student_view
from procdsl.report.html import esc, frame, verdict


def grade_page(grade: Grade, show_hidden: bool = False) -> str:
    """A graded submission as the student may see it: verdicts of the visible checks only (hidden ones
    are one anonymous total). The grader keeps no trace of the sandboxed runs (and a timeline of
    the instructor's scenario would show what its checks look at), so there is no timeline here;
    `procdsl show FILE` draws one of the student's own file."""
    view = student_view(grade, show_hidden)
    score = f"{number(grade.score)}/{number(grade.max_score)} points"
    if not grade.gradable:
        body = (f'<section class="scenario fail"><h2>Not gradable</h2><pre class="why">'
                f'{esc(chr(10).join(grade.diagnostics) or "the submission could not be graded")}</pre></section>')
        return frame(f"{grade.submission}: {score}", [], body, "")
    sections = []
    for n, s in enumerate(view.scenarios, 1):
        status = "pass" if s.passed else "fail"
        items = "".join(verdict(f"s{n}-e{i + 1}", e.passed, esc(e.name), f"{e.file}:{e.line}", None, e.message,
                                 e.explanation, f"{number(e.points)}/{number(e.max_points)}" if e.scored else "")
                        for i, e in enumerate(s.expectations))
        note = f'<p class="note">{esc(s.note)}</p>' if s.note else ""
        sections.append(f'<section class="scenario {status}" id="s{n}"><h2><span class="badge {status}">'
                        f'{status.upper()}</span> {esc(s.name)}</h2><p class="meta">{esc(s.file)}:{s.line}</p>{note}'
                        f'<ol class="verdicts">{items}</ol></section>')
    if view.hidden.count:
        sections.append(f'<p class="hidden-note">{esc(view.hidden.line)}</p>')
    intro = f"score: {score}. To see a scenario's timeline, run `procdsl show FILE` on your own file."
    return frame(f"{grade.submission}: {score}", [(s.name, s.passed) for s in view.scenarios], "".join(sections),
                 intro)
