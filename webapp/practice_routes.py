"""The candidate's side of the web app: the question bank, recording an answer, the history
with growth and retakes, the CSV export and "delete all my data"."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, session, url_for

from api.auth import tenant
from api.context import context
from api.forms import CANDIDATE_ID
from api.job_routes import create_job
from contracts.errors import AnalysisError
from jobs.files import remove_job_files
from webapp import views
from webapp.questions import load as load_questions
from webapp.routes import bp

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _bank():
    return load_questions(context().settings.question_bank)


def _candidate_or_404(candidate_id: str) -> str:
    if not CANDIDATE_ID.match(candidate_id):
        abort(404)
    return candidate_id


@bp.get("/practice")
def practice():
    """Pick one or several questions; the candidate id is remembered in this browser."""
    return render_template(
        "app/practice.html", bank=_bank(), candidate_id=session.get("candidate_id", "")
    )


@bp.route("/practice/record", methods=["GET", "POST"])
def record():
    """One question of the chosen set: record (or upload) the answer, sent as a job whose
    question and expected answer (the question's key points) come from the bank."""
    bank = _bank()
    chosen = [q for q in (bank.get(i) for i in request.values.getlist("q")) if q is not None]
    if not chosen:
        flash("Choose at least one question.", "error")
        return redirect(url_for("web.practice"))
    question, rest = chosen[0], chosen[1:]
    error = None
    if request.method == "POST":
        try:
            row, candidate = create_job(
                {"question": question.text, "expected_answer": question.expected_answer}
            )
        except AnalysisError as exc:
            error = exc
        else:
            if candidate:
                session["candidate_id"] = candidate
            if rest:
                then = url_for("web.record", q=[q.id for q in rest])
            elif candidate:
                then = url_for("web.history", candidate_id=candidate)
            else:
                then = ""
            return redirect(url_for("web.job", job_id=row.job_id, then=then or None), code=303)
    return render_template(
        "app/record.html",
        question=question,
        rest=rest,
        chosen=chosen,
        error=error,
        form=request.form,
        candidate_id=request.form.get("candidate_id") or session.get("candidate_id", ""),
        require_consent=context().settings.require_consent,
    ), (error.status if error else 200)


@bp.get("/candidates")
def candidates():
    return render_template("app/candidates.html", rows=context().store.candidates(tenant=tenant()))


@bp.get("/candidates/<candidate_id>")
def history(candidate_id: str):
    candidate_id = _candidate_or_404(candidate_id)
    store = context().store
    name = store.candidate_name(candidate_id, tenant=tenant())
    if name is None:
        abort(404)
    # a candidate whose jobs all failed has no report, but their name can still be erased here
    found = store.candidate_history(candidate_id, tenant=tenant())
    return render_template(
        "app/history.html",
        candidate_id=candidate_id,
        name=name or None,
        h=views.history(found),
    )


@bp.get("/candidates/<candidate_id>/history.csv")
def history_csv(candidate_id: str):
    """Every session of the candidate with its measures, one row each (a cell that a
    spreadsheet would read as a formula is prefixed with an apostrophe)."""
    candidate_id = _candidate_or_404(candidate_id)
    if context().store.candidate_name(candidate_id, tenant=tenant()) is None:
        abort(404)
    found = context().store.candidate_history(candidate_id, tenant=tenant())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(views.CSV_COLUMNS)
    for row in views.history_rows(found):
        writer.writerow(
            "'" + c if isinstance(c, str) and c.startswith(CSV_FORMULA_START) else c for c in row
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="history-{candidate_id}.csv"'},
    )


@bp.post("/candidates/<candidate_id>/erase")
def erase(candidate_id: str):
    """Delete every job, report, rating and file of the candidate (the API's erasure)."""
    candidate_id = _candidate_or_404(candidate_id)
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that everything should be deleted.", "error")
        return redirect(url_for("web.history", candidate_id=candidate_id) + "#privacy", code=303)
    ctx = context()
    job_ids = ctx.store.erase_candidate(candidate_id, tenant=tenant())
    if job_ids is None:
        abort(404)
    remove_job_files(ctx.settings.jobs_dir, job_ids)
    if session.get("candidate_id") == candidate_id:
        session.pop("candidate_id")
    flash(f"Everything stored about {candidate_id} is deleted.", "ok")
    return redirect(url_for("web.home"), code=303)
