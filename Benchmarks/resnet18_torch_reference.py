"""Reference features of the authors' CIFAR ResNet-18 for Tests/CLLearnersTests/ResNet18Tests.

Builds the network with PRD's own models/resnet.py (naderAsadi/Probing-Continual-Learning,
read from a checkout: this script holds no copy of it) at nf = 2 on 3x16x16 inputs, moves
batch-norm scales, shifts and running statistics away from their initial values, and writes
  OUT/resnet18-nf2.pth       its state_dict (float32, torch.save), loaded by name by cl-bench
  OUT/resnet18-nf2.npz       images (float32 [4, 3, 16, 16]), features in evaluation mode
                             (float64 [4, 16]) and in training mode (batch statistics)
Features are computed in float64 from the float32 weights.

Usage (torch installed):
  python Benchmarks/resnet18_torch_reference.py PATH/Probing-Continual-Learning/models/resnet.py \
      Tests/CLLearnersTests/Fixtures
"""
import importlib.util
import sys

import numpy as np
import torch


def main(resnet_py, out):
    spec = importlib.util.spec_from_file_location("prd_resnet", resnet_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    net = module.resnet18(nf=2, input_size=(3, 16, 16), in_channel=3)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        net.train()
        for _ in range(3):
            net(torch.rand(8, 3, 16, 16))
    torch.save(net.state_dict(), f"{out}/resnet18-nf2.pth")

    images = torch.rand(4, 3, 16, 16)
    reference = net.double()
    with torch.no_grad():
        reference.eval()
        evaluation = reference(images.double())
        reference.train()
        training = reference(images.double())
    np.savez(f"{out}/resnet18-nf2.npz", images=images.numpy(),
             evaluation=evaluation.numpy(), training=training.numpy())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
