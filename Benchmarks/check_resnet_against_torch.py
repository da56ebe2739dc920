"""Checks the Swift CIFAR ResNet-20 against PyTorch with identical weights.

Usage (from the package root):
    .build/release/cl-bench-benchmarks reference-dump /tmp/resnet-dump
    Benchmarks/.venv/bin/python Benchmarks/check_resnet_against_torch.py /tmp/resnet-dump

Loads the dumped weights (PyCIL state-dict names) into a PyTorch model with PyCIL's
cifar_resnet.py architecture, then compares features in evaluation and training mode, the
gradients of sum(features**2) for every parameter, and the updated running statistics.
Exits non-zero when any relative difference exceeds 1e-3.
"""
import json
import sys

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from torch_training import build  # noqa: E402


def main(directory):
    index = json.load(open(f"{directory}/index.json"))

    def load(name):
        return torch.from_numpy(np.fromfile(f"{directory}/{name}.f32", dtype="<f4").reshape(index[name]))

    model = build(20)
    # torch_training.build names blocks "blocks.<k>"; PyCIL names them "stage_<s>.<b>".
    def swift_name(torch_name):
        if torch_name.startswith("blocks."):
            _, k, rest = torch_name.split(".", 2)
            stage, block = divmod(int(k), 3)
            return f"stage_{stage + 1}.{block}.{rest}"
        return torch_name

    state = {}
    for name in model.state_dict():
        if name.startswith("fc.") or name.endswith("num_batches_tracked"):
            state[name] = model.state_dict()[name]
        else:
            state[name] = load("weight." + swift_name(name))
    model.load_state_dict(state)

    def features(x):
        import torch.nn.functional as F
        y = F.relu(model.bn_1(model.conv_1_3x3(x)))
        y = model.blocks(y)
        return F.adaptive_avg_pool2d(y, 1).flatten(1)

    x = load("input")
    worst = {}
    model.eval()
    with torch.no_grad():
        worst["features (eval)"] = (features(x) - load("features.eval")).abs().max().item() / load("features.eval").abs().max().item()
    model.train()
    out = features(x)
    worst["features (train)"] = (out - load("features.train")).abs().max().item() / load("features.train").abs().max().item()
    (out ** 2).sum().backward()
    grad_error = 0.0
    for name, parameter in model.named_parameters():
        if name.startswith("fc."):
            continue
        reference = load("grad." + swift_name(name))
        grad_error = max(grad_error, (parameter.grad - reference).abs().max().item() / (reference.abs().max().item() + 1e-12))
    worst["parameter gradients"] = grad_error
    stats_error = 0.0
    for name, buffer in model.named_buffers():
        if "running" in name:
            reference = load("after." + swift_name(name))
            stats_error = max(stats_error, (buffer - reference).abs().max().item() / (reference.abs().max().item() + 1e-12))
    worst["running statistics"] = stats_error
    for key, value in worst.items():
        print(f"{key:<22} max relative difference {value:.2e}")
    if max(worst.values()) > 1e-3:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
