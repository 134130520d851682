"""Reference for bench/suites/parse.ts: json.load + numpy.array on the same file, and the 10^5-layer
family generated layer by layer with numpy (same formulas as the parser)."""
import json
import sys
import time

import numpy as np

from peak_rss import peak_rss_mb


def parse_file(path):
    t0 = time.perf_counter()
    with open(path) as f:
        doc = json.load(f)
    layers = [(np.array(l["weights"], dtype=np.float64), np.array(l["bias"], dtype=np.float64)) for l in doc["layers"]]
    ms = (time.perf_counter() - t0) * 1000
    assert len(layers) == 5
    return {"ms": ms, "rss_mb": peak_rss_mb()}


def family(count):
    # W_k = I + (k+1)^-2 M, b_k = (k+1)^-2 v
    t0 = time.perf_counter()
    M = np.array([[0.5, -0.3], [0.2, 0.4]])
    v = np.array([1.0, -1.0])
    load_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    sum_b = 0.0
    sum_w = 0.0
    eye = np.eye(2)
    for k in range(1, count + 1):
        s = (k + 1.0) ** -2
        W = eye + s * M
        b = s * v
        sum_w += np.linalg.norm(W - eye)
        sum_b += np.linalg.norm(b)
    iterate_ms = (time.perf_counter() - t0) * 1000
    return {"load_ms": load_ms, "iterate_ms": iterate_ms, "sum_b": sum_b, "sum_w": sum_w}


def main():
    args = json.load(sys.stdin)
    if args["mode"] == "file":
        out = parse_file(args["file"])
    else:
        out = family(int(args["count"]))
    print(json.dumps(out))


main()
