"""The WSGI application gunicorn serves (``wsgi:app``), built from the ``CAA_*`` settings."""

from app import create_app

app = create_app()
