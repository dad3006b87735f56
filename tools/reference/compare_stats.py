#!/usr/bin/python3
"""Reference values for the paired statistics of `bench compare` / `bench check` (run once; the
output, test/fixtures/stats/reference.json, is committed and read by test/compare-stats.test.ts).

Independent of the TypeScript code:
  - McNemar's exact test: statsmodels' mcnemar(table, exact=True) and scipy.stats.binomtest
    (two-sided, p = 0.5) on the discordant pairs; both are stored and must agree here.
  - Wilson interval: statsmodels' proportion_confint(method="wilson").
  - Paired bootstrap: the same resampling scheme re-implemented here with numpy: Mulberry32
    (re-written in Python from the algorithm), index = floor(u32 * n / 2^32), n draws per resample
    from one stream, the statistic of each resample computed with numpy (mean, bincount), and the
    interval from numpy.percentile's default (linear) quantiles. The first raw outputs and indices
    are stored too, so a mismatch can be told apart from a statistics bug.
  - A large-sample sanity check: the normal (Wald) interval of a paired difference of proportions,
    (c - b)/n +- z * sqrt(b + c - (c - b)^2 / n) / n, which the bootstrap interval should approach.

Usage: /usr/bin/python3 tools/reference/compare_stats.py   (from the project root; needs
python3-numpy, python3-scipy and python3-statsmodels from Debian)
"""
import json
import os

import numpy as np
import scipy
import statsmodels
from scipy.stats import binomtest, norm
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

OUT = os.path.join("test", "fixtures", "stats", "reference.json")
MASK = 0xFFFFFFFF


def mulberry32(seed):
    state = seed & MASK
    while True:
        state = (state + 0x6D2B79F5) & MASK
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & MASK
        t = (((t + (((t ^ (t >> 7)) * (t | 61)) & MASK)) & MASK) ^ t) & MASK
        yield (t ^ (t >> 14)) & MASK


def bootstrap_indices(seed, n, resamples):
    gen = mulberry32(seed)
    flat = np.fromiter((next(gen) for _ in range(n * resamples)), dtype=np.uint64, count=n * resamples)
    return ((flat * np.uint64(n)) >> np.uint64(32)).astype(np.int64).reshape(resamples, n)


def digits(classes):
    """Class indices (all below 10 here) as one digit each, to keep the fixture small."""
    assert classes.max() < 10
    return "".join(str(int(c)) for c in classes)


def mean_recall(correct, classes, k):
    support = np.bincount(classes, minlength=k)
    hits = np.bincount(classes, weights=correct, minlength=k)
    present = support > 0
    return np.mean(hits[present] / support[present])


def bootstrap_case(name, seed, resamples, before1, after1, before5, after5, classes):
    n = len(before1)
    k = int(classes.max()) + 1
    idx = bootstrap_indices(seed, n, resamples)
    d1 = np.array([np.mean(after1[r] - before1[r]) for r in idx])
    d5 = None if before5 is None else np.array([np.mean(after5[r] - before5[r]) for r in idx])
    dm = np.array([mean_recall(after1[r], classes[r], k) - mean_recall(before1[r], classes[r], k) for r in idx])
    interval = lambda v: {"lo": float(np.percentile(v, 2.5)), "hi": float(np.percentile(v, 97.5))}
    bits = lambda a: "".join("1" if x else "0" for x in a)
    gen = mulberry32(seed)
    return {
        "name": name,
        "seed": seed,
        "resamples": resamples,
        "before1": bits(before1),
        "after1": bits(after1),
        "before5": None if before5 is None else bits(before5),
        "after5": None if after5 is None else bits(after5),
        "classes": digits(classes),
        "firstUint32": [next(gen) for _ in range(5)],
        "firstIndices": [int(i) for i in idx[0][:10]],
        "acc1": interval(d1),
        "acc5": None if d5 is None else interval(d5),
        "meanPerClassRecall": interval(dm),
    }


def paired_outcomes(rng, n, k, p_before, p_flip_lost, p_flip_gained):
    classes = rng.randint(0, k, size=n)
    before = (rng.random_sample(n) < p_before).astype(np.int64)
    after = before.copy()
    u = rng.random_sample(n)
    after[(before == 1) & (u < p_flip_lost)] = 0
    after[(before == 0) & (u < p_flip_gained)] = 1
    return classes, before, after


def mcnemar_cases():
    pairs = [(0, 0), (0, 1), (1, 0), (0, 5), (3, 3), (2, 9), (10, 25), (25, 10), (40, 41), (100, 140), (7, 30),
             (1000, 1100), (5000, 5200), (12000, 12500), (0, 60), (1, 2000)]
    cases = []
    for lost, gained in pairs:
        n = lost + gained
        sm = float(mcnemar([[50, lost], [gained, 50]], exact=True).pvalue)
        sp = 1.0 if n == 0 else float(binomtest(min(lost, gained), n, 0.5).pvalue)
        assert abs(sm - sp) <= 1e-12 * max(sm, 1e-300), (lost, gained, sm, sp)
        cases.append({"lost": lost, "gained": gained, "statsmodels": sm, "scipy": sp})
    return cases


def wilson_cases():
    cases = []
    for k, n in [(0, 10), (10, 10), (1, 10), (5, 10), (100, 1000), (873, 1000), (9, 50000), (1, 1)]:
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        cases.append({"successes": k, "trials": n, "lo": float(lo), "hi": float(hi)})
    return cases


def large_sample_case():
    rng = np.random.RandomState(7)
    n = 20000
    classes, before, after = paired_outcomes(rng, n, 10, 0.7, 0.12, 0.22)
    lost = int(np.sum((before == 1) & (after == 0)))
    gained = int(np.sum((before == 0) & (after == 1)))
    d = (gained - lost) / n
    se = np.sqrt(lost + gained - (gained - lost) ** 2 / n) / n
    z = norm.ppf(0.975)
    bits = lambda a: "".join("1" if x else "0" for x in a)
    return {"before1": bits(before), "after1": bits(after), "classes": digits(classes),
            "lost": lost, "gained": gained, "difference": d, "se": float(se),
            "wald": {"lo": float(d - z * se), "hi": float(d + z * se)}}


def main():
    rng = np.random.RandomState(20240601)
    boot = []
    c, b, a = paired_outcomes(rng, 40, 4, 0.5, 0.3, 0.3)
    boot.append(bootstrap_case("n40-k4-seed0", 0, 1000, b, a, None, None, c))
    c, b, a = paired_outcomes(rng, 500, 10, 0.6, 0.15, 0.1)
    b5 = np.maximum(b, (rng.random_sample(500) < 0.6).astype(np.int64))
    a5 = np.maximum(a, (rng.random_sample(500) < 0.5).astype(np.int64))
    boot.append(bootstrap_case("n500-k10-seed12345", 12345, 2000, b, a, b5, a5, c))
    c, b, a = paired_outcomes(rng, 1000, 7, 0.3, 0.2, 0.05)
    c[c == 3] = 6  # a class index with no items: left out of mean per-class recall
    boot.append(bootstrap_case("n1000-k7-gap-seed4294967295", 4294967295, 1000, b, a, None, None, c))
    out = {
        "generatedBy": "tools/reference/compare_stats.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "mcnemar": mcnemar_cases(),
        "wilson": wilson_cases(),
        "bootstrap": boot,
        "largeSample": large_sample_case(),
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
