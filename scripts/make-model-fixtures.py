"""Builds the model fixtures of test/fixtures/models/ with the real libraries, and records their outputs.

    /usr/bin/python3 scripts/make-model-fixtures.py      (Debian's python3-torch 1.13, python3-onnx, python3-numpy)

Networks (all seeded, so a rerun writes the same weights):
  mlp      nn.Sequential 2 -> 8 -> 8 -> 1 (ReLU between, linear last), torch's default init
  resnet   a fully-connected ResNet: stem Linear(3, 6) + ReLU, three residual blocks with non-square
           bottlenecks x -> relu(x + W2 relu(W1 x + b1) + b2) (hidden widths 3, 10, 4), head Linear(6, 2)
  trained  MLP 2 -> 16 -> 16 -> 1 trained 300 Adam steps on y = sin(pi x1) * x2 over [-1, 1]^2

Each is saved as
  NAME.state_dict.pt   torch.save(model.state_dict())            (zip format, torch >= 1.6)
  NAME.module.pt       torch.save(model)                          (the whole pickled module tree)
  NAME.safetensors     the state dict in the safetensors format, written here with struct + json:
                       torch 1.13 on Debian has no safetensors package, and the format is small and
                       documented (8-byte little-endian header length, a JSON header of
                       {name: {dtype, shape, data_offsets: [begin, end]}} plus "__metadata__", then
                       the tensors' bytes, offsets relative to the end of the header)
  NAME.npz             numpy.savez of the state dict (uncompressed); mlp also as savez_compressed
  NAME.onnx            torch.onnx.export (opset 13; Gemm nodes, and Add + Relu for the blocks)
and outputs.json records torch's own outputs (float64: model.double()) on fixed inputs, with the
weights of each file converted exactly as the file stores them (F16/BF16 variants round first).

Further files exercise single features: F16/BF16/F64/I32 safetensors, a sharded safetensors model
with its model.safetensors.index.json, ONNX graphs built with onnx.helper (MatMul + Add, Gemm with
alpha/beta/transA/transB, Identity, Flatten, Constant, external data), ONNX and PyTorch files with
operators Depth Lens does not analyse yet, a legacy (pre-1.6) torch.save file, network files that
reference tensors (with "transpose"), and one hostile checkpoint whose pickle calls os.system. That
file is written as bytes; nothing here unpickles it.
"""
import collections
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "models")
FORMAT = "depth-lens/network@1"

# fixed inputs at which every model's outputs are recorded
INPUTS = {
    2: [[0.3, -0.7], [0.0, 0.0], [1.5, 2.0], [-1.0, 0.25], [0.9, -0.1]],
    3: [[0.3, -0.7, 0.2], [0.0, 0.0, 0.0], [1.5, 2.0, -0.5], [-1.0, 0.25, 0.75], [0.9, -0.1, 1.1]],
}


class Bottleneck(torch.nn.Module):
    """x -> relu(x + fc2(relu(fc1(x)))): a residual block whose branch is m -> hidden -> m."""

    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = torch.nn.Linear(width, hidden)
        self.fc2 = torch.nn.Linear(hidden, width)

    def forward(self, x):
        return torch.relu(x + self.fc2(torch.relu(self.fc1(x))))


class ResNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Linear(3, 6)
        self.act = torch.nn.ReLU()
        self.blocks = torch.nn.Sequential(Bottleneck(6, 3), Bottleneck(6, 10), Bottleneck(6, 4))
        self.head = torch.nn.Linear(6, 2)

    def forward(self, x):
        return self.head(self.blocks(self.act(self.stem(x))))


def mlp():
    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def resnet():
    torch.manual_seed(2)
    return ResNet()


def trained():
    torch.manual_seed(3)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Identity(),
        torch.nn.Linear(16, 1))
    gen = torch.Generator().manual_seed(4)
    x = torch.rand(512, 2, generator=gen) * 2 - 1
    y = (torch.sin(np.pi * x[:, 0]) * x[:, 1]).unsqueeze(1)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        opt.zero_grad()
        loss = torch.mean((model(x) - y) ** 2)
        loss.backward()
        opt.step()
    model.final_loss = float(loss)
    return model


# ------------------------------------------------------------------------------------------------
# safetensors, written by hand

