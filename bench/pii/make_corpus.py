#!/usr/bin/env python3
"""Builds the PII benchmark corpus: the repo's real text (WikiText-2, GSM8K, the tiny-gemma3
training corpus), one document per line, repeated until it reaches the requested size, with
the fixture's synthetic canary records (email, phone, card, SSN, IBAN, IP, AWS key) planted
in one document out of every --every. Deterministic (seeded). Never commit the output."""
import argparse
import json
import os
import random


def documents(root):
    data = os.path.join(root, "datasets", "data")
    for name in ("test.txt", "valid.txt"):
        with open(os.path.join(data, "wikitext-2", name), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if len(line) > 40:
                    yield line
    for name in ("train.jsonl", "test.jsonl"):
        with open(os.path.join(data, "gsm8k", name), encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                yield (d["question"] + " " + d["answer"]).replace("\n", " ")
    with open(os.path.join(data, "tiny-gemma3", "train.jsonl"), encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)["text"].replace("\n", " ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--out", required=True)
    ap.add_argument("--mb", type=int, default=512)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    docs = list(documents(a.root))
    with open(os.path.join(a.root, "datasets", "data", "tiny-gemma3", "canaries.jsonl")) as f:
        canaries = [json.loads(l)["text"] for l in f if l.strip()]
    target = a.mb * 1000 * 1000
    written = planted = n = 0
    with open(a.out, "w", encoding="utf-8") as out:
        while written < target:
            order = list(range(len(docs)))
            rng.shuffle(order)
            chunk = []
            for i in order:
                d = docs[i]
                n += 1
                if n % a.every == 0:
                    words = d.split(" ")
                    at = rng.randrange(len(words) + 1)
                    d = " ".join(words[:at] + [rng.choice(canaries)] + words[at:])
                    planted += 1
                chunk.append(d)
                written += len(d.encode("utf-8")) + 1
                if written >= target:
                    break
            out.write("\n".join(chunk) + "\n")
    print(f"{a.out}: {written / 1e6:.0f} MB, {n} documents, {planted} with planted PII "
          f"({planted * 7} planted values)")


if __name__ == "__main__":
    main()
