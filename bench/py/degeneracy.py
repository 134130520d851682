"""Depth-degeneracy Monte Carlo in numpy: the reference for bench/suites/degeneracy.ts.

Same simulations as src/core/degeneracy/simulate.ts (MATH.md §C), vectorised the numpy way:
  chain:   for every layer draw (trials, n, 2) standard normals, u = g1, v = cos θ g1 + sin θ g2,
           ReLU, new angle from the Gram entries and the orthogonal residual (same formula as ours).
  network: batches of B independent networks, W ~ N(0,1) of shape (B, n_ℓ, n_{ℓ−1}) per layer,
           H ← ReLU(W @ H) for the two inputs e₁ and cos θ⁰ e₁ + sin θ⁰ e₂ stacked as (B, n, 2).
Reads {"widths": [...], "theta0", "chainTrials", "networks", "batch", "seed"} on stdin and prints
{"chainMs", "networkMs", "chainMean": [...], "networkMean": [...]} (means of ln sin²θ per layer).
Random streams differ from ours (numpy's PCG64 + ziggurat), so only the statistics can agree.
"""
import json
import sys
import time

import numpy as np


def sin2_from(a, b):
    """sin² of the angle between rows of a and b (last axis), orthogonal-residual form."""
    aa = np.einsum("...i,...i->...", a, a)
    bb = np.einsum("...i,...i->...", b, b)
    ab = np.einsum("...i,...i->...", a, b)
    k = ab / aa
    d = b - k[..., None] * a
    r = np.einsum("...i,...i->...", d, d)
    return np.minimum(r / bb, 1.0), ab / np.sqrt(aa * bb)


def chain(widths, theta0, trials, rng):
    L = len(widths) - 1
    c = np.full(trials, np.cos(theta0))
    s = np.full(trials, np.sin(theta0))
    means = [2 * np.log(np.sin(theta0))]
    for l in range(1, L + 1):
        n = widths[l]
        g = rng.standard_normal((trials, n, 2))
        u = g[:, :, 0]
        v = c[:, None] * u + s[:, None] * g[:, :, 1]
        a = np.maximum(u, 0.0)
        b = np.maximum(v, 0.0)
        s2, c = sin2_from(a, b)
        s = np.sqrt(s2)
        with np.errstate(divide="ignore"):
            x = np.log(s2)
        means.append(float(np.mean(x[np.isfinite(x)])))
    return means


def networks(widths, theta0, count, batch, rng):
    L = len(widths) - 1
    sums = np.zeros(L + 1)
    counts = np.zeros(L + 1)
    done = 0
    while done < count:
        B = min(batch, count - done)
        H = np.zeros((B, widths[0], 2))
        H[:, 0, 0] = 1.0
        H[:, 0, 1] = np.cos(theta0)
        H[:, 1, 1] = np.sin(theta0)
        for l in range(1, L + 1):
            W = rng.standard_normal((B, widths[l], widths[l - 1]))
            H = np.maximum(W @ H, 0.0)
            s2, _ = sin2_from(H[:, :, 0], H[:, :, 1])
            with np.errstate(divide="ignore"):
                x = np.log(s2)
            ok = np.isfinite(x)
            sums[l] += x[ok].sum()
            counts[l] += ok.sum()
        done += B
    means = (sums / np.maximum(counts, 1)).tolist()
    means[0] = 2 * np.log(np.sin(theta0))
    return means


def main():
    spec = json.load(sys.stdin)
    widths = spec["widths"]
    theta0 = spec["theta0"]
    rng = np.random.default_rng(spec.get("seed", 1))
    chain(widths, theta0, 200, rng)  # warm-up
    t0 = time.perf_counter()
    chain_mean = chain(widths, theta0, spec["chainTrials"], rng)
    chain_ms = (time.perf_counter() - t0) * 1e3
    networks(widths, theta0, 2, spec["batch"], rng)  # warm-up
    t0 = time.perf_counter()
    net_mean = networks(widths, theta0, spec["networks"], spec["batch"], rng)
    net_ms = (time.perf_counter() - t0) * 1e3
    json.dump({"chainMs": chain_ms, "networkMs": net_ms, "chainMean": chain_mean, "networkMean": net_mean}, sys.stdout)


if __name__ == "__main__":
    main()
