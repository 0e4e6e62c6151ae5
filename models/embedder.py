"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) with mean pooling and L2 normalisation.

Source: sentence-transformers/all-MiniLM-L6-v2 model card (Reimers & Gurevych 2019, 384-d,
max 256 word pieces, Apache-2.0); the int8 export matches the fp32 model at cosine >= 0.999.
"""

from __future__ import annotations

import numpy as np

from models import paths

MAX_TOKENS = 256
BATCH = 32
# Attention holds batch x heads x width^2 scores per layer: a batch of eleven 256-piece passages
# (a 10-minute transcript) took +270 MB for 0.8 s. Batches are cut so that batch x width^2
# stays within two full-length passages' worth (measured 2026-12-07: the same passages then
# add a few MB).
ATTENTION_BUDGET = 2 * MAX_TOKENS**2


class SentenceEmbedder:
    name = "all-MiniLM-L6-v2-onnx-int8"
    dim = 384

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Inputs vary in batch and length from call to call; onnxruntime's arena and memory
        # patterns kept every shape's buffers (+0.8 GB per 10-minute transcript): off.
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        self._session = ort.InferenceSession(
            str(paths.minilm_onnx()), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(paths.minilm_tokenizer()))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts.

        Args:
            texts: n strings; longer than 256 word pieces are truncated.

        Returns:
            float32, shape (n, 384), unit L2 norm (so dot product = cosine similarity).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        enc = self._tokenizer.encode_batch(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # batches of similar length: bounded memory, little padding
        lengths = [sum(e.attention_mask) for e in enc]
        order = sorted(range(len(enc)), key=lengths.__getitem__)
        for idx in _batches([lengths[i] for i in order], order):
            width = lengths[idx[-1]]  # sorted: the last is the widest
            ids = np.array([enc[i].ids[:width] for i in idx], dtype=np.int64)
            mask = np.array([enc[i].attention_mask[:width] for i in idx], dtype=np.int64)
            types = np.array([enc[i].type_ids[:width] for i in idx], dtype=np.int64)
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            out[idx] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def _batches(widths: list[int], order: list[int]) -> list[list[int]]:
    """``order`` (indices sorted by ascending width) cut into runs of at most ``BATCH`` whose
    size x (widest member)^2 stays within ``ATTENTION_BUDGET`` (at least one item each)."""
    out: list[list[int]] = []
    start = 0
    while start < len(order):
        end = start + 1
        while (
            end < len(order)
            and end - start < BATCH
            and (end - start + 1) * widths[end] ** 2 <= ATTENTION_BUDGET
        ):
            end += 1
        out.append(order[start:end])
        start = end
    return out
