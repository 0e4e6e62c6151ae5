"""Static int8 quantisation of the facial-expression CNN, without torch (onnx and onnxruntime's
quantisation tools; both in the training environment).

    python -m scripts.face_quantize --requantize models/face_expression/ferplus30_seed13

re-quantises a shipped model in place from its own weights (:func:`dequantize_qdq` recovers the
float graph exactly: every weight of a QDQ model is ``(q - zero_point) * scale``) and reports its
validation accuracy as the fused int8 kernels run it and as exact arithmetic does.

Why ``reduce_range`` (docs/decisions/0024-int8-without-vnni.md): with uint8 activations and int8
weights, onnxruntime's x86-64 kernels on a CPU without VNNI (AVX2 or AVX-512 alone) multiply with
``vpmaddubsw``, whose 16-bit sums saturate; the same model then answers differently by machine
(facial expression 1.1.0 read 58.3 % of CK+ on an AVX2 EPYC and 64.6 % where it was built). Weights
in 7 bits keep every pair sum inside 16 bits, so the fused kernels compute what the graph says on
every CPU, at the same speed.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from scripts.ferplus import load, validation_mask

log = logging.getLogger("face_quantize")
REPO = Path(__file__).resolve().parents[1]
SEED = 7  # fixes the validation split and the calibration faces (as in train_face_expression)
CALIBRATION_FACES = 512


def quantize(float_path: Path, out_path: Path, faces: np.ndarray) -> None:
    """Static int8 quantisation (QDQ, per-channel 7-bit weights, uint8 activations) calibrated
    on ``CALIBRATION_FACES`` training faces (uint8, shape (n, 48, 48)).

    Static rather than dynamic: onnxruntime runs the dynamic form's ConvInteger about 6x slower
    than float, the static form's QLinearConv about 3x faster than float. ``reduce_range``: see
    the module docstring.
    """
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pick = np.random.default_rng(SEED).choice(len(faces), CALIBRATION_FACES, replace=False)
    calib = faces[np.sort(pick)].astype(np.float32)[:, None] / 127.5 - 1.0

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches = iter([{"x": calib[i : i + 32]} for i in range(0, len(calib), 32)])

        def get_next(self):
            return next(self._batches, None)

    pre = float_path.with_suffix(".pre.onnx")
    quant_pre_process(str(float_path), str(pre))
    quantize_static(
        str(pre),
        str(out_path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        reduce_range=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    pre.unlink()


def dequantize_qdq(src: Path, dst: Path) -> None:
    """Write the float graph of a QDQ-quantised CNN: constant DequantizeLinear nodes become float
    initializers, activation QuantizeLinear/DequantizeLinear pairs are removed, and the ReLUs the
    quantiser folded into uint8 clamping (zero point 0) are put back after their Conv (the
    tensors keep their ``Relu_output`` names).

    Raises:
        onnx.checker.ValidationError: the result is not a valid graph.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    alias: dict[str, str] = {}
    weights: dict[str, np.ndarray] = {}
    nodes = []
    for n in graph.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in consts:
            q = consts[n.input[0]].astype(np.float64)
            scale = consts[n.input[1]].astype(np.float64)
            zero = consts[n.input[2]].astype(np.float64) if len(n.input) > 2 else 0.0
            axis = next((helper.get_attribute_value(a) for a in n.attribute if a.name == "axis"), 1)
            if scale.ndim == 1 and q.ndim > 1:
                shape = [1] * q.ndim
                shape[axis] = -1
                scale = scale.reshape(shape)
                zero = np.reshape(zero, shape) if np.ndim(zero) else zero
            weights[n.output[0]] = ((q - zero) * scale).astype(np.float32)
        elif n.op_type == "DequantizeLinear":
            alias[n.output[0]] = producer[n.input[0]].input[0]
        elif n.op_type != "QuantizeLinear":
            nodes.append(n)
            if n.op_type == "Conv" and n.output[0].endswith("Relu_output_0"):
                out = n.output[0]
                n.output[0] = out + "_conv"
                nodes.append(helper.make_node("Relu", [out + "_conv"], [out]))

    def resolve(name: str) -> str:
        while name in alias:
            name = alias[name]
        return name

    for n in nodes:
        for i, name in enumerate(n.input):
            n.input[i] = resolve(name)
    for o in graph.output:
        if o.name in alias:
            nodes.append(helper.make_node("Identity", [resolve(o.name)], [o.name]))
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in weights.items())
    del graph.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def flip_averaged_logits(path: Path, faces: np.ndarray, exact: bool) -> np.ndarray:
    """Logits (n, 7) of an ONNX model, averaged over each face and its mirror image, as the
    service computes them (``exact``: onnxruntime runs QDQ nodes as written, in float, instead
    of fusing them into int8 kernels)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    if exact:
        opts.add_session_config_entry("session.disable_quant_qdq", "1")
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    x = faces.astype(np.float32)[:, None] / 127.5 - 1.0
    out = []
    for i in range(0, len(x), 128):
        b = x[i : i + 128]
        logits = session.run(None, {"x": np.ascontiguousarray(np.concatenate([b, b[..., ::-1]]))})[
            0
        ]
        out.append((logits[: len(b)] + logits[len(b) :]) / 2)
    return np.concatenate(out)


def requantize(model_dir: Path, data: Path) -> dict:
    """Re-quantise ``model_dir``/fer_vgg.onnx in place from its own weights; returns the
    validation accuracy of the old and new files, fused and exact."""
    x, target = load(data)
    y = target.argmax(1)
    val = validation_mask(y)
    onnx_path = model_dir / "fer_vgg.onnx"
    float_path = model_dir / "fer_vgg.float.onnx"
    report = {}
    for stage in ("before", "after"):
        if stage == "after":
            dequantize_qdq(onnx_path, float_path)
            quantize(float_path, onnx_path, x[~val])
            float_path.unlink()
        report[stage] = {
            kind: round(
                float((flip_averaged_logits(onnx_path, x[val], exact).argmax(1) == y[val]).mean()),
                4,
            )
            for kind, exact in (("fused_int8", False), ("exact", True))
        }
        log.info("%s: %s", stage, report[stage])
    return report


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "face_emotion")
    ap.add_argument("--requantize", type=Path, required=True, help="a model directory")
    args = ap.parse_args()
    print(json.dumps(requantize(args.requantize, args.data), indent=2))


if __name__ == "__main__":
    main()
