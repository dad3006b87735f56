"""Train fashion-clip-mini: a small CLIP trained contrastively on the
Fashion-MNIST train split, exported in the transformers.js layout.
See README.md in this folder.

    /usr/bin/python3 tools/train-mini-clip/train.py                 # -> models/fashion-clip-mini/
    /usr/bin/python3 tools/train-mini-clip/train.py --steps 50 --out /tmp/smoke
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "fixtures"))
sys.path.insert(0, str(HERE.parent / "make-mosaics"))
import captions as cap  # noqa: E402
import clip_export as ce  # noqa: E402
import mosaics as mos  # noqa: E402

ROOT = ce.ROOT
DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
# The model sees 56 x 56: a 2x2 mosaic (56 px) at full resolution, a single
# 28 px item upscaled by the harness (Pillow bicubic). See README.md.
SOURCE_SIZE = 28
IMAGE_SIZE = 56
PATCH_SIZE = 14
MOSAIC_DIR = ROOT / "datasets" / "fashion-mosaics"
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]

# Prompt sets evaluated in Python at the end (the harness gives the official numbers).
EVAL_SETS = {
    "basic": ["a photo of a {label}."],
    "label-only": ["{label}"],
    "catalogue (held out)": ["a product photo of {a_lower}, on a plain background."],
    "held-out templates": ["a cropped photo of the {label}.", "here is {a_label} in the shop window",
                           "{label} worn once, like new", "an image showing {a_label}."],
}


def model_config(tower: str = "conv", patch_size: int = PATCH_SIZE) -> ce.ClipConfig:
    """conv (shipped): three stride-2 conv-BN-ReLU stages 56 -> 7 x 7 and CLIP's
    attention pooling; vit: the earlier 4-layer ViT (patch_size 14: 16 patches)."""
    if tower == "conv":
        vision = ce.ConvVisionConfig(widths=(24, 32, 64), strides=(2, 2, 2), hidden_size=64,
                                     num_attention_heads=4, image_size=IMAGE_SIZE)
    else:
        vision = ce.VisionConfig(hidden_size=64, num_hidden_layers=4, num_attention_heads=4,
                                 intermediate_size=256, image_size=IMAGE_SIZE, patch_size=patch_size)
    return ce.ClipConfig(
        text=ce.TextConfig(hidden_size=64, num_hidden_layers=3, num_attention_heads=4,
                           intermediate_size=256, factored_embedding=True),
        vision=vision,
        projection_dim=64,
    )


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=3600)
    p.add_argument("--batch-size", type=int, default=144)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--warmup", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--vision-tower", choices=("conv", "vit"), default="conv")
    p.add_argument("--patch-size", type=int, default=PATCH_SIZE, help="ViT patch (56 px images; --vision-tower vit)")
    p.add_argument("--mosaics-per-batch", type=int, default=16,
                   help="2x2 train-split mosaics in each batch (the rest are single items)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--out", type=Path, default=ROOT / "models" / "fashion-clip-mini")
    p.add_argument("--build-dir", type=Path, default=HERE / "build")
    p.add_argument("--reference", type=Path, default=ce.DEFAULT_REFERENCE_DIR)
    p.add_argument("--no-export", action="store_true")
    return p.parse_args(argv)


# ---------------------------------------------------------------- data


def read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
    images = read_idx(DATA_DIR / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(DATA_DIR / f"{prefix}-labels-idx1-ubyte.gz")
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def upscale(images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] -> [N, 56, 56], what the harness feeds a 28 px image
    at size 56: Pillow 9.4 bicubic (its resize to shortest edge 56; the crop
    is then the whole image). Checked against bench preview --dump-tensor."""
    out = np.empty((len(images), IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for i, a in enumerate(images):
        out[i] = np.asarray(Image.fromarray(a, "L").resize((IMAGE_SIZE, IMAGE_SIZE), Image.BICUBIC))
    return out


def pixel_table() -> torch.Tensor:
    """[3, 256] float32: the harness's (v/255 - mean)/std, each step rounded to
    float32 (src/model/preprocess.ts), grey replicated to RGB. Applied to
    56 x 56 uint8 images (upscale() for single items; a mosaic is already 56
    px, and Pillow skips a pass whose size does not change)."""
    v = (np.arange(256, dtype=np.float64) / 255).astype(np.float32)
    rows = [(v - np.float32(m)) / np.float32(s) for m, s in zip(MEAN, STD)]
    return torch.from_numpy(np.stack(rows).astype(np.float32))


def to_pixels(u8: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """uint8 [B, 56, 56] -> float32 [B, 3, 56, 56]."""
    idx = u8.long()
    return torch.stack([table[c][idx] for c in range(3)], dim=1)


# ---------------------------------------------------------------- mosaics


def train_mosaics(labels: np.ndarray, count: int, seed: int):
    """count train-split mosaics: source indices [count, 4] and one caption
    each (one of the five mosaics.captions() writes), from their own RNG so
    the single-item stream is independent of the mosaic count."""
    rng = np.random.default_rng([seed, 1])
    picks, texts = np.empty((count, 4), dtype=np.int64), []
    for m in range(count):  # one at a time: the first n mosaics do not depend on count
        picks[m] = mos.sample_mosaics(labels, 1, rng)[0]
        five = mos.captions(labels[picks[m]].tolist(), rng)
        texts.append(five[int(rng.integers(5))])
    return picks, texts


def load_mosaic_eval():
    """The bundled retrieval set (test-split mosaics) for the PyTorch check."""
    coco = json.loads((MOSAIC_DIR / "captions.json").read_text())
    ids = [im["id"] for im in coco["images"]]
    images = np.stack([np.asarray(Image.open(MOSAIC_DIR / "images" / im["file_name"]).convert("L"))
                       for im in coco["images"]])
    pos = {i: k for k, i in enumerate(ids)}
    texts = [a["caption"] for a in coco["annotations"]]
    owner = np.array([pos[a["image_id"]] for a in coco["annotations"]])
    return images, texts, owner


@torch.no_grad()
def retrieval(model, images_u8: np.ndarray, texts: list[str], owner: np.ndarray, tokens: dict, table) -> dict:
    img = F.normalize(model.get_image_features(to_pixels(torch.from_numpy(images_u8), table)), dim=-1)
    txt = F.normalize(torch.cat([model.get_text_features(pad([tokens[t] for t in texts[i:i + 500]]))
                                 for i in range(0, len(texts), 500)]), dim=-1)
    sim = img @ txt.t()  # [images, texts]
    own = torch.from_numpy(owner)
    res = {}
    for k in (1, 5, 10):
        top_t = sim.topk(k, dim=1).indices  # texts per image
        res[f"text_retrieval_recall@{k}"] = float((own[top_t] == torch.arange(len(img))[:, None]).any(1).float().mean())
        top_i = sim.t().topk(k, dim=1).indices  # images per text
        res[f"image_retrieval_recall@{k}"] = float((top_i == own[:, None]).any(1).float().mean())
    return res


# ---------------------------------------------------------------- tokens


def eval_prompts() -> list[str]:
    names = [c for c in cap.CLASSES] + cap.HELD_OUT_NAMES
    out = set()
    for templates in EVAL_SETS.values():
        for t in templates:
            for n in names:
                out.add(render_eval(t, n))
    return sorted(out)


def render_eval(t: str, label: str) -> str:
    return (t.replace("{label}", label).replace("{a_label}", cap.article(label))
            .replace("{a_lower}", cap.article(label.lower())))


def tokenize_all(texts: list[str], build_dir: Path) -> dict[str, list[int]]:
    """Ids from the harness itself (bench tokenize), cached by content hash."""
    build_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    cache = build_dir / f"tokens-{digest}.json"
    if not cache.exists():
        t0 = time.monotonic()
        res = subprocess.run(
            ["node", str(ROOT / "bin" / "bench.js"), "tokenize", "--model",
             str(ROOT / "tools" / "fixtures" / "clip-tokenizer"), "--stdin-json"],
            input=json.dumps(texts), capture_output=True, text=True, check=True, cwd=ROOT)
        rows = json.loads(res.stdout)
        assert [r["text"] for r in rows] == texts
        assert not any(r["truncated"] for r in rows)
        cache.write_text(json.dumps({r["text"]: r["ids"] for r in rows}))
        print(f"tokenized {len(texts):,} strings with bench tokenize in {time.monotonic() - t0:.1f} s -> {cache}")
    return json.loads(cache.read_text())


def pad(ids_list: list[list[int]]) -> torch.Tensor:
    return ce.pad_ids(ids_list, 0)


# ---------------------------------------------------------------- training


def contrastive_loss(img: torch.Tensor, txt: torch.Tensor, labels: torch.Tensor,
                     informative: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Label-aware CLIP loss: image i and caption j are a positive pair when
    j is i's own caption, or j names a class word and both are of one class.
    Vague captions are positives only for their own image."""
    img = F.normalize(img, dim=-1)
    txt = F.normalize(txt, dim=-1)
    logits = scale.exp() * img @ txt.t()
    same = (labels[:, None] == labels[None, :]) & informative[None, :]
    pos = (same | torch.eye(len(labels), dtype=torch.bool)).float()
    i2t = -(F.log_softmax(logits, dim=1) * pos / pos.sum(1, keepdim=True)).sum(1).mean()
    t2i = -(F.log_softmax(logits, dim=0) * pos / pos.sum(0, keepdim=True)).sum(0).mean()
    return (i2t + t2i) / 2


def param_groups(model: torch.nn.Module, wd: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.ndim >= 2 and "embedding" not in name:
            decay.append(p)
        else:
            no_decay.append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step: int, args) -> float:
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * 0.5 * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def image_embeddings(model, images_u8: torch.Tensor, table: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    out = [model.get_image_features(to_pixels(images_u8[i:i + batch], table)) for i in range(0, len(images_u8), batch)]
    return F.normalize(torch.cat(out), dim=-1)


@torch.no_grad()
def zero_shot(model, img_emb: torch.Tensor, labels: torch.Tensor, tokens: dict, templates: list[str],
              names: list[str]) -> float:
    vecs = []
    for n in names:
        e = F.normalize(model.get_text_features(pad([tokens[render_eval(t, n)] for t in templates])), dim=-1)
        vecs.append(F.normalize(e.mean(0), dim=-1))
    pred = (img_emb @ torch.stack(vecs).t()).argmax(1)
    return float((pred == labels).float().mean())


def evaluate(model, img_emb, labels, tokens) -> dict:
    res = {}
    for name, templates in EVAL_SETS.items():
        res[name] = zero_shot(model, img_emb, labels, tokens, templates, cap.CLASSES)
    res["held-out names, basic"] = zero_shot(model, img_emb, labels, tokens, EVAL_SETS["basic"], cap.HELD_OUT_NAMES)
    return res


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    t_start = time.monotonic()

    train_x28, train_y = load_split("train")
    test_x28, test_y = load_split("t10k")
    n_single = args.batch_size - args.mosaics_per_batch
    n_mos_total = args.steps * args.mosaics_per_batch
    mos_picks, mos_texts = train_mosaics(train_y.numpy(), n_mos_total, args.seed)
    mos_eval_images, mos_eval_texts, mos_eval_owner = load_mosaic_eval()

    captions = cap.all_captions()
    prompts = eval_prompts()
    tokens = tokenize_all(sorted(set(captions) | set(prompts) | set(mos_texts) | set(mos_eval_texts)),
                          args.build_dir)
    print(f"{len(captions):,} distinct single-item captions, {n_mos_total:,} train mosaics "
          f"({len(set(mos_texts)):,} distinct captions), {len(prompts)} evaluation prompts")

    t0 = time.monotonic()
    train_x = torch.from_numpy(upscale(train_x28.numpy()))
    test_x = torch.from_numpy(upscale(test_x28.numpy()))
    train_x28_np = train_x28.numpy()
    print(f"upscaled 70,000 images 28->56 with Pillow bicubic in {time.monotonic() - t0:.1f} s")
    table = pixel_table()

    cfg = model_config(args.vision_tower, args.patch_size)
    model = ce.build_model(cfg, args.seed).train()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params:,} ({n_params * 4 / 1e6:.2f} MB float32)")

    torch.manual_seed(args.seed)
    opt = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    rng = np.random.RandomState(args.seed)  # data order and captions
    n = len(train_y)
    steps_per_epoch = n // n_single
    order, caps_epoch, inf_epoch = None, None, None
    t_train = time.monotonic()
    running, loss_trace = [], []
    for step in range(args.steps):
        k = step % steps_per_epoch
        if k == 0:
            order = rng.permutation(n)
            caps_epoch, inf_epoch = cap.captions_for_epoch(train_y.numpy()[order], rng)
        sl = slice(k * n_single, (k + 1) * n_single)
        idx = torch.from_numpy(order[sl])
        msl = slice(step * args.mosaics_per_batch, (step + 1) * args.mosaics_per_batch)
        mos_u8 = np.stack([mos.compose(train_x28_np[p]) for p in mos_picks[msl]]
                          or [np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8)]).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        pixels = to_pixels(torch.cat([train_x[idx], torch.from_numpy(mos_u8)]), table)
        # Embed each distinct caption of the batch once, then gather; single-item
        # and mosaic captions in two text batches (each padded to its own longest).
        feats = []
        for batch_caps in (caps_epoch[sl], mos_texts[msl]):
            if not batch_caps:
                continue
            uniq = sorted(set(batch_caps))
            where = {c: i for i, c in enumerate(uniq)}
            gather = torch.tensor([where[c] for c in batch_caps])
            feats.append(model.get_text_features(pad([tokens[c] for c in uniq]))[gather])
        # A mosaic holds several classes: its caption is a positive for its own
        # image only (a label no single item has, and not "informative").
        n_m = len(mos_u8)
        labels = torch.cat([train_y[idx], torch.arange(10, 10 + n_m)])
        informative = torch.cat([torch.from_numpy(inf_epoch[sl]), torch.zeros(n_m, dtype=torch.bool)])
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        loss = contrastive_loss(model.get_image_features(pixels), torch.cat(feats),
                                labels, informative, model.logit_scale)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        running.append(loss.item())
        loss_trace.append(running[-1])
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            el = time.monotonic() - t_train
            print(f"step {step + 1:5d}/{args.steps}  epoch {(step + 1) / steps_per_epoch:5.2f}  "
                  f"loss {np.mean(running):.4f}  logit_scale {model.logit_scale.exp().item():6.2f}  "
                  f"lr {lr_at(step, args):.2e}  {el:6.0f} s", flush=True)
            running = []
    train_seconds = time.monotonic() - t_train

    model.eval()
    img_emb = image_embeddings(model, test_x, table)
    res = evaluate(model, img_emb, test_y, tokens)
    ret = retrieval(model, mos_eval_images, mos_eval_texts, mos_eval_owner, tokens, table)
    print(f"training: {args.steps} steps in {train_seconds:.0f} s ({train_seconds / 60:.1f} min)")
    print("zero-shot acc1 on the Fashion-MNIST test split (10,000), computed in PyTorch:")
    for k_, v in res.items():
        print(f"  {k_:28s} {v * 100:6.2f}%")
    print(f"retrieval on {MOSAIC_DIR.relative_to(ROOT)} ({len(mos_eval_images)} mosaics, {len(mos_eval_texts)} captions), PyTorch:")
    for k_, v in ret.items():
        print(f"  {k_:28s} {v:.4f}")
    # Buffers too: the conv tower's BatchNorm statistics are part of the model.
    state_digest = hashlib.sha256(b"".join(t.detach().numpy().tobytes() for t in model.state_dict().values())).hexdigest()
    print(f"weights sha256: {state_digest[:16]}")

    summary = {"vision_tower": args.vision_tower, "steps": args.steps, "batch_size": args.batch_size, "mosaics_per_batch": args.mosaics_per_batch,
               "seed": args.seed, "lr": args.lr, "warmup": args.warmup,
               "parameters": n_params, "train_seconds": round(train_seconds, 1),
               "loss_trace": loss_trace,
               "zero_shot_acc1": {k_: round(v, 4) for k_, v in res.items()},
               "mosaic_retrieval": {k_: round(v, 4) for k_, v in ret.items()}, "weights_sha256": state_digest}
    args.build_dir.mkdir(parents=True, exist_ok=True)
    (args.build_dir / f"summary-{args.vision_tower}-seed{args.seed}-steps{args.steps}-m{args.mosaics_per_batch}.json").write_text(json.dumps(summary, indent=2))

    if not args.no_export:
        note = {"clipbench_model": {
            "name": "fashion-clip-mini",
            "trained_on": "Fashion-MNIST train split (60,000 images) and 2x2 mosaics of it",
            "vision_tower": args.vision_tower, "steps": args.steps, "batch_size": args.batch_size,
            "mosaics_per_batch": args.mosaics_per_batch, "seed": args.seed,
            "token_embedding": "factored: lo[id % 256] + hi[id // 256]",
            "trainer": "tools/train-mini-clip/train.py"}}
        sizes = ce.export_all(model, args.out, args.reference, extra_config=note, minimal_tokenizer=True)
        extra = [{"image": f"t10k-images-idx3-ubyte.gz#{i}", "label": cap.CLASSES[int(test_y[i])],
                  "pixel_values": to_pixels(test_x[i:i + 1], table)[0]} for i in range(4)]
        ce.write_reference_outputs(model, args.out, args.reference, extra_images=extra)
        total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
        for name, size in sizes.items():
            print(f"  onnx/{name}: {size:,} bytes")
        print(f"exported to {args.out}: {total:,} bytes in total")
    print(f"done in {time.monotonic() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
