"""Convergence recursion in numpy: the same work as Depth Lens's convergence core on an affine
family W_k = I + s_k R, b_k = s_k v with s_k = (k+1)^-2, k = 1..count, at one probe x:
||W_k - I||_2 and ||b_k||_2 per layer, their partial sums, and the forward step x <- relu(W_k x + b_k).

mode 'svd':        W_k materialised, ||W_k - I||_2 by np.linalg.norm(., 2) (an SVD per layer) - the plain way.
mode 'plain':      W_k materialised, x <- relu(W_k @ x + b_k); ||W_k - I||_2 = s_k ||R||_2 (closed form).
mode 'structured': W_k never formed, x <- relu(x + s_k (R @ x) + s_k v), closed-form norms - the same
                   structured step Depth Lens takes for affine families.
Reads {"m", "count", "R" (row-major list), "v", "x", "mode", "repeats"} on stdin; prints one JSON object.
"""
import json
import sys
import time

import numpy as np


def run(m, count, R, v, x0, mode):
    I = np.eye(m)
    x = x0.copy()
    sum_w = 0.0
    sum_b = 0.0
    norm_r = np.linalg.norm(R, 2)
    norm_v = np.linalg.norm(v)
    for k in range(1, count + 1):
        s = (k + 1.0) ** -2
        if mode == 'structured':
            sum_w += s * norm_r
            sum_b += s * norm_v
            x = np.maximum(x + s * (R @ x) + s * v, 0.0)
            continue
        W = I + s * R
        b = s * v
        if mode == 'svd':
            sum_w += np.linalg.norm(W - I, 2)
            sum_b += np.linalg.norm(b)
        else:
            sum_w += s * norm_r
            sum_b += s * norm_v
        x = np.maximum(W @ x + b, 0.0)
    return x, sum_w, sum_b


def main():
    args = json.load(sys.stdin)
    m, count = args['m'], args['count']
    R = np.array(args['R'], dtype=np.float64).reshape(m, m)
    v = np.array(args['v'], dtype=np.float64)
    x0 = np.array(args['x'], dtype=np.float64)
    best = float('inf')
    out = None
    for _ in range(args.get('repeats', 1)):
        t0 = time.perf_counter()
        out = run(m, count, R, v, x0, args['mode'])
        best = min(best, (time.perf_counter() - t0) * 1000)
    x, sum_w, sum_b = out
    print(json.dumps({'ms': best, 'x': x.tolist(), 'sumW': sum_w, 'sumB': sum_b}))


if __name__ == '__main__':
    main()
