#!/usr/bin/python3
"""Writes examples/compare-init.network.json, compare-trained.network.json and
compare-finetuned.network.json: one torch MLP 2 -> 32 -> 32 -> 32 -> 1 (ReLU, linear output) at its
initialisation, after 600 Adam steps on f(x) = sin(3 x1) cos(2 x2) over [-1, 1]^2, and after
fine-tuning only its last two layers for 100 more steps on f(x) + 0.3 x1 -- real "initialisation
against trained" and "before and after a change" pairs for `depth-lens compare` and the Compare panel. torch's own outputs on three probes are recorded
in test/unit/fixtures/compare-outputs.json (the unit test checks Depth Lens's forward
pass against them).

    /usr/bin/python3 scripts/make-compare-examples.py      (Debian's python3-torch, CPU)
"""
import json
import os

import torch

SEED = 7
STEPS = 600
FINETUNE_STEPS = 100
PROBES = {"origin": [0.0, 0.0], "corner": [0.9, -0.8], "edge": [-1.0, 0.35]}


def target(x):
    return torch.sin(3 * x[:, :1]) * torch.cos(2 * x[:, 1:])


def as_network(model, name, description):
    layers = []
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for i, lin in enumerate(linears):
        layers.append({
            "type": "dense",
            "weights": lin.weight.detach().double().tolist(),
            "bias": lin.bias.detach().double().tolist(),
            "activation": "linear" if i == len(linears) - 1 else "relu",
        })
    return {
        "format": "depth-lens/network@1",
        "name": name,
        "description": description,
        "input": {"dim": 2, "domain": {"min": [-1, -1], "max": [1, 1]}, "probes": PROBES},
        "layers": layers,
    }


def outputs(model):
    x = torch.tensor(list(PROBES.values()), dtype=torch.float64)
    with torch.no_grad():
        return {k: float(v) for k, v in zip(PROBES, model.double()(x)[:, 0])}


def main():
    torch.manual_seed(SEED)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 1),
    )
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
    init = as_network(model, "MLP at initialisation", f"torch.nn.Sequential 2-32-32-32-1 (ReLU), torch.manual_seed({SEED}), default (Kaiming-uniform) initialisation; written by scripts/make-compare-examples.py with torch {torch.__version__}. Compare it with compare-trained.network.json.")
    init_out = outputs(model)
    model.float()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(SEED + 1)
    for _ in range(STEPS):
        x = torch.rand(256, 2, generator=gen) * 2 - 1
        loss = torch.mean((model(x) - target(x)) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
    trained = as_network(model, "MLP after training", f"The network of compare-init.network.json after {STEPS} Adam steps (lr 3e-3, batches of 256 uniform points) on f(x) = sin(3 x1) cos(2 x2); final batch loss {loss.item():.4g}; written by scripts/make-compare-examples.py with torch {torch.__version__}.")
    trained_out = outputs(model)
    model.float()
    # fine-tune the last hidden layer and the read-out only: the first two layers stay exactly as trained
    tuned = [p for m in list(model)[4:] for p in m.parameters()]
    for p in list(model)[0].parameters(): p.requires_grad_(False)
    for p in list(model)[2].parameters(): p.requires_grad_(False)
    opt = torch.optim.Adam(tuned, lr=1e-3)
    for _ in range(FINETUNE_STEPS):
        x = torch.rand(256, 2, generator=gen) * 2 - 1
        loss2 = torch.mean((model(x) - target(x) - 0.3 * x[:, :1]) ** 2)
        opt.zero_grad()
        loss2.backward()
        opt.step()
    finetuned = as_network(model, "MLP after fine-tuning", f"The network of compare-trained.network.json with its last hidden layer and read-out fine-tuned for {FINETUNE_STEPS} Adam steps (lr 1e-3) on f(x) + 0.3 x1 (layers 1 and 2 frozen, so they are identical); final batch loss {loss2.item():.4g}; written by scripts/make-compare-examples.py with torch {torch.__version__}.")
    finetuned_out = outputs(model)
    for file, doc in (("compare-init.network.json", init), ("compare-trained.network.json", trained), ("compare-finetuned.network.json", finetuned)):
        with open(os.path.join(here, file), "w") as f:
            json.dump(doc, f)
            f.write("\n")
    with open(os.path.join(here, "..", "test", "unit", "fixtures", "compare-outputs.json"), "w") as f:
        json.dump({"source": "scripts/make-compare-examples.py", "torch": torch.__version__, "probes": PROBES, "init": init_out, "trained": trained_out, "finetuned": finetuned_out}, f, indent=1)
        f.write("\n")
    print("wrote examples/compare-{init,trained,finetuned}.network.json and test/unit/fixtures/compare-outputs.json; losses", loss.item(), loss2.item())


if __name__ == "__main__":
    main()
