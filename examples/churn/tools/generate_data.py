#!/usr/bin/env python3
"""Generate the synthetic customer-churn data of this example.

    python3 tools/generate_data.py               -> data/raw/customers.csv        (3,000 rows)
    python3 tools/generate_data.py --production  -> data/production/batch-01..06  (800 rows each)
    add --check to compare with the files on disk instead of writing them

The output is committed; this script exists so anyone can see how it was made and
reproduce it byte for byte. Only Random.random() is used (our own normal, Poisson and
weighted-choice helpers sit on top of it) because its sequence is the one part of the
random module that is guaranteed stable across Python versions.

The label is drawn from a logistic model of the features (CHURN_MODEL) plus noise.
Production batches shift the feature distributions (DRIFT: covariate drift, which moves the
churn rate too); batches 05 and 06 also weaken the tenure and price effects in the label
model (concept drift), so a model trained on the raw data loses accuracy there.
"""
import argparse
import csv
import datetime
import io
import math
import os
import random
import sys

HEADER = [
    "customer_id", "signup_date", "age", "tenure_months", "monthly_charges",
    "total_charges", "contract", "payment_method", "support_calls", "has_partner", "churned",
]
CONTRACTS = ["month-to-month", "one-year", "two-year"]
PAYMENT_METHODS = ["electronic-check", "mailed-check", "bank-transfer", "credit-card"]
NEW_PAYMENT_METHOD = "digital-wallet"  # never seen in training; appears in batch 06

RAW_SEED = 20240101
RAW_ROWS = 3000
BATCH_ROWS = 800
FIRST_CUSTOMER_ID = 10001

# Logit contributions of the true churn model.
CHURN_MODEL = {
    "intercept": -2.2,
    "contract": {"month-to-month": 1.8, "one-year": -0.6, "two-year": -2.2},
    "payment_method": {"electronic-check": 0.8, "mailed-check": 0.0, "bank-transfer": -0.5,
                       "credit-card": -0.5, "digital-wallet": 0.45},
    "tenure_per_month": -0.05,       # relative to 24 months
    "charges_per_dollar": 0.045,     # relative to $65
    "support_per_call": 0.65,        # relative to 1.5 calls
    "age_per_year": -0.02,           # relative to 45 years
    "partner": -0.7,
    "noise_sd": 0.4,                 # unobserved causes, on top of the Bernoulli draw
}

# The distribution of the training data. Every production batch starts from a copy.
BASE = {
    "snapshot": datetime.date(2024, 1, 1),
    "age_mean": 45.0, "age_sd": 13.0,
    "charges_mean": 65.0, "charges_sd": 22.0,
    "contract_mix": [0.55, 0.25, 0.20],
    "payment_mix": [0.34, 0.23, 0.22, 0.21, 0.0],  # last entry: NEW_PAYMENT_METHOD
    "support_rate": 1.5,
    "partner_share": 0.48,
    "missing_total": 0.02,
    "churn_model": CHURN_MODEL,
}

# Batch number -> overrides of BASE. Documented in examples/README.md; keep both in step.
DRIFT = {
    1: {},
    2: {"charges_mean": 68.0},
    3: {"charges_mean": 72.0, "age_mean": 43.0, "contract_mix": [0.60, 0.23, 0.17],
        "missing_total": 0.04},
    4: {"charges_mean": 77.0, "age_mean": 41.0, "contract_mix": [0.66, 0.20, 0.14],
        "missing_total": 0.07, "support_rate": 1.8},
    5: {"charges_mean": 83.0, "age_mean": 38.0, "contract_mix": [0.73, 0.16, 0.11],
        "missing_total": 0.11, "support_rate": 2.2,
        "churn_model": dict(CHURN_MODEL, tenure_per_month=-0.03, charges_per_dollar=0.02)},
    6: {"charges_mean": 90.0, "age_mean": 35.0, "contract_mix": [0.80, 0.12, 0.08],
        "missing_total": 0.18, "support_rate": 2.6,
        "payment_mix": [0.30, 0.17, 0.17, 0.16, 0.20],
        "churn_model": dict(CHURN_MODEL, tenure_per_month=-0.01, charges_per_dollar=0.0)},
}


def normal(rng, mean, sd):
    # Box-Muller on top of random(); 1 - u keeps log() away from zero.
    u1, u2 = 1.0 - rng.random(), rng.random()
    return mean + sd * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def exponential(rng, mean):
    return -mean * math.log(1.0 - rng.random())


