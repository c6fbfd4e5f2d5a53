"""Stage 3: logistic regression trained with mini-batch SGD, in pure Python.

After every epoch it logs the full-train log loss and accuracy in two ways:
- DVCLive's layout under dvclive/ (plots/metrics/<name>.tsv, metrics.json, params.yaml),
  rewritten from scratch on each run as DVCLive does without resume;
- if MLOPS_RUN_DIR is set, one JSON line per epoch appended to $MLOPS_RUN_DIR/metrics.jsonl,
  flushed at once so a watcher sees training live.
Steps count epochs from 0, like DVCLive's step. CHURN_EPOCH_DELAY (seconds) slows each epoch
down, for demos and tests of live tracking; it changes no result.
"""
import json
import math
import os
import random
import shutil
import time

import common

LIVE = "dvclive"
METRICS = ("loss", "train_accuracy")


def evaluate(weights, bias, xs, ys):
    loss = correct = 0
    for x, y in zip(xs, ys):
        p = min(max(common.predict(weights, bias, x), 1e-12), 1 - 1e-12)
        loss -= math.log(p) if y else math.log(1 - p)
        correct += (p >= 0.5) == (y == 1)
    return loss / len(ys), correct / len(ys)


def sgd_epoch(weights, bias, xs, ys, order, p):
    lr, l2, size = p["lr"], p["l2"], p["batch_size"]
    for start in range(0, len(order), size):
        batch = order[start:start + size]
        grad_w = [0.0] * len(weights)
        grad_b = 0.0
        for i in batch:
            error = common.predict(weights, bias, xs[i]) - ys[i]
            grad_b += error
            for k, v in enumerate(xs[i]):
                grad_w[k] += error * v
        n = len(batch)
        weights = [w - lr * (g / n + l2 * w) for w, g in zip(weights, grad_w)]
        bias -= lr * grad_b / n
    return weights, bias


class Loggers:
    """DVCLive-style files, plus the workbench's JSON lines when MLOPS_RUN_DIR is set."""

    def __init__(self, p):
        shutil.rmtree(LIVE, ignore_errors=True)
        os.makedirs(os.path.join(LIVE, "plots", "metrics"))
        common.write_text(os.path.join(LIVE, "params.yaml"),
                          "".join("%s: %s\n" % (k, json.dumps(v)) for k, v in p.items()))
        self.tsv = {}
        for name in METRICS:
            f = open(os.path.join(LIVE, "plots", "metrics", name + ".tsv"), "w", newline="", encoding="utf-8")
            f.write("step\t%s\n" % name)
            self.tsv[name] = f
        run_dir = os.environ.get("MLOPS_RUN_DIR")
        self.jsonl = None
        if run_dir:
            os.makedirs(run_dir, exist_ok=True)
            self.jsonl = open(os.path.join(run_dir, "metrics.jsonl"), "a", encoding="utf-8")

    def log(self, step, values):
        for name, f in self.tsv.items():
            f.write("%d\t%r\n" % (step, values[name]))
            f.flush()
        common.write_json(os.path.join(LIVE, "metrics.json"), dict(values, step=step))
        if self.jsonl:
            self.jsonl.write(json.dumps({"step": step, "metrics": values}) + "\n")
            self.jsonl.flush()

    def close(self):
        for f in list(self.tsv.values()) + [self.jsonl]:
            if f:
                f.close()


def main():
    p = common.params("train")
    names, xs, ys = common.read_features("data/features/train.csv")
    rng = random.Random(p["seed"])
    weights = [rng.gauss(0.0, 0.01) for _ in names]
    bias = 0.0
    order = list(range(len(xs)))
    delay = float(os.environ.get("CHURN_EPOCH_DELAY") or 0)
    loggers = Loggers(p)
    try:
        for epoch in range(p["epochs"]):
            rng.shuffle(order)
            weights, bias = sgd_epoch(weights, bias, xs, ys, order, p)
            loss, accuracy = evaluate(weights, bias, xs, ys)
            loggers.log(epoch, {"loss": loss, "train_accuracy": accuracy})
            if delay:
                time.sleep(delay)
    finally:
        loggers.close()
    common.write_json("models/model.json", {
        "type": "logistic_regression",
        "features": names,
        "weights": weights,
        "bias": bias,
        "params": p,
        "train": {"loss": loss, "train_accuracy": accuracy, "epochs": p["epochs"]},
    })
    print("models/model.json: %d epochs, loss %.4f, train accuracy %.4f" % (p["epochs"], loss, accuracy))


if __name__ == "__main__":
    main()
