"""End-to-end reference for `depth-lens degeneracy --widths N x L --theta0 T --trials K --json`
(bench/suites/e2e.ts): the Monte Carlo of bench/py/degeneracy.py (the exact Markov chain, or full
random networks), its per-layer mean of ln sin^2, and the JSON out, from process start.

Usage: e2e_degeneracy.py OUT.json WIDTH LAYERS THETA0 TRIALS chain|network
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from degeneracy import chain, networks  # noqa: E402


def main():
    out, n, layers, theta0, trials, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    widths = [n] * (layers + 1)
    rng = np.random.default_rng(1)
    means = chain(widths, theta0, trials, rng) if mode == "chain" else networks(widths, theta0, trials, 25, rng)
    with open(out, "w") as f:
        json.dump({"widths": widths, "theta0": theta0, "trials": trials, "mode": mode, "mean": means}, f, indent=2)


if __name__ == "__main__":
    main()