def poisson(rng, rate):
    limit, k, p = math.exp(-rate), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def weighted_choice(rng, values, weights):
    x, acc = rng.random() * sum(weights), 0.0
    for value, weight in zip(values, weights):
        acc += weight
        if x < acc:
            return value
    return values[-1]


def tenure_for(rng, contract):
    # Longer contracts mean customers who have stayed longer.
    if contract == "month-to-month":
        months = exponential(rng, 14.0)
    elif contract == "one-year":
        months = 6.0 + exponential(rng, 20.0)
    else:
        months = 12.0 + exponential(rng, 28.0)
    return min(72, int(months))


def churn_probability(rng, row, m):
    z = (m["intercept"]
         + m["contract"][row["contract"]]
         + m["payment_method"][row["payment_method"]]
         + m["tenure_per_month"] * (row["tenure_months"] - 24)
         + m["charges_per_dollar"] * (row["monthly_charges"] - 65.0)
         + m["support_per_call"] * (row["support_calls"] - 1.5)
         + m["age_per_year"] * (row["age"] - 45)
         + m["partner"] * (1 if row["has_partner"] else 0)
         + normal(rng, 0.0, m["noise_sd"]))
    return 1.0 / (1.0 + math.exp(-z))


def make_customer(rng, customer_id, dist):
    payment_values = PAYMENT_METHODS + [NEW_PAYMENT_METHOD]
    row = {"customer_id": customer_id}
    row["contract"] = weighted_choice(rng, CONTRACTS, dist["contract_mix"])
    row["tenure_months"] = tenure_for(rng, row["contract"])
    days_ago = int(row["tenure_months"] * 30.44 + rng.random() * 30)
    row["signup_date"] = (dist["snapshot"] - datetime.timedelta(days=days_ago)).isoformat()
    row["age"] = int(round(min(85.0, max(18.0, normal(rng, dist["age_mean"], dist["age_sd"])))))
    charges = min(118.75, max(18.25, normal(rng, dist["charges_mean"], dist["charges_sd"])))
    row["monthly_charges"] = round(charges, 2)
    row["payment_method"] = weighted_choice(rng, payment_values, dist["payment_mix"])
    row["support_calls"] = min(9, poisson(rng, dist["support_rate"]))
    row["has_partner"] = rng.random() < dist["partner_share"]
    billed_months = max(1, row["tenure_months"])
    total = row["monthly_charges"] * billed_months * normal(rng, 1.0, 0.05)
    missing = rng.random() < dist["missing_total"]
    row["total_charges"] = None if missing else round(max(total, row["monthly_charges"]), 2)
    row["churned"] = 1 if rng.random() < churn_probability(rng, row, dist["churn_model"]) else 0
    return row


def render(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow([
            r["customer_id"], r["signup_date"], r["age"], r["tenure_months"],
            "%.2f" % r["monthly_charges"],
            "" if r["total_charges"] is None else "%.2f" % r["total_charges"],
            r["contract"], r["payment_method"], r["support_calls"],
            "true" if r["has_partner"] else "false", r["churned"],
        ])
    return out.getvalue()


def dataset(seed, rows, first_id, dist):
    rng = random.Random(seed)
    return render([make_customer(rng, first_id + i, dist) for i in range(rows)])


def batch_distribution(batch):
    dist = dict(BASE)
    dist["snapshot"] = datetime.date(2024, 1 + batch, 1)  # one batch per month after training
    dist.update(DRIFT[batch])
    return dist


def outputs(production):
    if not production:
        return {"data/raw/customers.csv": dataset(RAW_SEED, RAW_ROWS, FIRST_CUSTOMER_ID, BASE)}
    files = {}
    for batch in sorted(DRIFT):
        first_id = FIRST_CUSTOMER_ID + RAW_ROWS + (batch - 1) * BATCH_ROWS
        text = dataset(RAW_SEED + batch, BATCH_ROWS, first_id, batch_distribution(batch))
        files["data/production/batch-%02d.csv" % batch] = text
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--production", action="store_true", help="write the six production batches")
    parser.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    args = parser.parse_args()
    project = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stale = []
    for rel, text in outputs(args.production).items():
        path = os.path.join(project, rel)
        if args.check:
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    same = f.read() == text
            except FileNotFoundError:
                same = False
            if not same:
                stale.append(rel)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print("wrote %s (%d rows)" % (rel, text.count("\n") - 1))
    if stale:
        print("differs from the generator: " + ", ".join(stale), file=sys.stderr)
        return 1
    if args.check:
        print("up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
