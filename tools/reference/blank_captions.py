#!/usr/bin/python3
"""Writes test/reference/goldens/blank-captions.json: the retrieval metrics that CLIP_benchmark's
zeroshot_retrieval.evaluate gives for a tiny captioned set in which some captions are empty or
whitespace only, computed with the committed tiny fixture model (test/fixtures/tiny-clip).

CLIP_benchmark embeds such captions as they are: the original CLIP tokenizer cleans whitespace
away and encodes them as [<start>, <end>]. ClipBench must do the same and keep them in the
metrics, so `bench run` on this set must reproduce these numbers exactly.

How it is made, independently of ClipBench's TypeScript:
  - the model: tools/fixtures (clip_export.build_model with make_fixture's `tiny` preset and seed
    0) rebuilds tiny-clip in PyTorch; checked first against the fixture's reference-outputs.json;
  - token ids: the caption is cleaned as the original tokenizer cleans it (html.unescape twice,
    strip, whitespace runs to one space, strip, lower case; ftfy left out as in the goldens) and
    its ids are looked up among the cases of goldens/tokens-visible.json, which the original
    tokenizer produced; every caption is chosen so that one is there;
  - pixels: the 'clip' golden tensors of goldens/preprocess (torchvision's Resize + CenterCrop,
    the order CLIP_benchmark uses);
  - metrics: CLIP_benchmark's evaluate, recall_at_k and batchify, re-implemented below.

Usage (from the project root; Debian's python3 with torch 1.13 and numpy):
  /usr/bin/python3 tools/reference/blank_captions.py           # compare with the committed file
  /usr/bin/python3 tools/reference/blank_captions.py --write   # rewrite it
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "fixtures"))
import clip_export as ce  # noqa: E402
import make_fixture as mf  # noqa: E402

FIXTURE = ROOT / "test" / "fixtures" / "tiny-clip"
REFERENCE = ROOT / "test" / "reference"
GOLDENS = REFERENCE / "goldens"
OUT = GOLDENS / "blank-captions.json"
SEED = 0
KS = (1, 2, 5, 10)
CONTEXT_LENGTH = 77
# CLIP_benchmark embeds in batches of the dataloader's batch size; the metrics do not depend on it,
# but batchify slices the score matrix by it, so use a size that makes it slice.
BATCH_SIZE = 4
# ORT (ClipBench) and PyTorch embeddings differ by about 1e-7; a hit decided by less than this
# margin would make the test depend on rounding or on how ties are broken.
MIN_MARGIN = 1e-4

# Images of goldens/preprocess/images with their captions, in file order; picked among the golden
# token cases so that the blank captions change the numbers both ways: '  \t' is tall-strip's best
# caption (text retrieval gains a hit at k=5), both outrank odd-crop's own captions (a hit at k=10
# is lost), and as queries they add one hit and one miss at k=1. Both embed as [start, end], so
# they tie; on different images that tie decides nothing only because it lies between two k
# (build() checks every margin at a k boundary).
CAPTION_SET: list[tuple[str, list[str]]] = [
    ("china.jpg", ["a rendering of the spaghetti squash.", "a photo of one spaghetti squash.", "a drawing of the teapot."]),
    ("flower.jpg", ["", "a ant in a video game.", "a photo of the small saxophone."]),
    ("grace_hopper.jpg", ["a bad photo of the snowmobile.", "a close-up photo of a coral fungus."]),
    ("tall-strip.png", ["  \t", "itap of the snowmobile."]),
    # Padding and inner runs of spaces: the tokenizer cleans them, so they stay as given.
    ("odd-crop-641x430.png", ["  itap of the ant. ", "a photo of the big  crutch.", "the embroidered ant.\n"]),
]


def blank(text: str) -> bool:
    """Python's str.isspace, which the original tokenizer's strip uses; '' is blank too."""
    return text.strip() == ""


def clean(text: str) -> str:
    """The original CLIP tokenizer's basic_clean + whitespace_clean + lower, ftfy left out."""
    text = html.unescape(html.unescape(text)).strip()
    return re.sub(r"\s+", " ", text).strip().lower()


def golden_ids() -> dict[str, list[int]]:
    cases = json.loads((GOLDENS / "tokens-visible.json").read_text(encoding="utf-8"))["cases"]
    table: dict[str, list[int]] = {}
    for case in cases:
        key = clean(case["text"])
        if len(case["ids"]) == CONTEXT_LENGTH:
            continue  # truncated cases: the ids are not those of the whole text
        if key in table and table[key] != case["ids"]:
            raise SystemExit(f"goldens disagree on {key!r}: {table[key]} vs {case['ids']}")
        table[key] = case["ids"]
    return table


