"""Caption generator for training fashion-clip-mini: web-caption-like text for
Fashion-MNIST classes. See README.md in this folder.

Every caption the generator can produce is enumerated up front (all_captions)
so the harness's own tokenizer can turn them into ids once.
"""

from __future__ import annotations

import numpy as np

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# Words used for each class in training captions, with relative frequencies.
# The dataset's own label is the most common one (as a shop's category field
# would be); everyday synonyms are rarer. Case does not matter: the CLIP
# tokenizer lower-cases.
TRAIN_NAMES: list[list[tuple[str, float]]] = [
    [("t-shirt/top", 4), ("t-shirt", 4), ("top", 2), ("tee", 1)],
    [("trouser", 4), ("trousers", 3), ("pants", 2), ("jeans", 1)],
    [("pullover", 4), ("sweater", 3), ("jumper", 1)],
    [("dress", 6), ("summer dress", 1)],
    [("coat", 5), ("jacket", 2), ("winter coat", 1)],
    [("sandal", 4), ("sandals", 3), ("flip-flops", 1)],
    [("shirt", 5), ("blouse", 2), ("button-down shirt", 1)],
    [("sneaker", 4), ("sneakers", 3), ("trainers", 1)],
    [("bag", 5), ("handbag", 2), ("purse", 1)],
    [("ankle boot", 5), ("boots", 2), ("boot", 1)],
]

# Never in training: for measuring how the model copes with unseen words.
HELD_OUT_NAMES = ["tank top", "slacks", "hoodie", "gown", "parka",
                  "espadrille", "polo shirt", "running shoe", "tote", "chelsea boot"]

# Training templates with web-caption-like skewed frequencies. {n} is the
# class word, {a} the class word with its article. The class word sits at
# the start, middle or end.
TRAIN_TEMPLATES: list[tuple[str, float]] = [
    ("a photo of {a}.", 10),
    ("{a} on a white background", 7),
    ("{n}", 5),
    ("a picture of {a}.", 4),
    ("close-up of {a}", 3),
    ("women's {n} for sale", 3),
    ("a black and white photo of {a}.", 3),
    ("{n} in grey, front view", 2),
    ("new {n} from the spring collection", 2),
    ("buy {a} online", 2),
    ("men's {n}, black", 2),
    ("{n} | product image", 2),
    ("classic {n}", 2),
    ("a low resolution image of {a}.", 2),
    ("this {n} is my favourite", 1),
    ("{n} - size m - free shipping", 1),
    ("i love my new {n}!", 1),
    ("{a} lying flat on the floor", 1),
    ("the {n} i bought yesterday", 1),
    ("cheap {n} outlet", 1),
    ("vintage {n} in good condition", 1),
    ("my {n}", 1),
]

# Never in training (the imagenet-80 templates and the shipped catalogue
# wording are mostly unseen as well).
HELD_OUT_TEMPLATES = [
    "a product photo of {a}, on a plain background.",
    "a cropped photo of the {n}.",
    "here is {a} in the shop window",
    "{n} worn once, like new",
    "an image showing {a}.",
]

# Caption noise: a second, non-class object; another clothing word; or a
# vague caption that names nothing.
OBJECTS = ["hat", "scarf", "belt", "necklace", "chair", "plant", "cat", "mirror"]
P_OBJECT = 0.10
P_OTHER_CLASS = 0.05
P_VAGUE = 0.07
VAGUE = ["new arrivals", "my outfit today", "clothing item", "fashion", "product image",
         "sale! 50% off", "item no. 1043", "look at this", "spring collection",
         "gift idea", "in stock now", "untitled"]


def article(word: str) -> str:
    return ("an " if word[0].lower() in "aeiou" else "a ") + word


def render(template: str, name: str) -> str:
    return template.replace("{a}", article(name)).replace("{n}", name)


def with_object(caption: str, obj: str, form: int) -> str:
    return f"{caption} with a {obj}" if form == 0 else f"{article(obj)} and {caption}"


def with_other(caption: str, other: str) -> str:
    return f"{caption} and {article(other)}"


def all_names() -> list[str]:
    return sorted({n for names in TRAIN_NAMES for n, _ in names})


def all_captions() -> list[str]:
    """Every string captions_for_epoch can return, sorted."""
    out = set(VAGUE)
    names = all_names()
    for t, _ in TRAIN_TEMPLATES:
        for names_c in TRAIN_NAMES:
            for n, _ in names_c:
                base = render(t, n)
                out.add(base)
                for o in OBJECTS:
                    out.add(with_object(base, o, 0))
                    out.add(with_object(base, o, 1))
                for other in names:
                    out.add(with_other(base, other))
    return sorted(out)


def _norm(w: list[float]) -> np.ndarray:
    a = np.asarray(w, dtype=np.float64)
    return a / a.sum()


def captions_for_epoch(labels: np.ndarray, rng: np.random.RandomState) -> tuple[list[str], np.ndarray]:
    """One caption per image, and whether it is informative (names the class
    word of the image's class; vague captions are False)."""
    t_p = _norm([w for _, w in TRAIN_TEMPLATES])
    n_p = [_norm([w for _, w in names]) for names in TRAIN_NAMES]
    n = len(labels)
    t_idx = rng.choice(len(TRAIN_TEMPLATES), size=n, p=t_p)
    noise = rng.random_sample(n)
    obj = rng.randint(len(OBJECTS), size=n)
    form = rng.randint(2, size=n)
    vague = rng.randint(len(VAGUE), size=n)
    other_cls = (labels + 1 + rng.randint(9, size=n)) % 10
    u_name = rng.random_sample(n)
    u_other = rng.random_sample(n)
    caps, informative = [], np.ones(n, dtype=bool)
    for i in range(n):
        c = int(labels[i])
        name = TRAIN_NAMES[c][int(np.searchsorted(np.cumsum(n_p[c]), u_name[i], side="right").clip(max=len(n_p[c]) - 1))][0]
        base = render(TRAIN_TEMPLATES[t_idx[i]][0], name)
        r = noise[i]
        if r < P_VAGUE:
            caps.append(VAGUE[vague[i]])
            informative[i] = False
        elif r < P_VAGUE + P_OBJECT:
            caps.append(with_object(base, OBJECTS[obj[i]], int(form[i])))
        elif r < P_VAGUE + P_OBJECT + P_OTHER_CLASS:
            oc = int(other_cls[i])
            op = np.cumsum(n_p[oc])
            other = TRAIN_NAMES[oc][int(np.searchsorted(op, u_other[i], side="right").clip(max=len(op) - 1))][0]
            caps.append(with_other(base, other))
        else:
            caps.append(base)
    return caps, informative
