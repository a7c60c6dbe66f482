#!/usr/bin/python3
"""Generates tests/data/mwu_vectors.json: samples and the U statistic and
two-sided p-value scipy.stats.mannwhitneyu gives for them, the reference
tests/test_mwu.c checks analysis/mwu.c against. The method is the one
analysis/mwu.c documents (exact without ties when both samples have at most
20 values, otherwise the normal approximation with tie and continuity
correction), forced on scipy so both compute the same thing.
Usage: /usr/bin/python3 tests/data/gen_mwu_vectors.py > tests/data/mwu_vectors.json"""
import json
import random

import scipy
from scipy.stats import mannwhitneyu

EXACT_MAX = 20
rng = random.Random(20261122)


def continuous(n, shift):
    return [round(rng.gauss(100 + shift, 10), 6) for _ in range(n)]


def tied(n, shift, levels):
    return [float(rng.randrange(levels) + shift) for _ in range(n)]


cases = []


def add(kind, x, y):
    ties = len(set(x + y)) < len(x + y)
    method = "exact" if not ties and len(x) <= EXACT_MAX and len(y) <= EXACT_MAX else "asymptotic"
    r = mannwhitneyu(x, y, alternative="two-sided", method=method, use_continuity=True)
    cases.append({"kind": kind, "method": method, "x": x, "y": y,
                  "u1": float(r.statistic), "p": float(r.pvalue)})


for n1, n2 in [(1, 1), (1, 5), (2, 3), (3, 4), (5, 5), (4, 9), (7, 7), (8, 12), (10, 10), (13, 20), (20, 20)]:
    add("exact, overlapping", continuous(n1, 0), continuous(n2, 3))
    add("exact, shifted", continuous(n1, 0), continuous(n2, 25))
add("exact, fully separated", [float(v) for v in range(1, 6)], [float(v) for v in range(6, 11)])
add("exact, fully separated reversed", [float(v) for v in range(11, 21)], [float(v) for v in range(1, 11)])
for n1, n2 in [(21, 21), (25, 30), (20, 21), (50, 40), (64, 64)]:
    add("asymptotic, no ties (large)", continuous(n1, 0), continuous(n2, 2))
for n1, n2, levels in [(3, 4, 3), (5, 5, 4), (7, 9, 5), (10, 10, 3), (15, 12, 6), (30, 30, 8), (64, 50, 10)]:
    add("asymptotic, ties", tied(n1, 0, levels), tied(n2, 1, levels))
add("asymptotic, ties across the samples only", [1.0, 2.0, 3.0, 3.0], [3.0, 4.0, 5.0])
add("asymptotic, one value shared by all but one", [7.0, 7.0, 7.0, 7.0], [7.0, 7.0, 8.0])

print(json.dumps({"generator": "tests/data/gen_mwu_vectors.py", "scipy": scipy.__version__,
                  "cases": cases}, indent=1))
