"""Reference for bench/suites/linalg.ts: numpy.linalg.norm(W, 2) (LAPACK SVD) of the same matrix.
Reads {"file" (raw little-endian float64, row-major), "rows", "cols", "repeats"} on stdin; prints
{"ms": best-of-repeats wall time after one warm-up, "norm": the value}.
"""
import json
import sys
import time

import numpy as np


def main():
    args = json.load(sys.stdin)
    W = np.fromfile(args["file"], dtype="<f8").reshape(args["rows"], args["cols"])
    value = np.linalg.norm(W, 2)
    best = float("inf")
    for _ in range(int(args["repeats"])):
        t0 = time.perf_counter()
        value = np.linalg.norm(W, 2)
        best = min(best, (time.perf_counter() - t0) * 1000)
    print(json.dumps({"ms": best, "norm": float(value)}))


main()
