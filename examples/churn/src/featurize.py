"""Stage 2: turn prepared rows into numeric features.

Numeric columns: missing cells are filled (median or mean of train), then standardised with
the train mean and standard deviation. Categorical columns: one-hot over the categories seen in
train (an unseen category encodes as all zeros). Boolean columns: 1.0 / 0.0.
Everything learned from train is written to scaler.json so the same transform can be replayed.
"""
import math

import common


def fit(rows, p):
    numeric = {}
    for c in p["numeric"]:
        values = sorted(float(r[c]) for r in rows if r[c] != "")
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) or 1.0
        if p["impute"] == "median":
            mid = len(values) // 2
            fill = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
        elif p["impute"] == "mean":
            fill = mean
        else:
            raise SystemExit("params.yaml: featurize.impute must be median or mean, not %r" % p["impute"])
        numeric[c] = {"mean": mean, "std": std, "fill": fill}
    categorical = {c: sorted({r[c] for r in rows}) for c in p["categorical"]}
    features = (list(p["numeric"]) + list(p["boolean"])
                + ["%s=%s" % (c, v) for c in p["categorical"] for v in categorical[c]])
    return {"numeric": numeric, "boolean": list(p["boolean"]), "categorical": categorical,
            "features": features, "target": common.TARGET}


def transform(row, scaler):
    out = []
    for c, s in scaler["numeric"].items():
        value = float(row[c]) if row[c] != "" else s["fill"]
        out.append((value - s["mean"]) / s["std"])
    for c in scaler["boolean"]:
        out.append(1.0 if row[c] == "true" else 0.0)
    for c, categories in scaler["categorical"].items():
        out.extend(1.0 if row[c] == v else 0.0 for v in categories)
    return out


def main():
    p = common.params("featurize")
    train = common.read_csv("data/prepared/train.csv")
    test = common.read_csv("data/prepared/test.csv")
    scaler = fit(train, p)
    for name, rows in (("train", train), ("test", test)):
        table = [["%.6f" % v for v in transform(r, scaler)] + [r[common.TARGET]] for r in rows]
        common.write_csv("data/features/%s.csv" % name, scaler["features"] + [common.TARGET], table)
    common.write_json("data/features/scaler.json", scaler, indent=2)
    print("data/features: %d features, %d train rows, %d test rows"
          % (len(scaler["features"]), len(train), len(test)))


if __name__ == "__main__":
    main()
