"""gunicorn settings used by `make serve`. Each worker loads its models once, when it starts."""

import os

timeout = int(os.environ.get("CAA_REQUEST_TIMEOUT_S", "900"))  # a 10-minute video fits
graceful_timeout = 30
# Threads: a slow upload holds one thread, not the worker; health, resumes, jobs and reports
# answer while an analysis runs (one per worker at a time: api/admission.py).
worker_class = "gthread"
threads = int(os.environ.get("CAA_HTTP_THREADS", "8"))  # validated by Settings (2-64)
# Requests are logged by the app (route, status, time, request id): no path that carries a
# candidate's id, no query string.
accesslog = None


def post_worker_init(worker):
    ctx = worker.wsgi.extensions["caa"]  # the app this worker serves (wsgi:app)
    if ctx.settings.preload_models:
        ctx.models.warm_up(
            emotion_enabled=ctx.settings.emotion_enabled,
            language_check=ctx.settings.language_check,
            posture=ctx.settings.pose_fps > 0,
        )


def on_starting(server):
    """Under service.serve, the API dies with its supervisor (no orphan holds the port)."""
    import signal

    from service.process import die_with_parent, supervised

    parent = supervised()
    if parent is not None:
        die_with_parent(signal.SIGTERM, expected_parent=parent)


def post_fork(server, worker):
    """A worker dies with its master (PR_SET_PDEATHSIG is not inherited across fork): a worker
    still loading its models when the master is stopped would otherwise live on, orphaned."""
    import signal

    from service.process import die_with_parent

    die_with_parent(signal.SIGKILL, expected_parent=server.pid)
