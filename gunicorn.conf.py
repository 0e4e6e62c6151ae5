"""gunicorn settings used by `make serve`. Each worker loads its models once, when it starts."""

import os

timeout = int(os.environ.get("CAA_REQUEST_TIMEOUT_S", "900"))  # a 10-minute video fits
graceful_timeout = 30
worker_class = "sync"
accesslog = "-"


def post_worker_init(worker):
    from api.settings import Settings
    from models.registry import get_registry

    settings = Settings()
    if settings.preload_models:
        get_registry().warm_up(emotion_enabled=settings.emotion_enabled)
