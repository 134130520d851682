"""Reference for bench/suites/conv.ts: the same work in PyTorch on the CPU (Debian's python3-torch).

Reads JSON on stdin:
  {"mode": "forward", "batch", "size", "repeats"}  → torchvision ResNet-18 (the hash-initialised
      weights of scripts/make-conv-fixtures.py, eval mode, float64) on `batch` hash inputs of
      3×size×size; prints {"ms": best wall time, "ms32": the same in float32, "output": the logits of
      the first two images (float64), "threads": torch's thread count}.
  {"mode": "norms", "size", "iterations", "repeats"} → for every convolution of that ResNet-18 (BN
      folded by torch.nn.utils.fusion.fuse_conv_bn_eval), at its input shape for a 3×size×size image,
      `iterations` steps of the power iteration with conv2d / conv_transpose2d from the hash start
      vector of the fixture script, then σ = ‖A v‖ and the residual ‖Aᵀu − σv‖ (as Depth Lens does); prints {"ms": best total wall time, "values": σ per conv}.
Either mode takes "threads": torch's thread count (default 1; the caller sets OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS to match).
"""
import importlib.util
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("fixtures", os.path.join(HERE, "..", "..", "scripts", "make-conv-fixtures.py"))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)

torch.set_num_threads(1)
torch.set_grad_enabled(False)


def resnet18():
    model = torchvision.models.resnet18().double().eval()
    fixtures.hash_init(model, fixtures.RESNET18_SEED)
    return model


def best_of(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - t0) * 1000)
    return best


def forward(args):
    model = resnet18()
    x = fixtures.make_inputs(args["batch"], (3, args["size"], args["size"]))
    out = {}
    ms = best_of(lambda: out.__setitem__("y", model(x)), args["repeats"])
    m32, x32 = model.float(), x.float()
    ms32 = best_of(lambda: m32(x32), args["repeats"])
    return {"ms": ms, "ms32": ms32, "output": out["y"][:2].tolist(), "threads": torch.get_num_threads()}


def norms(args):
    model = resnet18()
    modules = dict(model.named_modules())
    shapes = {}
    hooks = [m.register_forward_pre_hook(lambda m, i, name=name: shapes.__setitem__(name, tuple(i[0].shape[1:])))
             for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    model(torch.zeros((1, 3, args["size"], args["size"]), dtype=torch.float64))
    for h in hooks:
        h.remove()
    work = []
    for k, (name, m) in enumerate((n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)):
        bn_name = name[:-1] + "1" if name.endswith("downsample.0") else name.replace("conv", "bn")
        f = fixtures.fused(m, modules[bn_name])
        apply, apply_t, _ = fixtures.conv_maps(f, shapes[name])
        n = 1
        for d in shapes[name]:
            n *= d
        start = torch.from_numpy(fixtures.hash_uniform(fixtures.tensor_seed(3000 + k, 0), n, 0.0, 1.0).astype("float64")).reshape(1, *shapes[name])
        work.append((apply, apply_t, start))
    values = []

    def run():
        values.clear()
        for apply, apply_t, start in work:
            v = start / start.norm()
            for _ in range(args["iterations"]):
                w = apply_t(apply(v))
                v = w / w.norm()
            u = apply(v)
            s = u.norm()
            residual = (apply_t(u / s) - s * v).norm()  # Depth Lens reports it too: same work
            values.append(float(s))
            del residual
    ms = best_of(run, args["repeats"])
    return {"ms": ms, "values": values, "threads": torch.get_num_threads()}


def main():
    args = json.load(sys.stdin)
    torch.set_num_threads(args.get("threads", 1))
    result = forward(args) if args["mode"] == "forward" else norms(args)
    print(json.dumps(result))


main()