def check_model(model: ce.CLIPModel) -> float:
    """Largest |diff| against the fixture's reference-outputs.json; exits unless it is tiny."""
    expected = json.loads((FIXTURE / "reference-outputs.json").read_text())
    ours = ce.reference_outputs(model, REFERENCE)
    worst = 0.0
    for kind, key in (("texts", "text_embeds"), ("images", "image_embeds")):
        if len(ours[kind]) != len(expected[kind]):
            raise SystemExit(f"{kind}: {len(ours[kind])} reference cases, fixture has {len(expected[kind])}")
        for a, b in zip(ours[kind], expected[kind]):
            worst = max(worst, float(np.abs(np.array(a[key]) - np.array(b[key])).max()))
    if worst > 1e-6:
        raise SystemExit(f"the PyTorch model is not test/fixtures/tiny-clip: max |diff| {worst:g}")
    return worst


# ---------------------------------------------------------------- CLIP_benchmark


def recall_at_k(scores: torch.Tensor, positive_pairs: torch.Tensor, k: int) -> torch.Tensor:
    """clip_benchmark.metrics.zeroshot_retrieval.recall_at_k, except that k is capped at the
    number of candidates: torch.topk raises for a larger k, and every candidate is then within
    the top k, so recall is 1, as ClipBench reports it."""
    nb_texts, nb_images = scores.shape
    topk_indices = torch.topk(scores, min(k, nb_images), dim=1)[1]
    nb_positive = positive_pairs.sum(dim=1)
    topk_indices_onehot = torch.nn.functional.one_hot(topk_indices, num_classes=nb_images)
    positive_pairs_reshaped = positive_pairs.view(nb_texts, 1, nb_images)
    nb_true_positive = (topk_indices_onehot * positive_pairs_reshaped).sum(dim=(1, 2))
    return nb_true_positive / nb_positive


def batchify(func, X, Y, batch_size, device, *args, **kwargs):
    results = []
    for start in range(0, len(X), batch_size):
        end = start + batch_size
        x = X[start:end].to(device)
        y = Y[start:end].to(device)
        results.append(func(x, y, *args, **kwargs).cpu())
    return torch.cat(results)


def evaluate(images_emb: torch.Tensor, texts_emb: torch.Tensor, texts_image_index: list[int]) -> dict:
    """The metric part of zeroshot_retrieval.evaluate on embeddings it has normalised.
    `hits` are the per-query 0/1 outcomes; CLIP_benchmark averages them with .float().mean(),
    which rounds to float32; `expected` keeps the exact hits / queries."""
    scores = texts_emb @ images_emb.t()
    positive_pairs = torch.zeros_like(scores, dtype=bool)
    positive_pairs[torch.arange(len(scores)), texts_image_index] = True
    out: dict[str, dict] = {"expected": {}, "clip_benchmark_float32": {}, "hits": {}}
    for k in KS:
        for name, s, p in (("image_retrieval", scores, positive_pairs), ("text_retrieval", scores.T, positive_pairs.T)):
            hits = batchify(recall_at_k, s, p, BATCH_SIZE, "cpu", k=k) > 0
            key = f"{name}_recall@{k}"
            out["expected"][key] = int(hits.sum()) / len(hits)
            out["clip_benchmark_float32"][key] = hits.float().mean().item()
            out["hits"][key] = [int(h) for h in hits]
    return out


def min_margin(scores: torch.Tensor, positive_pairs: torch.Tensor) -> float:
    """Smallest |best positive - k-th best negative| over queries and KS: how far each hit or miss
    is from flipping (0 for a tie that topk would break arbitrarily)."""
    worst = math.inf
    for row, pos in zip(scores.double(), positive_pairs):
        best = row[pos].max().item()
        negatives = row[~pos].sort(descending=True).values
        for k in KS:
            if k <= len(negatives):
                worst = min(worst, abs(best - negatives[k - 1].item()))
    return worst


# ---------------------------------------------------------------- the set


