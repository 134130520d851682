"""End-to-end reference for `depth-lens convergence FILE --json` on an affine depth family
(bench/suites/e2e.ts): read the file, then the structured recursion Depth Lens takes for families —
x <- relu(x + s_k (M x) + t_k v) without forming W_k, closed-form norms ||W_k - I|| = s_k ||M||_2 and
||b_k|| = t_k ||v|| — at the CLI's default probes (centre and corners of [0, 1]^d for d <= 3, else centre
and the two diagonal corners), partial sums, a tail fit, and the JSON out.

Usage: e2e_family.py FILE OUT.json
"""
import itertools
import json
import sys

import numpy as np


def main():
    path, out = sys.argv[1], sys.argv[2]
    with open(path) as f:
        doc = json.load(f)
    fam = doc["layers"][0]
    count = fam["count"]
    M = np.asarray(fam["weights"]["matrix"], dtype=np.float64)
    v = np.asarray(fam["bias"]["vector"], dtype=np.float64)
    ws, bs = fam["weights"]["scale"], fam["bias"]["scale"]
    d = M.shape[0]
    probes = [np.full(d, 0.5)]
    if d <= 3:
        probes += [np.array(c, dtype=np.float64) for c in itertools.product([0.0, 1.0], repeat=d)]
    else:
        probes += [np.zeros(d), np.ones(d)]
    X = np.stack(probes, axis=1)
    norm_m = np.linalg.norm(M, 2)
    norm_v = np.linalg.norm(v)
    ks = np.arange(1, count + 1, dtype=np.float64)
    s = (ks + ws["offset"]) ** ws["power"]
    t = (ks + bs["offset"]) ** bs["power"]
    norm_w = s * norm_m
    norm_b = t * norm_v
    for k in range(count):
        X = np.maximum(X + s[k] * (M @ X) + t[k] * v[:, None], 0.0)
    tail = slice(count // 2, count)
    fit = np.polyfit(np.log(ks[tail]), np.log(norm_w[tail]), 1)
    with open(out, "w") as f:
        json.dump({"sumW": float(norm_w.sum()), "sumB": float(norm_b.sum()), "fit": {"exponent": float(-fit[0])},
                   "limits": X.T.tolist()}, f, indent=2)


if __name__ == "__main__":
    main()
