"""Train the project's facial-expression classifier on FER+ (the FER2013 training images with
ten annotators' votes each) and export it to ONNX (run in a training environment with torch:
`make train-face-expression`).

    python -m scripts.train_face_expression [--data ../shared/data/face_emotion] [--epochs 30]

Model: a 1.2 M-parameter VGG-style CNN (4 conv blocks with batch norm, global average pooling),
48x48 grey input scaled to [-1, 1], 7 outputs in the canonical label order. Targets: the vote
distribution over the seven canonical labels (Barsoum et al. 2016, "Training Deep Networks for
Facial Expression Recognition with Crowd-Sourced Label Distribution": the probability-
distribution loss), votes for contempt, unknown and not-a-face left out; an image is kept when
the seven labels hold more than half of its votes (see :func:`load`). Training: ferplus/train
minus a 10 % validation part (stratified by majority label, fixed seed) used only for the epoch
report and the temperature (calibration); random horizontal flips, random crops after 4 px
padding, random scale/shift of the face box (+-8 %, because the service crops faces from
landmarks, not like FER2013's detector), soft-target cross-entropy, AdamW + one-cycle schedule.
The test sets (ferplus/test, fer2013/, ckplus48/) are never read here.

Writes <out-dir>/fer_vgg.onnx (static int8: scripts/face_quantize.py) and
<out-dir>/training.json; `make train-face-expression` trains the shipped model (seed 13, 30
epochs, ~75-90 minutes on 2 cores) and writes models/face_expression/ensemble.json with
scripts/compare_face_models.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from bench.metrics import fit_temperature
from scripts.face_quantize import quantize
from scripts.ferplus import load, validation_mask

LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "models" / "face_expression" / "ferplus30_seed13"
INIT_SEED = 13  # the shipped model (the validation split and calibration faces: fixed seed 7)
log = logging.getLogger("train_face_expression")


def block(cin: int, cout: int, n: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(n):
        layers += [
            nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        ]
    return layers + [nn.MaxPool2d(2)]


class FerNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            *block(1, 32, 2), *block(32, 64, 2), *block(64, 128, 2), *block(128, 256, 2)
        )
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, 7)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def augment(batch: torch.Tensor) -> torch.Tensor:
    """Flips, +-8 % scale/shift of the face box, 4 px crops; batch (n, 1, 48, 48) in [-1, 1]."""
    n = batch.shape[0]
    flip = torch.rand(n) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(-1), batch)
    scale = 1 + (torch.rand(n) * 2 - 1) * 0.08
    shift = (torch.rand(n, 2) * 2 - 1) * 0.08
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = scale
    theta[:, 1, 1] = scale
    theta[:, :, 2] = shift
    grid = nn.functional.affine_grid(theta, batch.shape, align_corners=False)
    batch = nn.functional.grid_sample(batch, grid, padding_mode="border", align_corners=False)
    padded = nn.functional.pad(batch, (4, 4, 4, 4), mode="replicate")
    i, j = random.randint(0, 8), random.randint(0, 8)
    return padded[:, :, i : i + 48, j : j + 48]


def to_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x.astype(np.float32) / 127.5 - 1.0)[:, None]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "face_emotion")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--init-seed", type=int, default=INIT_SEED, help="weights and augmentation")
    ap.add_argument("--out-dir", type=Path, default=OUT)
    ap.add_argument("--keep-float", action="store_true", help="keep fer_vgg.float.onnx")
    ap.add_argument(
        "--logit-adjusted-loss",
        type=float,
        default=0.0,
        metavar="TAU",
        help="train on logits + TAU * log(training prior) (Menon et al. 2021, logit-adjusted "
        "loss); the exported network's own logits are then the prior-free ones. 0: plain",
    )
    ap.add_argument(
        "--quantize-only",
        type=Path,
        help="only quantise this float ONNX export into --out-dir (no training)",
    )
    args = ap.parse_args()
    if args.quantize_only:
        x, target = load(args.data)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        train = ~validation_mask(target.argmax(1))
        quantize(args.quantize_only, args.out_dir / "fer_vgg.onnx", x[train])
        return
    torch.manual_seed(args.init_seed)
    random.seed(args.init_seed)
    np.random.seed(args.init_seed)
    torch.set_num_threads(2)
    x, target = load(args.data)
    y = target.argmax(1)  # majority label (first on ties): stratification and validation
    val = validation_mask(y)
    xt, yt, xv, yv = (
        to_tensor(x[~val]),
        torch.from_numpy(target[~val]),
        to_tensor(x[val]),
        torch.from_numpy(y[val]),
    )
    log.info("train %d, validation %d", len(yt), len(yv))
    model = FerNet()
    log.info("parameters: %d", sum(p.numel() for p in model.parameters()))
    steps = args.epochs * ((len(yt) + args.batch - 1) // args.batch)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()  # with probability targets: the soft-label cross-entropy
    # logit-adjusted loss: the rare expressions' logits need not carry their rarity
    offset = args.logit_adjusted_loss * torch.log(yt.float().mean(0))
    log.info("logit-adjusted loss: tau %.2f, offset %s", args.logit_adjusted_loss, offset.tolist())
    history = []
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(yt))
        total = 0.0
        for b in range(0, len(yt), args.batch):
            idx = perm[b : b + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(augment(xt[idx])) + offset, yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        logits = predict(model, xv)
        acc = float((logits.argmax(1) == yv).float().mean())
        history.append(
            {
                "epoch": epoch + 1,
                "train_loss": round(total / len(yt), 4),
                "val_accuracy": round(acc, 4),
                "elapsed_s": round(time.time() - t0),
            }
        )
        log.info("%s", history[-1])
    logits = predict(model, xv)
    temperature = fit_temperature(logits.numpy(), yv.numpy())
    args.out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    float_path = args.out_dir / "fer_vgg.float.onnx"
    torch.onnx.export(
        model,
        torch.zeros(1, 1, 48, 48),
        float_path,
        input_names=["x"],
        output_names=["logits"],
        dynamic_axes={"x": {0: "n"}, "logits": {0: "n"}},
        dynamo=False,
    )
    quantize(float_path, args.out_dir / "fer_vgg.onnx", x[~val])
    if not args.keep_float:
        float_path.unlink()
    (args.out_dir / "training.json").write_text(
        json.dumps(
            {
                "data": "FER+ training split (../shared/data/face_emotion/ferplus/train), "
                "vote distributions over the seven canonical labels (contempt, unknown, NF "
                "votes left out; images kept where those seven hold > half the votes), "
                "90 % train / 10 % validation stratified by majority label, seed 7",
                "validation_metric": "accuracy against the majority label (first on ties)",
                "n_train": int(len(yt)),
                "n_validation": int(len(yv)),
                "epochs": args.epochs,
                "logit_adjusted_loss_tau": args.logit_adjusted_loss,
                "history": history,
                "temperature": round(temperature, 4),
                "labels": list(LABELS),
                "input": "1x1x48x48 float32, grey / 127.5 - 1, flip-averaged",
            },
            indent=2,
        )
        + "\n"
    )
    log.info("done in %.0f s; temperature %.3f", time.time() - t0, temperature)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Logits averaged over the image and its mirror image (test-time flip)."""
    model.eval()
    out = []
    for b in range(0, len(x), 512):
        xb = x[b : b + 512]
        out.append((model(xb) + model(xb.flip(-1))) / 2)
    return torch.cat(out)


if __name__ == "__main__":
    main()