@torch.no_grad()
def build(model: ce.CLIPModel) -> dict:
    ids_by_text = golden_ids()
    tensors = {i["image"]: i for i in ce.reference_images(REFERENCE)}
    images = [name for name, _ in CAPTION_SET]
    captions = [{"text": t, "image": i} for i, (_, texts) in enumerate(CAPTION_SET) for t in texts]
    ids = []
    for c in captions:
        key = clean(c["text"])
        if key not in ids_by_text:
            raise SystemExit(f"caption {c['text']!r} is not in goldens/tokens-visible.json; pick one that is")
        ids.append(ids_by_text[key])
    pixels = torch.stack([ce.load_f32(tensors[name]["path"], (3, 224, 224)) for name in images])
    images_emb = F.normalize(model.get_image_features(pixels), dim=-1)
    # clip.tokenize pads with 0 to the context length.
    texts_emb = F.normalize(model.get_text_features(ce.pad_ids([i + [0] * (CONTEXT_LENGTH - len(i)) for i in ids])), dim=-1)
    index = [c["image"] for c in captions]
    metrics = evaluate(images_emb, texts_emb, index)

    scores = texts_emb @ images_emb.t()
    positive = torch.zeros_like(scores, dtype=bool)
    positive[torch.arange(len(scores)), index] = True
    margin = min(min_margin(scores, positive), min_margin(scores.T, positive.T))
    if margin < MIN_MARGIN:
        raise SystemExit(f"a hit is decided by {margin:g} (< {MIN_MARGIN:g}); change the captions")

    kept = [j for j, c in enumerate(captions) if not blank(c["text"])]
    without = evaluate(images_emb, texts_emb[kept], [index[j] for j in kept])["expected"]
    if without == metrics["expected"]:
        raise SystemExit("the blank captions do not change any metric; change the captions")

    return {
        "about": (
            "Retrieval metrics of CLIP_benchmark's zeroshot_retrieval.evaluate (recall_at_k, "
            "batchify; scores = normalised text embeddings @ normalised image embeddings.T) for "
            "this captioned set, with the tiny fixture model test/fixtures/tiny-clip rebuilt in "
            "PyTorch (tools/fixtures, preset tiny, seed 0, checked against its "
            "reference-outputs.json). Blank captions ('' and whitespace only) are embedded as "
            "they are, as CLIP_benchmark does: the original CLIP tokenizer makes them "
            "[49406, 49407]. Caption ids come from goldens/tokens-visible.json (original "
            "tokenizer, after its whitespace cleaning); pixels are the 'clip' tensors of "
            "goldens/preprocess. 'expected' is hits / queries in float64; "
            "'clip_benchmark_float32' is what CLIP_benchmark prints (.float().mean()). For k "
            "above the number of candidates torch.topk would raise, so k is capped there (recall "
            "1). 'without_blank' shows the same metrics with the blank captions removed, to show "
            "that they count. Made by tools/reference/blank_captions.py."
        ),
        "model": "test/fixtures/tiny-clip",
        "preprocess": "clip",
        "ks": list(KS),
        "images": images,
        "captions": [{**c, "ids": i} for c, i in zip(captions, ids)],
        "blank_captions": [j for j, c in enumerate(captions) if blank(c["text"])],
        "expected": metrics["expected"],
        "clip_benchmark_float32": metrics["clip_benchmark_float32"],
        "hits": metrics["hits"],
        "without_blank": without,
        "min_margin_at_k_boundaries": margin,
    }


def compact_numbers(text: str) -> str:
    """Lists of numbers (ids, hits, ks) on one line each, so the file reads as a table."""
    return re.sub(r"\[\s*(-?[0-9.e+-]+(?:,\s*-?[0-9.e+-]+)*)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write", action="store_true", help=f"rewrite {OUT.relative_to(ROOT)}")
    args = p.parse_args(argv)
    model = mf.PRESETS["tiny"].config
    torch_model = ce.build_model(model, SEED)
    print(f"tiny-clip rebuilt: max |diff| against reference-outputs.json {check_model(torch_model):g}")
    result = build(torch_model)
    for key, value in result["expected"].items():
        print(f"  {key}: {value:.6f} (without blank captions {result['without_blank'][key]:.6f})")
    print(f"  smallest margin at a k boundary: {result['min_margin_at_k_boundaries']:.4g}")
    text = compact_numbers(json.dumps(result, indent=1, ensure_ascii=False)) + "\n"
    if args.write:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
        return 0
    if not OUT.exists() or json.loads(OUT.read_text(encoding="utf-8")) != result:
        print(f"{OUT.relative_to(ROOT)} differs from this computation; run with --write", file=sys.stderr)
        return 1
    print(f"{OUT.relative_to(ROOT)} matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
