"""Numerical checks behind the docs/MATH.md corrections of issue 12 (run: /usr/bin/python3 scripts/check-math-notes.py).

Each check prints the number the text quotes; docs/MATH.md states them as checked here.
  1. P(θ' = 0) for one layer of width n = 4 (the exact one-step chain: n iid bivariate normal pairs with
     correlation cos θ, θ' the angle between their ReLU images): θ' = 0 when both images are carried by
     the same single neuron; a zero image leaves θ' undefined. Theorem 1 conditions on θ' > 0.
  2. Approximation 1 against Theorem 1's mean at θ⁰ = 1, n = 1024 after one layer.
  3. Gradient flow on the indicator ramp in r = |x|², d = 2, uniform data on [−1, 1]²: L(w) = π/(12 w),
     so dw/dt = π/(12 w²) and w³ = w₀³ + (π/4) t (d = 1 with r = |x|: L(w) = 1/(3w), w³ = w₀³ + t).
  4. The random ResNet of MATH.md §B, fully connected (m = 128, K = 2, α = 0.2, 500 blocks, 8 seeds):
     the fitted decay slope of diff_n = max |x_n − x_{n−1}| over blocks 50–500, against 1 + α = 1.2.
"""
import math

import numpy as np


def p_theta_zero(n, theta, trials, rng):
    """(P(θ' = 0), P(an image is 0)) for one step of width n from angle θ."""
    c = math.cos(theta)
    g = rng.standard_normal((trials, n))
    h = c * g + math.sqrt(1 - c * c) * rng.standard_normal((trials, n))
    a, b = g > 0, h > 0
    zero = ~a.any(axis=1) | ~b.any(axis=1)
    parallel = (a == b).all(axis=1) & (a.sum(axis=1) == 1)
    return float(parallel.mean()), float(zero.mean())


def J(theta):
    s, c = math.sin(theta), math.cos(theta)
    j11 = (s + (math.pi - theta) * c) / (2 * math.pi)
    j22 = ((math.pi - theta) * (2 * c * c + 1) + 3 * s * c) / (2 * math.pi)
    j31 = (3 * (math.pi - theta) * c + s * c * c + 2 * s) / (2 * math.pi)
    return j11, j22, j31


def mu(theta, n):
    j11, j22, j31 = J(theta)
    K = 8 * j11 ** 2 * j22 - 8 * j11 ** 4 + 4 * j11 ** 2 - 8 * j11 * j31 + j22 + 1
    one = 1 - 4 * j11 ** 2
    return (math.log((n - 1) * one / (n + 4 * j22 - 1)) + 4 * (j22 + 1) / (n * (1 + (4 * j22 - 1) / n) ** 2)
            - 4 * K / (n * (1 - 1 / n) ** 2 * one ** 2))


def rho(n):
    return math.log((n + 5) / (n - 1)) - 10 / (n * (1 + 5 / n) ** 2) + 6 / (n * (1 - 1 / n) ** 2)


def resnet_slopes(seeds, m=128, blocks=500, alpha=0.2, probes=20):
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        x = rng.uniform(0, 1, (m, probes))
        diffs = []
        for n in range(1, blocks + 1):
            ws = []
            for _ in range(2):
                w = rng.uniform(-1, 1, (m, m))
                w /= np.maximum(1, np.linalg.norm(w, axis=1, keepdims=True))
                ws.append(w / n ** ((1 + alpha) / 2))
            bs = [rng.uniform(-1, 1, (m, 1)) / n ** (1 + alpha) for _ in range(2)]
            r = ws[1] @ np.maximum(ws[0] @ x + bs[0], 0) + bs[1]
            y = np.maximum(x + r, 0)
            diffs.append(np.max(np.abs(y - x)))
            x = y
        k = np.arange(50, blocks + 1)
        slope = -np.polyfit(np.log(k), np.log(np.array(diffs)[49:]), 1)[0]
        out.append(slope)
    return out


def main():
    rng = np.random.default_rng(2024)
    for theta in (0.1, 0.5, 1.0, math.pi / 2):
        par, zero = p_theta_zero(4, theta, 2_000_000, rng)
        print(f"1. n = 4, theta = {theta:.4f}: P(theta' = 0) = {par:.4f}, P(a zero image, theta' undefined) = {zero:.4f}")
    x0 = math.log(math.sin(1) ** 2)
    approx1 = x0 - 2 / (3 * math.pi) * 1 - rho(1024)
    print(f"2. theta0 = 1, n = 1024: Theorem 1 mean mu = {mu(1, 1024):.4f}, Approximation 1 = {approx1:.4f},"
          f" difference {abs(mu(1, 1024) - approx1):.4f}")
    # 3. L(w) for d = 2 by quadrature over the square (midpoint rule), against pi/(12 w)
    g = (np.arange(4000) + 0.5) / 4000 * 2 - 1
    X, Y = np.meshgrid(g, g)
    r = X ** 2 + Y ** 2
    for w in (8.0, 32.0):
        f = np.maximum(1 - np.maximum(w * (r - 0.25), 0), 0)
        loss = np.mean((f - (r <= 0.25)) ** 2)
        print(f"3. d = 2, w = {w:g}: L(w) = {loss:.6f}, pi/(12 w) = {math.pi / (12 * w):.6f}")
    slopes = resnet_slopes(range(8))
    print(f"4. ResNet diff_n slopes over blocks 50-500, 8 seeds: {min(slopes):.2f} to {max(slopes):.2f}"
          f" (mean {np.mean(slopes):.2f}); 1 + alpha = 1.2")


if __name__ == '__main__':
    main()
