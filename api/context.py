"""What the routes need from the app: settings, models and pipeline options, set once by
``create_app`` and read through :func:`context`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from pipeline import PipelineOptions
from service.settings import Settings


@dataclass
class ServiceContext:
    settings: Settings
    models: Any  # models.registry.ModelRegistry or a test double with get/status/warm_up
    options: PipelineOptions


def context() -> ServiceContext:
    """The current app's :class:`ServiceContext`."""
    return current_app.extensions["caa"]
