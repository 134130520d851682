"""End-to-end reference for `depth-lens convergence FILE --json` (bench/suites/e2e.ts): the same work
the CLI does on a depth-lens/network@1 file of dense layers, in numpy, from process start to JSON written.

  read + parse the file (json.load; external weights by np.fromfile at their byte offsets),
  per layer ||W_k - I||_2 (LAPACK SVD: np.linalg.norm(., 2), or --svds: scipy.sparse.linalg.svds k=1,
  ARPACK's Lanczos, to the same 1e-10 relative tolerance Depth Lens uses) and ||b_k||_2,
  (no product of the W_k: the CLI's non-degeneracy check forms Pi W_k only while width^3 x layers
  <= 2e8, which none of the bench's dense files is, and says it skipped it),
  partial sums, the forward recursion x <- relu(W x + b) at the CLI's default probes (centre and
  the two diagonal corners of [0, 1]^d), a least-squares power-law fit of the tail, and the JSON out.

Usage: e2e_convergence.py FILE OUT.json [--svds]
"""
import json
import os
import sys

import numpy as np


def load(path):
    with open(path) as f:
        doc = json.load(f)
    folder = os.path.dirname(path)
    layers = []
    for entry in doc["layers"]:
        layers.append((array(entry["weights"], folder), array(entry["bias"], folder)))
    return doc["input"]["dim"], layers


def array(node, folder):
    if isinstance(node, dict):
        count = int(np.prod(node["shape"]))
        dtype = "<f8" if node.get("dtype", "float64") == "float64" else "<f4"
        a = np.fromfile(os.path.join(folder, node["file"]), dtype=dtype, count=count, offset=node.get("offset", 0))
        return a.astype(np.float64).reshape(node["shape"])
    return np.asarray(node, dtype=np.float64)


def spectral(a, use_svds):
    if use_svds and min(a.shape) > 48:
        from scipy.sparse.linalg import svds
        return float(svds(a, k=1, tol=1e-10, return_singular_vectors=False)[0])
    return float(np.linalg.norm(a, 2))


def main():
    path, out = sys.argv[1], sys.argv[2]
    use_svds = "--svds" in sys.argv[3:]
    d, layers = load(path)
    n = len(layers)
    eye = np.eye(d)
    norm_w = np.empty(n)
    norm_b = np.empty(n)
    probes = [np.full(d, 0.5), np.zeros(d), np.ones(d)]
    traj = [[] for _ in probes]
    for k, (W, b) in enumerate(layers):
        norm_w[k] = spectral(W - eye, use_svds)
        norm_b[k] = np.linalg.norm(b)
        for p in range(len(probes)):
            probes[p] = np.maximum(W @ probes[p] + b, 0.0)
            traj[p].append(float(np.linalg.norm(probes[p])))
    sums_w = np.cumsum(norm_w)
    sums_b = np.cumsum(norm_b)
    ks = np.arange(1, n + 1)
    tail = slice(n // 2, n)
    fit = np.polyfit(np.log(ks[tail]), np.log(np.maximum(norm_w[tail], 1e-300)), 1)
    with open(out, "w") as f:
        json.dump({
            "normWminusI": norm_w.tolist(), "normB": norm_b.tolist(),
            "sumW": float(sums_w[-1]), "sumB": float(sums_b[-1]),
            "fit": {"exponent": float(-fit[0])}, "limits": [p.tolist() for p in probes], "norms": traj,
        }, f, indent=2)


if __name__ == "__main__":
    main()
