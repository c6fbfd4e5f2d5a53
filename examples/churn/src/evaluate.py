"""Stage 4: score the model on the test features.

Writes metrics/eval.json (flat), plots/roc.json in DVCLive's sklearn layout and
plots/confusion.json as one {actual, predicted} record per test row (labels as strings,
as DVCLive writes them).
"""
import common


def roc_points(scores, ys):
    """ROC corners, highest threshold first; points on a straight segment are dropped, as sklearn does."""
    pairs = sorted(zip(scores, ys), reverse=True)
    positives = sum(ys)
    negatives = len(ys) - positives
    points = [(0, 0, 1.0)]
    tp = fp = 0
    for i, (score, y) in enumerate(pairs):
        tp += y
        fp += 1 - y
        if i + 1 == len(pairs) or pairs[i + 1][0] != score:
            points.append((fp, tp, score))
    kept = [pt for i, pt in enumerate(points)
            if i in (0, len(points) - 1)
            or points[i - 1][0] - 2 * pt[0] + points[i + 1][0] != 0
            or points[i - 1][1] - 2 * pt[1] + points[i + 1][1] != 0]
    return [{"fpr": round(fp / negatives, 6), "tpr": round(tp / positives, 6), "threshold": round(t, 6)}
            for fp, tp, t in kept]


def roc_auc(scores, ys):
    # Mann-Whitney U with average ranks for ties.
    ranked = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and scores[ranked[j + 1]] == scores[ranked[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(ys)
    negatives = len(ys) - positives
    rank_sum = sum(r for r, y in zip(ranks, ys) if y)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def main():
    threshold = common.params("evaluate")["threshold"]
    model = common.read_json("models/model.json")
    names, xs, ys = common.read_features("data/features/test.csv")
    if names != model["features"]:
        raise SystemExit("data/features/test.csv: columns differ from models/model.json features; rerun featurize and train")
    scores = [common.predict(model["weights"], model["bias"], x) for x in xs]
    predicted = [1 if s >= threshold else 0 for s in scores]
    tp = sum(1 for p, y in zip(predicted, ys) if p and y)
    fp = sum(1 for p, y in zip(predicted, ys) if p and not y)
    fn = sum(1 for p, y in zip(predicted, ys) if not p and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    metrics = {
        "accuracy": sum(1 for p, y in zip(predicted, ys) if p == y) / len(ys),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "roc_auc": roc_auc(scores, ys),
    }
    metrics = {k: round(v, 4) for k, v in metrics.items()}
    common.write_json("metrics/eval.json", metrics)
    common.write_json("plots/roc.json", {"roc": roc_points(scores, ys)})
    common.write_json("plots/confusion.json",
                      [{"actual": str(y), "predicted": str(p)} for y, p in zip(ys, predicted)])
    print("metrics/eval.json: " + ", ".join("%s %.4f" % kv for kv in metrics.items()))


if __name__ == "__main__":
    main()