SAFETENSORS_DTYPES = {
    torch.float64: ("F64", "<f8"), torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2"),
    torch.bfloat16: ("BF16", None), torch.int32: ("I32", "<i4"), torch.int64: ("I64", "<i8"),
}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    name, np_dtype = SAFETENSORS_DTYPES[t.dtype]
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: the upper 16 bits of the float32 pattern (the tensor is already rounded)
        bits = t.float().numpy().view("<u4") >> 16
        return name, bits.astype("<u2").tobytes()
    return name, t.numpy().astype(np_dtype).tobytes()


def write_safetensors(path, tensors, metadata=None):
    header = {}
    blobs = []
    offset = 0
    for key, t in tensors.items():
        dtype, data = tensor_bytes(t)
        header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the writers pad the header to a multiple of 8 with spaces
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_sharded(folder, state, shards):
    """model-0000k-of-0000n.safetensors + model.safetensors.index.json (the Hugging Face layout)."""
    os.makedirs(folder, exist_ok=True)
    keys = list(state.keys())
    per = -(-len(keys) // shards)
    weight_map = {}
    total = 0
    for k in range(shards):
        name = f"model-{k + 1:05d}-of-{shards:05d}.safetensors"
        part = {key: state[key] for key in keys[k * per:(k + 1) * per]}
        write_safetensors(os.path.join(folder, name), part, {"format": "pt"})
        for key, t in part.items():
            weight_map[key] = name
            total += t.numel() * t.element_size()
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


# ------------------------------------------------------------------------------------------------
# outputs

def outputs_of(model, dim):
    m = model.double().eval()
    with torch.no_grad():
        y = m(torch.tensor(INPUTS[dim], dtype=torch.float64))
    model.float()
    return y.tolist()


def rounded(model, dtype):
    """A float64 copy of `model` whose weights went through `dtype` (as a file of that dtype stores them)."""
    import copy
    m = copy.deepcopy(model)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.to(dtype).to(torch.float32))
    return m


# ------------------------------------------------------------------------------------------------
# ONNX graphs written with onnx.helper

