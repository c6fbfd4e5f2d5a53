#!/usr/bin/env python3
"""Print how far each production batch has drifted from the training data.

    python3 tools/drift_summary.py [reference.csv] [current.csv ...]

Defaults: data/raw/customers.csv against every data/production/batch-*.csv.
A plain cross-check for the numbers in examples/README.md, not the product's drift engine.
It applies Evidently's defaults for a reference of more than 1,000 rows
(../shared/reference/drift.md §2.3): numeric columns use the normed Wasserstein distance,
categorical ones (and integers with at most 10 distinct values) the Jensen-Shannon distance
with natural logarithms; a column drifts at a score of 0.1 or more. Missing cells are dropped
before scoring; their share is reported separately.
"""
import csv
import glob
import math
import os
import sys

NUMERIC = ["age", "tenure_months", "monthly_charges", "total_charges"]
CATEGORICAL = ["contract", "payment_method", "support_calls", "has_partner"]
TARGET = "churned"
THRESHOLD = 0.1


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def present(rows, column):
    return [r[column] for r in rows if r[column] != ""]


def mean(xs):
    return sum(xs) / len(xs)


def pstdev(xs):
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))


def wasserstein_normed(ref, cur):
    # Area between the two empirical CDFs, in units of the reference's population std.
    points = sorted(set(ref) | set(cur))
    ref, cur = sorted(ref), sorted(cur)
    i = j = 0
    area = 0.0
    for k, x in enumerate(points[:-1]):
        while i < len(ref) and ref[i] <= x:
            i += 1
        while j < len(cur) and cur[j] <= x:
            j += 1
        area += abs(i / len(ref) - j / len(cur)) * (points[k + 1] - x)
    return area / max(pstdev(ref), 0.001)


def shares(values, keys):
    return [values.count(k) / len(values) for k in keys]


def jensen_shannon(ref, cur):
    keys = sorted(set(ref) | set(cur))
    p, q = shares(ref, keys), shares(cur, keys)
    def kl(a, m):
        return sum(x * math.log(x / y) for x, y in zip(a, m) if x > 0)
    m = [(x + y) / 2 for x, y in zip(p, q)]
    return math.sqrt(max(0.0, (kl(p, m) + kl(q, m)) / 2))


def describe(ref_rows, rows):
    out = {"rows": len(rows), "churn_rate": mean([int(r[TARGET]) for r in rows])}
    drifted = []
    for c in NUMERIC:
        ref = [float(v) for v in present(ref_rows, c)]
        cur = [float(v) for v in present(rows, c)]
        score = wasserstein_normed(ref, cur)
        out[c] = {"mean": mean(cur), "missing": 1 - len(cur) / len(rows), "wasserstein": score}
        if score >= THRESHOLD:
            drifted.append(c)
    for c in CATEGORICAL:
        ref, cur = present(ref_rows, c), present(rows, c)
        keys = sorted(set(ref) | set(cur), key=lambda k: (int(k), "") if k.isdigit() else (0, k))
        score = jensen_shannon(ref, cur)
        out[c] = {"shares": dict(zip(keys, shares(cur, keys))), "js": score}
        if score >= THRESHOLD:
            drifted.append(c)
    out["drifted"] = drifted
    return out


def main(argv):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    reference = argv[0] if argv else os.path.join(here, "data/raw/customers.csv")
    currents = argv[1:] or sorted(glob.glob(os.path.join(here, "data/production/batch-*.csv")))
    ref_rows = read(reference)
    n_features = len(NUMERIC) + len(CATEGORICAL)
    for path in [reference] + currents:
        d = describe(ref_rows, read(path))
        print("%s  rows=%d  churn_rate=%.3f" % (os.path.relpath(path, here), d["rows"], d["churn_rate"]))
        for c in NUMERIC:
            s = d[c]
            print("  %-16s mean=%9.2f  missing=%.3f  wasserstein_normed=%.3f"
                  % (c, s["mean"], s["missing"], s["wasserstein"]))
        for c in CATEGORICAL:
            s = d[c]
            mix = " ".join("%s=%.3f" % kv for kv in s["shares"].items())
            print("  %-16s js=%.3f  %s" % (c, s["js"], mix))
        print("  drifted %d/%d: %s\n" % (len(d["drifted"]), n_features, ", ".join(d["drifted"]) or "-"))


if __name__ == "__main__":
    main(sys.argv[1:])
