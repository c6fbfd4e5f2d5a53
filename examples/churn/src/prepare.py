"""Stage 1: split the raw customers into a train and a test set.

Rows are copied verbatim (no parsing), so the prepared files hash the same on every run
with the same params. Each split keeps the raw file's row order.
"""
import random

import common

RAW = "data/raw/customers.csv"


def main():
    p = common.params("prepare")
    with open(RAW, encoding="utf-8", newline="") as f:
        header, *rows = f.read().splitlines()
    order = list(range(len(rows)))
    random.Random(p["seed"]).shuffle(order)
    n_test = int(round(len(rows) * p["split"]))
    test = set(order[:n_test])
    for name, keep in (("train", lambda i: i not in test), ("test", lambda i: i in test)):
        picked = [rows[i] for i in range(len(rows)) if keep(i)]
        common.write_text("data/prepared/%s.csv" % name, "\n".join([header] + picked) + "\n")
        print("data/prepared/%s.csv: %d rows" % (name, len(picked)))


if __name__ == "__main__":
    main()
