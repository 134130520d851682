"""Reference for bench/suites/formats.ts: open the same safetensors file (or sharded index) with
np.memmap and compute every tensor's 2-norm: scipy.sparse.linalg.svds(k=1) (ARPACK, Lanczos) for
matrices, numpy.linalg.norm for vectors. Reads {"file"}; prints {ms, openMs, maxRssMB, norms, blas}.
"""
import json
import os
import struct
import sys
import time

import numpy as np
from scipy.sparse.linalg import svds

from peak_rss import peak_rss_mb

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)), 8 + n


def tensors(path):
    """(name, memmap view) of every tensor of a file or of an index's shards."""
    if path.endswith(".index.json"):
        with open(path) as f:
            weight_map = json.load(f)["weight_map"]
        folder = os.path.dirname(path)
        for shard in dict.fromkeys(weight_map.values()):
            yield from tensors(os.path.join(folder, shard))
        return
    h, start = header(path)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=start)
    for name, t in h.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        yield name, data[b:e].view(DTYPES[t["dtype"]]).reshape(t["shape"])


def blas():
    """The BLAS library numpy actually loaded (Debian's libblas.so.3 alternative resolves to OpenBLAS or the reference)."""
    np.ones((64, 64)) @ np.ones((64, 64))
    try:
        with open("/proc/self/maps") as f:
            # the shared libraries themselves, not the Python extension modules that wrap them
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and "/" in line and "-packages/" not in line})
        return ", ".join(os.path.realpath(x) for x in libs) or "unknown"
    except OSError:
        return "unknown"


def main():
    args = json.load(sys.stdin)
    t0 = time.perf_counter()
    items = list(tensors(args["file"]))
    t1 = time.perf_counter()
    norms = {}
    for name, w in items:
        if w.ndim == 2 and min(w.shape) > 1:
            norms[name] = float(svds(w, k=1, return_singular_vectors=False, random_state=0)[0])
        else:
            norms[name] = float(np.linalg.norm(np.asarray(w, dtype=np.float64)))
    t2 = time.perf_counter()
    print(json.dumps({"openMs": (t1 - t0) * 1000, "ms": (t2 - t0) * 1000, "maxRssMB": peak_rss_mb(),
                      "norms": norms, "blas": blas()}))


main()
