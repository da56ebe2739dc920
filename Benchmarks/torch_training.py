"""PyTorch reference for `cl-bench-benchmarks training`: the same CIFAR ResNets (PyCIL's
cifar_resnet.py architecture: option-A shortcuts, 64-d features), 100-class linear head,
batch 128 of 32x32x3, SGD momentum 0.9, weight decay 5e-4, on the CPU with 2 threads.

Prints the same JSON array as the Swift benchmark (names resnet20-train, resnet20-eval,
resnet32-train, resnet32-eval; images_per_second; peak_rss_bytes). Each case runs in a
fresh process so that peak RSS is its own; timings are the best of R runs of S steps after
two warm-up steps.
"""
import argparse
import json
import resource
import subprocess
import sys
import time

CASES = ["resnet20-train", "resnet20-eval", "resnet32-train", "resnet32-eval"]


def build(depth):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class ShortcutA(nn.Module):
        def forward(self, x):
            x = x[:, :, ::2, ::2]
            return torch.cat((x, torch.zeros_like(x)), 1)

    class Block(nn.Module):
        def __init__(self, inputs, outputs, stride):
            super().__init__()
            self.conv_a = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
            self.bn_a = nn.BatchNorm2d(outputs)
            self.conv_b = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
            self.bn_b = nn.BatchNorm2d(outputs)
            self.downsample = ShortcutA() if stride != 1 or inputs != outputs else None

        def forward(self, x):
            y = F.relu(self.bn_a(self.conv_a(x)), inplace=True)
            y = self.bn_b(self.conv_b(y))
            r = self.downsample(x) if self.downsample is not None else x
            return F.relu(r + y, inplace=True)

    class ResNet(nn.Module):
        def __init__(self, depth):
            super().__init__()
            n = (depth - 2) // 6
            self.conv_1_3x3 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
            self.bn_1 = nn.BatchNorm2d(16)
            layers, inputs = [], 16
            for stage, width in enumerate([16, 32, 64]):
                for block in range(n):
                    layers.append(Block(inputs, width, 2 if stage > 0 and block == 0 else 1))
                    inputs = width
            self.blocks = nn.Sequential(*layers)
            self.fc = nn.Linear(64, 100)

        def forward(self, x):
            x = F.relu(self.bn_1(self.conv_1_3x3(x)), inplace=True)
            x = self.blocks(x)
            return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))

    return ResNet(depth)


def run(name, steps, repeats, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build(20 if name.startswith("resnet20") else 32)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(128, 3, 32, 32)
    y = torch.randint(0, 100, (128,))
    training = name.endswith("train")
    model.train(training)

    def step():
        if training:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        else:
            with torch.no_grad():
                model(x)

    for _ in range(2):
        step()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps)
    return 128 / best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only")
    args = parser.parse_args()
    if args.only:
        rate = run(args.only, args.steps, args.repeats, args.threads)
        print(rate, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        return
    results = []
    for name in CASES:
        out = subprocess.run([sys.executable, __file__, "--only", name, "--steps", str(args.steps),
                              "--repeats", str(args.repeats), "--threads", str(args.threads)],
                             check=True, capture_output=True, text=True).stdout.split()
        results.append({"name": name, "images_per_second": round(float(out[0]), 1), "peak_rss_bytes": int(out[1])})
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
