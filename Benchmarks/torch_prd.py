"""PyTorch reference for `cl-bench-benchmarks prd`: the training step of PRD (prototype-sample
relation distillation) on ResNet-20, written the way the official code (RePE in
naderAsadi/Probing-Continual-Learning) computes it, with the same sizes and schedule as the
Swift side: batch 128 of 32x32x3 as two identical views (no augmentation), the backbone on
the 256 rows, projection 64 -> 64 -> 128, SupCon (temperature 0.1, scaled by 0.1/0.07),
prototype loss on detached features, and from the second task on a teacher forward pass
(a deep copy left in training mode) and KL relation distillation over each earlier task's
prototypes; SGD momentum 0.9, weight decay 5e-4, lr 0.1 for backbone and projection,
prototypes at lr 0.01 without momentum or decay.

Task 0 (two steps) warms up and makes the first teacher; repeat r learns task r for S
steps and is timed whole (steps plus the end-of-task teacher copy). Prints
"images_per_second peak_rss_bytes cpu_ms_per_step" of the best repeat.
"""
import argparse
import copy
import resource
import time

from torch_training import build

BATCH = 128


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build(20)
    projection = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 128))
    heads = []

    def features(network, x):
        x = F.relu(network.bn_1(network.conv_1_3x3(x)), inplace=True)
        x = network.blocks(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)

    def supcon(z, labels, temperature=0.1, base=0.07):
        n = z.shape[0]
        logits = z @ z.T / temperature
        logits = logits - logits.max(dim=1, keepdim=True).values.detach()
        not_self = 1 - torch.eye(n)
        positives = (labels[:, None] == labels[None, :]).float() * not_self
        log_prob = logits - torch.log((torch.exp(logits) * not_self).sum(1, keepdim=True))
        return -(temperature / base) * ((positives * log_prob).sum(1) / positives.sum(1)).mean()

    def kl(target, scores):
        log_q, log_p = F.log_softmax(target, dim=1), F.log_softmax(scores, dim=1)
        return (log_q.exp() * (log_q - log_p)).sum(1).mean()

    def learn(task, steps):
        head = torch.empty(2, 64)
        nn.init.kaiming_uniform_(head, a=5 ** 0.5)
        heads.append(nn.Parameter(head))
        optimizer = torch.optim.SGD([
            {"params": list(model.parameters()) + list(projection.parameters())},
            {"params": heads, "lr": 0.01, "momentum": 0.0, "weight_decay": 0.0},
        ], lr=0.1, momentum=0.9, weight_decay=5e-4)
        data = torch.rand(steps * BATCH, 3, 32, 32)
        labels = torch.arange(steps * BATCH) % 2
        model.train()
        for step in range(steps):
            x = data[step * BATCH:(step + 1) * BATCH]
            y = labels[step * BATCH:(step + 1) * BATCH]
            views, y2 = torch.cat([x, x]), torch.cat([y, y])
            f = features(model, views)
            z = F.normalize(projection(f), dim=1)
            loss = supcon(z, y2 + 2 * task)
            cosines = F.normalize(f.detach(), dim=1) @ F.normalize(heads[task], dim=1).T
            loss = loss + 2 * (1 - cosines.gather(1, y2[:, None]).mean())
            if learn.teacher is not None:
                teacher_model, teacher_heads = learn.teacher
                with torch.no_grad():
                    teacher_f = features(teacher_model, views)
                distill = 0
                for old in range(task):
                    target = teacher_f @ F.normalize(teacher_heads[old], dim=1).T
                    distill = distill + kl(target, f @ F.normalize(heads[old], dim=1).T)
                loss = loss + 4 * distill
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        teacher_model = copy.deepcopy(model)   # left in training mode, as the official code
        learn.teacher = (teacher_model, [h.detach().clone() for h in heads])
    learn.teacher = None

    learn(0, 2)
    best, best_cpu = float("inf"), float("inf")
    for task in range(1, args.repeats + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        learn(task, args.steps)
        best = min(best, (time.perf_counter() - start) / args.steps)
        best_cpu = min(best_cpu, (time.process_time() - start_cpu) / args.steps)
    print(BATCH / best, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, 1000 * best_cpu)


if __name__ == "__main__":
    main()
