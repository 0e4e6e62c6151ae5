"""Model loading: the only package that imports onnxruntime, faster_whisper, ai_edge_litert and
mediapipe. One cached getter per role in :mod:`models.registry`; nothing loads at import."""
