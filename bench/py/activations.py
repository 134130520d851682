"""Batched forward pass + activation-pattern extraction in numpy: the reference for
bench/suites/activations.ts. Reads {"cases": [{"name", "batch", "inputs", "layers": [{"W", "b", "relu"}], "repeats"}]} as JSON on stdin, prints {"<name>": {"ms": best ms, "activeBits": n, "outputSum": s}}."""
import json
import sys
import time

import numpy as np


def forward_patterns(X, layers):
    h = X
    patterns = []
    for W, b, relu in layers:
        z = h @ W.T + b
        if relu:
            mask = z > 0
            patterns.append(np.packbits(mask, axis=1, bitorder="little"))
            h = np.where(mask, z, 0.0)
        else:
            h = z
    return h, patterns


def main():
    spec = json.load(sys.stdin)
    out = {}
    for case in spec["cases"]:
        repeats = case.get("repeats", spec.get("repeats", 5))
        batch = case["batch"]
        X = np.asarray(case["inputs"], dtype=np.float64).reshape(batch, -1)
        layers = [
            (np.asarray(l["W"], dtype=np.float64).reshape(len(l["b"]), -1), np.asarray(l["b"], dtype=np.float64), l["relu"])
            for l in case["layers"]
        ]
        forward_patterns(X, layers)  # warm-up
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            h, patterns = forward_patterns(X, layers)
            best = min(best, time.perf_counter() - t0)
        active = int(sum(np.unpackbits(p, bitorder="little").sum() for p in patterns))
        out[case["name"]] = {"ms": best * 1e3, "activeBits": active, "outputSum": float(h.sum())}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
