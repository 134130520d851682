"""End-to-end reference for `depth-lens regions FILE --json` (bench/e2e.ts): the exact activation
regions of a 2-D-input ReLU network over its input box, the same work the CLI does, in numpy, from
process start to JSON written.

  read + parse the file (json.load; dense layers with inline weights, out x in rows, and bias),
  the box: the file's input domain, else [-1, 1]^2 (the CLI's default plane for 2-D inputs),
  then polygon splitting layer by layer. Every region is a convex polygon (vertex array, counter-
  clockwise) with the affine map x -> A x + c the network computes up to the current layer on it.
  Per layer: the pre-activation maps W A, W c + b of all regions in one batched matrix product; per
  region every unit's pre-activation at the polygon's vertices in one product; units whose sign does
  not change on the polygon are skipped; the polygon is cut by each crossing unit's line in turn
  (half-plane clipping, vectorized over the vertices); each piece's map keeps the rows of its active
  units (the ReLU pattern). Linear layers map without cutting.

Counting rules as Depth Lens's (src/core/regions/partition.ts): a vertex is on a unit's line when
|f| <= 1e-10 * max over the parent polygon's vertices of |a s| + |b t| + |c|; a line cuts a piece when
vertices lie strictly on both sides; a cut whose pieces do not both have positive computed area
(the cut points rounded onto existing vertices) is undone and counted in mergedZeroArea; tiny
slivers are kept. No rescaling of huge or tiny maps (the CLI's float64 range guard): the bench's
networks stay far from either end.

Usage: e2e_regions.py FILE OUT.json
Writes {"regions": final count, "perDepth": [count after each layer, output layer included],
"mergedZeroArea": n}.
"""
import json
import sys

import numpy as np

LINE_TOL = 1e-10


def load(path):
    with open(path) as f:
        doc = json.load(f)
    if doc["input"]["dim"] != 2:
        raise SystemExit("e2e_regions.py: 2-D inputs only")
    domain = doc["input"].get("domain")
    box = (domain["min"][0], domain["max"][0], domain["min"][1], domain["max"][1]) if domain else (-1.0, 1.0, -1.0, 1.0)
    layers = []
    for entry in doc["layers"]:
        if entry.get("type", "dense") != "dense":
            raise SystemExit(f"e2e_regions.py: dense layers only, not {entry.get('type')}")
        layers.append((np.asarray(entry["weights"], dtype=np.float64), np.asarray(entry["bias"], dtype=np.float64),
                       entry.get("activation", "relu") == "relu"))
    return box, layers


def area(v):
    """Shoelace formula (counter-clockwise: positive)."""
    x, y = v[:, 0], v[:, 1]
    return 0.5 * float(x[:-1] @ y[1:] - x[1:] @ y[:-1] + x[-1] * y[0] - x[0] * y[-1])


def centroid(v):
    x, y, xn, yn = v[:, 0], v[:, 1], np.roll(v[:, 0], -1), np.roll(v[:, 1], -1)
    cross = x * yn - xn * y
    a = cross.sum()
    if a == 0:
        return v.mean(axis=0)
    return np.array([((x + xn) * cross).sum(), ((y + yn) * cross).sum()]) / (3 * a)


def clip(v, f, cls):
    """The two pieces of convex polygon v cut by the line f = 0 (f at the vertices, cls their sides)."""
    nxt = np.arange(1, len(v) + 1)
    nxt[-1] = 0
    cross = cls * cls[nxt] < 0
    r = f / np.where(cross, f - f[nxt], 1.0)
    points = v + r[:, None] * (v[nxt] - v)
    # vertex k, then the crossing point on edge k -> k+1 (when there is one): both pieces stay in order
    seq = np.stack([v, points], axis=1).reshape(-1, 2)
    pos = seq[np.stack([cls >= 0, cross], axis=1).ravel()]
    neg = seq[np.stack([cls <= 0, cross], axis=1).ravel()]
    return pos, neg


def split(v, Z, merged):
    """Pieces (vertices, active-unit mask) of polygon v cut by the lines of Z (m x 3: a, b, c)."""
    a, b, c = Z[:, 0], Z[:, 1], Z[:, 2]
    F = v @ Z[:, :2].T + c                                      # k x m: every unit at every vertex
    tol = LINE_TOL * (np.abs(v) @ np.abs(Z[:, :2]).T + np.abs(c)).max(axis=0)
    pos, neg = (F > tol).any(axis=0), (F < -tol).any(axis=0)
    cutters = np.flatnonzero(pos & neg)
    common = pos & ~neg
    flat = ~pos & ~neg
    if flat.any():
        # constant ~ 0 on the polygon: its sign at the centroid, as the forward pass there
        common[flat] = centroid(v) @ Z[flat, :2].T + c[flat] > 0
    pieces = [(v, common)]
    for i in cutters:
        ai, bi, ci, ti = a[i], b[i], c[i], tol[i]
        out = []
        for pv, mask in pieces:
            f = ai * pv[:, 0] + bi * pv[:, 1] + ci
            cls = np.where(f > ti, 1, np.where(f < -ti, -1, 0))
            has_pos, has_neg = (cls > 0).any(), (cls < 0).any()
            if not (has_pos and has_neg):
                if has_pos:
                    mask[i] = True
                out.append((pv, mask))
                continue
            p, n = clip(pv, f, cls)
            ap, an = area(p), area(n)
            if ap > 0 and an > 0:
                mp = mask.copy()
                mp[i] = True
                out.append((p, mp))
                out.append((n, mask))
            else:
                merged[0] += 1
                if ap >= an:
                    mask[i] = True
                out.append((pv, mask))
        pieces = out
    return pieces


def partition(box, layers):
    smin, smax, tmin, tmax = box
    verts = [np.array([[smin, tmin], [smax, tmin], [smax, tmax], [smin, tmax]], dtype=np.float64)]
    # maps[r] = [A | c], width x 3: the current layer's output on region r is A (s, t) + c
    maps = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    per_depth = []
    merged = [0]
    for W, bias, relu in layers:
        Z = np.matmul(W, maps)                                  # regions x m x 3, one batched product
        Z[:, :, 2] += bias
        if relu:
            new_verts, new_maps = [], []
            for r, v in enumerate(verts):
                for pv, mask in split(v, Z[r], merged):
                    new_verts.append(pv)
                    new_maps.append(Z[r] * mask[:, None])
            verts, maps = new_verts, np.array(new_maps)
        else:
            maps = Z
        per_depth.append(len(verts))
    return per_depth, merged[0]


def main():
    path, out = sys.argv[1], sys.argv[2]
    box, layers = load(path)
    per_depth, merged = partition(box, layers)
    with open(out, "w") as f:
        json.dump({"regions": per_depth[-1] if per_depth else 1, "perDepth": per_depth,
                   "mergedZeroArea": merged}, f, indent=2)


if __name__ == "__main__":
    main()
