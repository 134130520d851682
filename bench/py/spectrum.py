"""Reference for bench/suites/spectrum.ts: numpy.linalg.svd(W, compute_uv=False) (LAPACK gesdd) of the
same matrix. Reads {"file" (raw little-endian float64, row-major), "rows", "cols", "repeats"} on stdin;
prints {"ms": best-of-repeats wall time after one warm-up, "values": the singular values, "blas": the
BLAS/LAPACK libraries this process loaded, "threads": OPENBLAS_NUM_THREADS or null}.
"""
import json
import os
import sys
import time

import numpy as np


def loaded_blas():
    """The BLAS/LAPACK shared objects mapped into this process (what numpy really calls)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if any(k in path for k in ("blas", "lapack")) and path.endswith(tuple(".so" + s for s in ("", ".0", ".3"))):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def main():
    args = json.load(sys.stdin)
    W = np.fromfile(args["file"], dtype="<f8").reshape(args["rows"], args["cols"])
    values = np.linalg.svd(W, compute_uv=False)
    best = float("inf")
    for _ in range(int(args["repeats"])):
        t0 = time.perf_counter()
        values = np.linalg.svd(W, compute_uv=False)
        best = min(best, (time.perf_counter() - t0) * 1000)
    print(json.dumps({"ms": best, "values": [float(v) for v in values], "blas": loaded_blas(), "threads": os.environ.get("OPENBLAS_NUM_THREADS")}))


main()
