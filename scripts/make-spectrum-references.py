#!/usr/bin/python3
"""Reference singular values for test/unit/spectrum.test.ts, computed by numpy (LAPACK gesdd).

Run with Debian's numpy:  /usr/bin/python3 scripts/make-spectrum-references.py
It writes test/unit/fixtures/spectrum-references.json: each case holds the matrix (row-major, exactly
as the test feeds it to Depth Lens), numpy.linalg.svd(W, compute_uv=False) and, for square W, the
singular values of W - I. The random matrices come from numpy's PCG64 with the seeds below; they are
stored, so the test does not depend on numpy's generator.
"""
import json
import os

import numpy as np


def hashed(rows, cols, seed, scale=1.0, shift=0.0):
    """The integer-hash matrix the test rebuilds exactly: ((7919 i + 104729 j + 31337 i j + seed) mod 65521
    - 32760) / 32768, times scale, plus shift on the diagonal; every step is exact in float64."""
    i = np.arange(rows, dtype=np.int64)[:, None]
    j = np.arange(cols, dtype=np.int64)[None, :]
    h = (7919 * i + 104729 * j + 31337 * i * j + seed) % 65521
    w = (h.astype(np.float64) - 32760.0) / 32768.0 * scale
    if shift:
        w = w + shift * np.eye(rows, cols)
    return w


def case(name, w, note, generator=None):
    w = np.asarray(w, dtype=np.float64)
    out = {
        "name": name,
        "note": note,
        "rows": int(w.shape[0]),
        "cols": int(w.shape[1]),
    }
    if generator is None:
        out["data"] = [float(x) for x in w.ravel()]
    else:
        out["generator"] = generator
    out["singularValues"] = [float(x) for x in np.linalg.svd(w, compute_uv=False)]
    if w.shape[0] == w.shape[1]:
        out["minusIdentity"] = [float(x) for x in np.linalg.svd(w - np.eye(w.shape[0]), compute_uv=False)]
    return out


def hashed_case(name, rows, cols, seed, note, scale=1.0, shift=0.0):
    gen = {"kind": "hash", "seed": seed, "scale": scale, "shift": shift}
    return case(name, hashed(rows, cols, seed, scale, shift), note, gen)


def main():
    rng = np.random.default_rng(20240518)
    n = 8
    hilbert = 1.0 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1.0)
    rank2 = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))
    cases = [
        case("2x2", [[1, 2], [3, 4]], "sigma^2 are the eigenvalues of [[10,14],[14,20]]"),
        case("3x5 integers", [[1, 0, 2, -1, 3], [0, 4, 1, 1, -2], [5, -3, 0, 2, 1]], "wide: singular values of the transpose"),
        case("hilbert 8", hilbert, "condition number 1.5e10: smallest singular value 1.1e-10"),
        case("rank 2 6x4", rank2, "two singular values are 0 up to rounding"),
        case("gaussian 40x25", rng.standard_normal((40, 25)), "numpy default_rng(20240518) after the rank-2 case"),
        hashed_case("hash 70x70", 70, 70, 11, "square, above the Jacobi size limit", scale=0.125),
        hashed_case("hash 33x90", 33, 90, 5, "wide, Householder path"),
        hashed_case("hash 130x64", 130, 64, 3, "tall, Householder path"),
        hashed_case("near identity 50", 50, 50, 7, "W - I is small: its singular values test the W - I path", scale=1e-3, shift=1.0),
    ]
    doc = {
        "source": "scripts/make-spectrum-references.py",
        "numpy": np.__version__,
        "function": "numpy.linalg.svd(W, compute_uv=False)",
        "cases": cases,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, "..", "test", "unit", "fixtures", "spectrum-references.json")
    # one case per line: repr() of a float round-trips exactly, and the file stays diffable
    head = {k: v for k, v in doc.items() if k != "cases"}
    with open(target, "w") as f:
        f.write(json.dumps(head)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print(f"wrote {os.path.relpath(target)} ({len(cases)} cases, numpy {np.__version__})")


if __name__ == "__main__":
    main()
