"""PyTorch reference for `cl-bench-benchmarks hypernet`: the same hypernetwork training step.

Chunked MLP hypernetwork h([e_t; c_i]) -> chunk i of the weight vector of a target MLP
784-100-100-out (multi-head output), sigmoid hidden units, chunks concatenated and cut to
n_Theta; the target MLP runs with the generated weights (F.linear, ReLU); cross-entropy over
the current task's head; output regulariser (beta / T) * sum_t ||h(e_t) - target_t||^2 over
4 earlier tasks (of the output layer only each old task's own head); backward; Adam (lr 5e-4) over the hypernetwork, its chunk embeddings and
the current task's embedding. Old embeddings are frozen (no gradient).

Cases and settings as the Swift benchmark: split-mnist-mlp (chunks 8000, hidden 10x4,
embeddings 32/32 shared, 10 outputs, batch 32, beta 10) and permuted-mnist-mlp (chunks 750,
hidden (100, 100), embedding 32, per-task chunk embeddings of 16, 100 outputs, batch 128,
beta 250). Prints a JSON array of {name, ms_per_step}: best of R runs of S steps after three
warm-up steps, on `--threads` threads.
"""
import argparse
import json
import math
import time

CASES = {
    "split-mnist-mlp": dict(chunk=8000, hidden=[10, 10, 10, 10], emb=32, chunk_emb=32, conditional=False,
                            outputs=10, head=2, batch=32, beta=10.0),
    "permuted-mnist-mlp": dict(chunk=750, hidden=[100, 100], emb=32, chunk_emb=16, conditional=True,
                               outputs=100, head=10, batch=128, beta=250.0),
}
OLD_TASKS = 4


def build(torch, spec):
    nn = torch.nn
    F = torch.nn.functional
    sizes = [784, 100, 100, spec["outputs"]]
    shapes = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        shapes.append((fan_out, fan_in))
    n_theta = sum(o * i + o for o, i in shapes)
    chunks = math.ceil(n_theta / spec["chunk"])

    widths = [spec["emb"] + spec["chunk_emb"]] + spec["hidden"] + [spec["chunk"]]
    layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
    for layer in layers:
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)

    def new_chunk_embeddings():
        return nn.Parameter(torch.randn(chunks, spec["chunk_emb"]) * 0.1)

    shared_chunks = None if spec["conditional"] else new_chunk_embeddings()
    embeddings = [nn.Parameter(torch.randn(spec["emb"])) for _ in range(OLD_TASKS + 1)]
    task_chunks = [new_chunk_embeddings() for _ in range(OLD_TASKS + 1)] if spec["conditional"] else None
    for e in embeddings[:OLD_TASKS]:
        e.requires_grad_(False)
    if task_chunks:
        for c in task_chunks[:OLD_TASKS]:
            c.requires_grad_(False)

    def generate(t):
        c = task_chunks[t] if spec["conditional"] else shared_chunks
        x = torch.cat([embeddings[t].expand(chunks, -1), c], dim=1)
        for k, layer in enumerate(layers):
            x = layer(x)
            if k < len(layers) - 1:
                x = torch.sigmoid(x)
        return x.reshape(-1)[:n_theta]

    def target(x, theta):
        offset = 0
        for k, (o, i) in enumerate(shapes):
            w = theta[offset:offset + o * i].view(o, i)
            offset += o * i
            b = theta[offset:offset + o]
            offset += o
            x = F.linear(x, w, b)
            if k < len(shapes) - 1:
                x = F.relu(x)
        return x

    with torch.no_grad():
        targets = [generate(t).clone() for t in range(OLD_TASKS)]
    # Only an old task's own output head is regularised (hypercl's inds_of_out_heads).
    masks = []
    out_offset = n_theta - (shapes[-1][0] * shapes[-1][1] + shapes[-1][0])
    o, i = shapes[-1]
    for t in range(OLD_TASKS):
        m = torch.ones(n_theta)
        keep = set(range(t * spec["head"], (t + 1) * spec["head"])) if spec["conditional"] else {2 * t, 2 * t + 1}
        for unit in range(o):
            if unit not in keep:
                m[out_offset + unit * i:out_offset + (unit + 1) * i] = 0
                m[out_offset + o * i + unit] = 0
        masks.append(m)
    params = list(layers.parameters()) + [embeddings[OLD_TASKS]]
    params += [shared_chunks] if shared_chunks is not None else [task_chunks[OLD_TASKS]]
    optimizer = torch.optim.Adam(params, lr=5e-4)
    inputs = torch.rand(spec["batch"], 784) * 2 - 1
    labels = torch.randint(0, spec["head"], (spec["batch"],))
    head = slice(OLD_TASKS * spec["head"], (OLD_TASKS + 1) * spec["head"]) if spec["conditional"] \
        else slice(2 * OLD_TASKS, 2 * OLD_TASKS + 2)

    def step():
        theta = generate(OLD_TASKS)
        logits = target(inputs, theta)[:, head]
        loss = F.cross_entropy(logits, labels)
        reg = sum(((generate(t) - targets[t]) * masks[t]).pow(2).sum() for t in range(OLD_TASKS))
        loss = loss + spec["beta"] / OLD_TASKS * reg
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    results = []
    for name, spec in CASES.items():
        step = build(torch, spec)
        for _ in range(3):
            step()
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            best = min(best, (time.perf_counter() - start) / args.steps)
        results.append({"name": name, "ms_per_step": round(best * 1000, 2)})
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