def onnx_model(nodes, inputs, outputs, initializers, name, opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, producer_name="depth-lens fixtures", opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    return model


def vinfo(name, width):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", width])


def numpy_forward_mlp(weights, biases, x):
    h = np.asarray(x, dtype=np.float64)
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ np.asarray(w, np.float64).T + np.asarray(b, np.float64)
        if i < len(weights) - 1:
            h = np.maximum(h, 0)
    return h.tolist()


def write_onnx_variants(state, record):
    w = [state[f"{i}.weight"].numpy() for i in (0, 2, 4)]
    b = [state[f"{i}.bias"].numpy() for i in (0, 2, 4)]
    expected = numpy_forward_mlp(w, b, INPUTS[2])

    # MatMul + Add (as TF/Keras exporters write dense layers): B is [in, out]
    inits = []
    nodes = []
    cur = "x"
    for i in range(3):
        inits += [numpy_helper.from_array(w[i].T.copy(), f"W{i}"), numpy_helper.from_array(b[i], f"b{i}")]
        nodes.append(helper.make_node("MatMul", [cur, f"W{i}"], [f"mm{i}"], name=f"matmul_{i}"))
        nodes.append(helper.make_node("Add", [f"mm{i}", f"b{i}"], [f"lin{i}"], name=f"add_{i}"))
        cur = f"lin{i}"
        if i < 2:
            nodes.append(helper.make_node("Relu", [cur], [f"relu{i}"], name=f"relu_{i}"))
            cur = f"relu{i}"
    nodes.append(helper.make_node("Identity", [cur], ["y"], name="identity_out"))
    m = onnx_model(nodes, [vinfo("x", 2)], [vinfo("y", 1)], inits, "mlp-matmul")
    onnx.save(m, os.path.join(OUT, "mlp.matmul.onnx"))
    record["mlp.matmul.onnx"] = {"inputs": INPUTS[2], "outputs": expected, "source": "numpy forward of the mlp weights"}

    # Gemm with every attribute: y = alpha * A' B' + beta * C; here A' = x (transA = 0),
    # layer 1 stores B = 2 W^T (transB = 0, alpha = 0.5) and C = b / 4 (beta = 4);
    # layer 2 stores B = W (transB = 1) and C as a Constant node; Flatten on the [N, 8] value is a no-op
    nodes = [
        helper.make_node("Flatten", ["x"], ["xf"], name="flatten_in", axis=1),
        helper.make_node("Gemm", ["xf", "B0", "C0"], ["g0"], name="gemm_0", alpha=0.5, beta=4.0, transB=0),
        helper.make_node("Relu", ["g0"], ["r0"], name="relu_0"),
        helper.make_node("Constant", [], ["C1"], name="const_c1", value=numpy_helper.from_array(b[1], "C1v")),
        helper.make_node("Gemm", ["r0", "B1", "C1"], ["g1"], name="gemm_1", transB=1),
        helper.make_node("Relu", ["g1"], ["r1"], name="relu_1"),
        # transA = 1 with A = r1^T is not expressible for a batch input: exporters never write it on activations
        helper.make_node("Gemm", ["r1", "B2", "C2"], ["y"], name="gemm_2", transB=1),
    ]
    inits = [
        numpy_helper.from_array((2 * w[0].T).astype(np.float32), "B0"), numpy_helper.from_array((b[0] / 4).astype(np.float32), "C0"),
        numpy_helper.from_array(w[1], "B1"), numpy_helper.from_array(w[2], "B2"), numpy_helper.from_array(b[2], "C2"),
    ]
    m = onnx_model(nodes, [vinfo("x", 2)], [vinfo("y", 1)], inits, "mlp-gemm-attributes")
    onnx.save(m, os.path.join(OUT, "mlp.gemm-attributes.onnx"))
    w0 = 0.5 * (2 * w[0].T.astype(np.float32)).astype(np.float64).T
    b0 = 4 * (b[0] / 4).astype(np.float32).astype(np.float64)
    record["mlp.gemm-attributes.onnx"] = {"inputs": INPUTS[2], "outputs": numpy_forward_mlp([w0, w[1], w[2]], [b0, b[1], b[2]], INPUTS[2]),
                                          "source": "numpy forward of the weights as the Gemm attributes combine them"}

    # external data: every initializer in one side file
    m = onnx.load(os.path.join(OUT, "mlp.onnx"))
    onnx.save_model(m, os.path.join(OUT, "mlp.external.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="mlp.external.onnx.data", size_threshold=0)
    record["mlp.external.onnx"] = {"inputs": INPUTS[2], "outputs": record["mlp.onnx"]["outputs"], "source": "torch (same weights as mlp)"}

    # operators Depth Lens does not analyse yet: listed by name and node
    nodes = [
        helper.make_node("Gemm", ["x", "B2", "C2v"], ["g"], name="gemm", transB=1),
        helper.make_node("Sigmoid", ["g"], ["s"], name="squash"),
        helper.make_node("Softmax", ["s"], ["y"], name="probabilities", axis=1),
    ]
    inits = [numpy_helper.from_array(np.ones((1, 2), np.float32), "B2"), numpy_helper.from_array(np.zeros(1, np.float32), "C2v")]
    onnx.save(onnx_model(nodes, [vinfo("x", 2)], [vinfo("y", 1)], inits, "unsupported"), os.path.join(OUT, "unsupported.onnx"))


def hostile_pickle(command):
    """{"0.weight": os.system(command)} as pickle protocol 2 bytes, written opcode by opcode (pickle.dumps
    would name posix.system on Linux; this names os.system as a hand-made exploit does)."""
    def unicode(s):
        b = s.encode()
        return b"X" + struct.pack("<I", len(b)) + b
    return (b"\x80\x02}" + unicode("0.weight") + b"cos\nsystem\n" + unicode(command) + b"\x85R" + b"s.")


def torch_zip(path, archive, pickle_bytes):
    """A file laid out as torch.save writes it: ARCHIVE/data.pkl, ARCHIVE/version (stored, not deflated)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in ((f"{archive}/data.pkl", pickle_bytes), (f"{archive}/version", b"3\n")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)


def main():
    os.makedirs(OUT, exist_ok=True)
    record = collections.OrderedDict()
    record["_about"] = "outputs of each fixture on fixed inputs, computed by scripts/make-model-fixtures.py with torch in float64"
    record["_versions"] = {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__}
    models = {"mlp": (mlp(), 2), "resnet": (resnet(), 3), "trained": (trained(), 2)}
    for name, (model, dim) in models.items():
        model.eval()
        state = model.state_dict()
        torch.save(state, os.path.join(OUT, f"{name}.state_dict.pt"))
        torch.save(model, os.path.join(OUT, f"{name}.module.pt"))
        write_safetensors(os.path.join(OUT, f"{name}.safetensors"), state, {"format": "pt", "source": "scripts/make-model-fixtures.py"})
        np.savez(os.path.join(OUT, f"{name}.npz"), **{k: v.numpy() for k, v in state.items()})
        torch.onnx.export(model, torch.zeros(1, dim), os.path.join(OUT, f"{name}.onnx"), opset_version=13,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
        out = outputs_of(model, dim)
        for suffix in ("state_dict.pt", "module.pt", "safetensors", "npz", "onnx"):
            record[f"{name}.{suffix}"] = {"inputs": INPUTS[dim], "outputs": out, "source": "torch float64"}
        if name == "trained":
            record["trained.module.pt"]["final_training_loss"] = model.final_loss

    mlp_model = models["mlp"][0]
    mlp_state = mlp_model.state_dict()
    np.savez_compressed(os.path.join(OUT, "mlp.compressed.npz"), **{k: v.numpy() for k, v in mlp_state.items()})
    record["mlp.compressed.npz"] = record["mlp.npz"]
    # one .npy member on its own (the first layer's weights)
    np.save(os.path.join(OUT, "mlp.0.weight.npy"), mlp_state["0.weight"].numpy())

    # dtypes: the same MLP stored as F16, BF16 and F64; the outputs are those of the rounded weights
    for dtype, tag in ((torch.float16, "f16"), (torch.bfloat16, "bf16"), (torch.float64, "f64")):
        write_safetensors(os.path.join(OUT, f"mlp.{tag}.safetensors"), {k: v.to(dtype) for k, v in mlp_state.items()})
        record[f"mlp.{tag}.safetensors"] = {"inputs": INPUTS[2], "outputs": outputs_of(rounded(mlp_model, dtype), 2),
                                            "source": f"torch float64 with the weights rounded to {dtype}"}
    # integer weights (I32), with an F32 bias: exact small integers
    ints = collections.OrderedDict([("0.weight", torch.tensor([[1, -2], [3, 0]], dtype=torch.int32)), ("0.bias", torch.tensor([0.5, -1.0])),
                                    ("1.weight", torch.tensor([[2, 1]], dtype=torch.int32)), ("1.bias", torch.tensor([0.25]))])
    write_safetensors(os.path.join(OUT, "ints.safetensors"), ints)
    xi = np.asarray(INPUTS[2])
    hi = np.maximum(xi @ np.array([[1, -2], [3, 0]]).T + [0.5, -1.0], 0)
    record["ints.safetensors"] = {"inputs": INPUTS[2], "outputs": (hi @ np.array([[2, 1]]).T + 0.25).tolist(), "source": "numpy"}

    # sharded safetensors (Hugging Face layout) of the resnet
    write_sharded(os.path.join(OUT, "resnet-sharded"), models["resnet"][0].state_dict(), 3)

    write_onnx_variants(mlp_state, record)

    # network files that reference tensors
    def ref(file, tensor, **extra):
        return {"file": file, "tensor": tensor, **extra}
    blocks = []
    for i in range(3):
        p = f"blocks.{i}"
        blocks.append({"type": "residual", "activation": "relu", "layers": [
            {"type": "dense", "weights": ref("resnet.safetensors", f"{p}.fc1.weight"), "bias": ref("resnet.safetensors", f"{p}.fc1.bias"), "activation": "relu"},
            {"type": "dense", "weights": ref("resnet-sharded/model.safetensors.index.json", f"{p}.fc2.weight"),
             "bias": ref("resnet-sharded/model.safetensors.index.json", f"{p}.fc2.bias"), "activation": "linear"}]})
    resnet_doc = {
        "format": FORMAT, "name": "fully-connected ResNet (tensors in resnet.safetensors and its sharded copy)",
        "input": {"dim": 3, "probes": {"a": INPUTS[3][0], "b": INPUTS[3][2]}},
        "layers": [{"type": "dense", "weights": ref("resnet.state_dict.pt", "stem.weight"), "bias": ref("resnet.npz", "stem.bias"), "activation": "relu"},
                   *blocks,
                   {"type": "dense", "weights": ref("resnet.onnx", "head.weight"), "bias": ref("resnet.safetensors", "head.bias"), "activation": "linear"}],
    }
    with open(os.path.join(OUT, "resnet.network.json"), "w") as f:
        json.dump(resnet_doc, f, indent=2)
        f.write("\n")
    record["resnet.network.json"] = {"inputs": INPUTS[3], "outputs": record["resnet.onnx"]["outputs"], "source": "torch float64"}

    # Keras-style kernels ([in, out]) in an npz, read with "transpose": true
    np.savez(os.path.join(OUT, "mlp.keras.npz"), **{f"dense_{i}/kernel": mlp_state[f"{2 * i}.weight"].numpy().T.copy() for i in range(3)},
             **{f"dense_{i}/bias": mlp_state[f"{2 * i}.bias"].numpy() for i in range(3)})
    keras_doc = {"format": FORMAT, "name": "mlp from Keras-style [in, out] kernels", "input": {"dim": 2}, "layers": [
        {"type": "dense", "weights": ref("mlp.keras.npz", f"dense_{i}/kernel", transpose=True), "bias": ref("mlp.keras.npz", f"dense_{i}/bias"),
         "activation": "relu" if i < 2 else "linear"} for i in range(3)]}
    with open(os.path.join(OUT, "mlp.keras.network.json"), "w") as f:
        json.dump(keras_doc, f, indent=2)
        f.write("\n")
    record["mlp.keras.network.json"] = {"inputs": INPUTS[2], "outputs": record["mlp.npz"]["outputs"], "source": "torch float64"}

    # a convolutional model: its operators and modules are listed as not analysed yet
    torch.manual_seed(5)
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 1)).eval()
    torch.save(conv, os.path.join(OUT, "conv.module.pt"))
    torch.onnx.export(conv, torch.zeros(1, 1, 4, 4), os.path.join(OUT, "conv.onnx"), opset_version=13, input_names=["x"], output_names=["y"])

    # layouts the readers must undo: a transposed view (strides (1, 3)) saved by torch, a Fortran-order
    # and a big-endian .npy; their values are recorded row-major
    w = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8 - 0.5
    torch.save({"t": w.t(), "slice": w[1:, 1:3]}, os.path.join(OUT, "strided.pt"))
    record["strided.pt"] = {"values": {"t": w.t().tolist(), "slice": w[1:, 1:3].tolist()}, "source": "torch"}
    a = np.arange(6, dtype=np.float64).reshape(2, 3) * 0.25 - 0.5
    np.save(os.path.join(OUT, "fortran.npy"), np.asfortranarray(a))
    np.save(os.path.join(OUT, "bigendian.npy"), a.astype(">f4"))
    record["fortran.npy"] = {"values": a.tolist(), "source": "numpy"}
    record["bigendian.npy"] = {"values": a.astype(">f4").astype(np.float64).tolist(), "source": "numpy"}

    # every tensor's 2-norm as numpy computes it (spectral norm of matrices, Euclidean of vectors)
    for name in ("mlp", "resnet", "trained"):
        state = models[name][0].state_dict()
        record[f"{name}.norms"] = {k: float(np.linalg.norm(v.double().numpy(), 2)) for k, v in state.items()}

    # legacy (pre-1.6) serialization: Depth Lens asks for a re-save
    torch.save(mlp_state, os.path.join(OUT, "mlp.legacy.pt"), _use_new_zipfile_serialization=False)

    # hostile: a checkpoint whose pickle calls os.system (pickling does not run it; unpickling would)
    torch_zip(os.path.join(OUT, "hostile.os-system.pt"), "hostile", hostile_pickle("touch depth-lens-pwned"))

    with open(os.path.join(OUT, "outputs.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    for n in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, n)
        if os.path.isfile(p):
            print(f"{os.path.getsize(p):8d}  {n}")


if __name__ == "__main__":
    sys.exit(main())
