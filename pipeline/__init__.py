"""One analysis as a short orchestrator over named stages (``pipeline.run``).

Layer: between the API / job runner above and the analyzers, resume reader and models below.
Nothing here imports Flask or reads configuration: callers pass plain values
(:class:`PipelineOptions`) and a model registry, and may follow progress stage by stage through
a :class:`StageTracker`.
"""

from pipeline.orchestrator import plan_stages, run
from pipeline.progress import STAGE_WEIGHTS, StageTracker, Timings
from pipeline.request import SECTIONS, AnalysisRequest, PipelineOptions, UploadedFile

__all__ = [
    "SECTIONS",
    "STAGE_WEIGHTS",
    "AnalysisRequest",
    "PipelineOptions",
    "StageTracker",
    "Timings",
    "UploadedFile",
    "plan_stages",
    "run",
]
