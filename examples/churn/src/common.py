"""File helpers shared by the stages. Paths are relative to examples/churn, where DVC runs them."""
import csv
import json
import math
import os

import miniyaml

TARGET = "churned"


def params(section, path="params.yaml"):
    doc = miniyaml.load(path)
    if not isinstance(doc, dict) or not isinstance(doc.get(section), dict):
        raise SystemExit("%s: missing section '%s:'" % (path, section))
    return doc[section]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    _parent(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_text(path, text):
    _parent(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(text)


def write_json(path, data, indent=4):
    write_text(path, json.dumps(data, indent=indent) + "\n")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_features(path):
    """A features CSV as (feature names, rows of floats, labels)."""
    rows = read_csv(path)
    names = [c for c in rows[0] if c != TARGET]
    xs = [[float(r[c]) for c in names] for r in rows]
    ys = [int(r[TARGET]) for r in rows]
    return names, xs, ys


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def predict(weights, bias, x):
    return sigmoid(bias + sum(w * v for w, v in zip(weights, x)))


def _parent(path):
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
