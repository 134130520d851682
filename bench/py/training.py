"""numpy reference for bench/suites/training.ts: the same SGD loops as src/core/training.

Input (stdin JSON): {"indicator": [{"dim", "level", "iterations", "batch", "lr"}...],
                     "meanField": [{"N", "w1", "w2", "c", "xs"}...], "repeats": R}
Output (stdout JSON): {"indicator": [ms...], "meanField": [ms...], "check": {...},
                       "meanFieldFinal": [{"c", "w1", "w2"}...]}
Each loop is the idiomatic numpy version: the mini-batch is vectorised; online SGD is one sample per
step (inherently sequential), vectorised over the N1 x N2 matrix. The mean-field runs start from the
caller's initial parameters and use its samples, so the final parameters can be compared with ours.
"""
import json
import sys
import time

import numpy as np


def tooth(t):
    return 2 * np.maximum(t, 0) - 4 * np.maximum(t - 0.5, 0) + 2 * np.maximum(t - 1, 0)


def feature(x, level):
    a = np.maximum(x, 0) + np.maximum(-x, 0)
    if x.shape[1] == 1:
        return a[:, 0]
    out = a.copy()
    g = a
    scale = 1.0
    for _ in range(level):
        g = tooth(g)
        scale *= 0.25
        out -= g * scale
    return out.sum(axis=1)


def indicator(dim, level, iterations, batch, lr, seed=1):
    rng = np.random.default_rng(seed)
    a = 0.5 if dim == 1 else 0.25
    w = 2.0
    for _ in range(iterations):
        x = rng.uniform(-1, 1, size=(batch, dim))
        phi = feature(x, level)
        y = (np.einsum('ij,ij->i', x, x) <= 0.25).astype(float)
        d = phi - a
        z = w * d
        m = (z > 0) & (z < 1)
        e = 1 - z[m] - y[m]
        w += lr * np.sum(2 * e * d[m]) / batch
    return w


def mean_field(case, c=4.0):
    """Online SGD from the given initial parameters on the given samples; returns the final parameters."""
    n1 = n2 = case['N']
    w1 = np.array(case['w1'], dtype=float).reshape(n1, 2)
    w2 = np.array(case['w2'], dtype=float).reshape(n1, n2)
    cc = np.array(case['c'], dtype=float)
    alpha_c, alpha_2, alpha_1 = c * n2 / n1, c * n2, c
    x = np.array([0.0, 1.0])
    for xi in case['xs']:
        x[0] = xi
        y = np.sin(np.pi * xi)
        h1 = np.tanh(w1 @ x)
        z = (h1 @ w2) / n1
        h2 = np.tanh(z)
        e = y - cc @ h2 / n2
        delta = cc * (1 - h2 * h2)
        back = w2 @ delta
        cc += (alpha_c / n2) * e * h2
        w2 += ((alpha_2 / (n1 * n2)) * e) * np.outer(h1, delta)
        w1 += ((alpha_1 / (n1 * n2)) * e * back * (1 - h1 * h1))[:, None] * x[None, :]
    return {'c': cc.tolist(), 'w1': w1.ravel().tolist(), 'w2': w2.ravel().tolist()}


def best(fn, repeats):
    fn()
    t = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        t = min(t, (time.perf_counter() - t0) * 1000)
    return t


def main():
    args = json.load(sys.stdin)
    r = args.get('repeats', 3)
    out = {'indicator': [], 'meanField': [], 'check': {}}
    for c in args['indicator']:
        out['indicator'].append(best(lambda: indicator(c['dim'], c['level'], c['iterations'], c['batch'], c['lr']), r))
        out['check'][f"w_d{c['dim']}"] = indicator(c['dim'], c['level'], c['iterations'], c['batch'], c['lr'])
    out['meanFieldFinal'] = []
    for c in args['meanField']:
        out['meanField'].append(best(lambda: mean_field(c), r))
        out['meanFieldFinal'].append(mean_field(c))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
