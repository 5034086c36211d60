#!/usr/bin/env python3
"""Runs nntrain's two benchmark workloads in Keras 3 and PyTorch, for comparison with
nntrain-bench (benchmarks/Bench/main.swift).

    python3 benchmarks/compare.py [w1|w2|all] [--epochs-w1 N] [--epochs-w2 N]
                                  [--frameworks keras-jax,keras-tensorflow,torch,torch-ddp]
                                  [--threads N] [--ddp-ranks N] [--show-epochs]

Each (workload, framework) pair runs in its own Python process: Keras reads KERAS_BACKEND once,
at import, so every backend needs a fresh interpreter, and a fresh process also keeps one
framework's thread pools and caches from touching another's numbers. A framework that is not
installed is reported as "skipped: <why>".

torch-ddp is PyTorch DistributedDataParallel (gloo, CPU) with --ddp-ranks processes (default 2)
started by that worker process, trained like nntrain under mpirun: every epoch one permutation
shared by all ranks, each global batch split into contiguous per-rank shards, gradients averaged
by DDP, threads // ranks threads per rank. Rank 0 times the epochs, each ending in a barrier.

W1: 1 -> Dense(16, relu) -> Dense(32, relu) -> Dense(2, sigmoid) on the 2100-person drug trial,
    batch 10, Adam(1e-4), sparse categorical crossentropy, accuracy, 20 epochs.
W2: 784 -> Dense(512, relu) -> Dense(256, relu) -> Dense(10, softmax) on 60000 samples
    x ~ N(0, 1) with labels argmax(x @ R), batch 128, Adam(1e-3), same loss and metric, 4 epochs.

For every pair it prints the median epoch time over the epochs after the first (and the best of
them: on a shared machine noise only ever slows an epoch down), the time per step, GFLOP/s (W1: 3 * 2 * (16 + 512 + 64) * 2100 flops per epoch, W2: 144.4 GFLOP per epoch),
and the first epoch's overhead (first epoch minus that median: tracing, compiling, warm-up).
"""
import argparse
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import time

FRAMEWORKS = ("keras-jax", "keras-tensorflow", "torch", "torch-ddp")
RESULT_MARK = "@@compare-result "

W1_FLOPS = 3 * 2 * (1 * 16 + 16 * 32 + 32 * 2) * 2100
W2_FLOPS = 144.4e9

WORKLOADS = {
    # name: batch size, learning rate, flops per epoch
    "W1": dict(batch=10, lr=1e-4, flops=W1_FLOPS),
    "W2": dict(batch=128, lr=1e-3, flops=W2_FLOPS),
}


# --------------------------------------------------------------------------------------------
# Data (numpy only, identical for every framework)


def drug_trial(seed=0):
    """The 2100-person trial: 50 young (13-64) with side effects (1) and 50 old (65-100)
    without (0), then 1000 young without and 1000 old with; ages scaled (age - 13) / 87,
    shuffled once with a fixed seed. Returns x (2100, 1) float32 and y (2100,) int64."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ages, labels = [], []
    for count, young_label, old_label in ((50, 1, 0), (1000, 0, 1)):
        ages.append(rng.integers(13, 65, size=count))
        labels.append(np.full(count, young_label))
        ages.append(rng.integers(65, 101, size=count))
        labels.append(np.full(count, old_label))
    ages = np.concatenate(ages)
    labels = np.concatenate(labels).astype(np.int64)
    order = rng.permutation(len(ages))
    x = ((ages[order] - 13) / 87.0).astype(np.float32).reshape(-1, 1)
    return x, labels[order]


def random_projection(rows=60000, features=784, classes=10, seed=2024):
    """x ~ N(0, 1) float32 (rows, features), R ~ N(0, 1) (features, classes),
    labels argmax(x @ R). Returns x and y (rows,) int64."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features)).astype(np.float32)
    r = rng.standard_normal((features, classes)).astype(np.float32)
    y = np.argmax(x @ r, axis=1).astype(np.int64)
    return x, y


def load(workload):
    return drug_trial() if workload == "W1" else random_projection()


# --------------------------------------------------------------------------------------------
# Workers: each runs one workload in one framework and prints one result line


def keras_worker(workload, epochs, threads):
    backend = os.environ.get("KERAS_BACKEND", "")
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    x, y = load(workload)
    y = y.astype("int32")
    spec = WORKLOADS[workload]
    keras.utils.set_random_seed(0)
    if workload == "W1":
        layers = [keras.Input((1,)), keras.layers.Dense(16, activation="relu"),
                  keras.layers.Dense(32, activation="relu"),
                  keras.layers.Dense(2, activation="sigmoid")]
    else:
        layers = [keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                  keras.layers.Dense(256, activation="relu"),
                  keras.layers.Dense(10, activation="softmax")]
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=spec["lr"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    durations = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            durations.append(time.perf_counter() - self.start)

    begin = time.perf_counter()
    history = model.fit(x, y, batch_size=spec["batch"], epochs=epochs, shuffle=True, verbose=0,
                        callbacks=[EpochTimer()])
    total = time.perf_counter() - begin
    versions = {"keras": keras.__version__}
    if backend == "jax":
        import jax
        versions["jax"] = jax.__version__
    elif backend == "tensorflow":
        import tensorflow as tf
        versions["tensorflow"] = tf.__version__
    return dict(durations=durations, total=total, samples=len(x),
                loss=float(history.history["loss"][-1]),
                accuracy=float(history.history["accuracy"][-1]),
                versions=versions, detail=f"jit_compile={model.jit_compile}")


def torch_model(workload):
    """The workload's model as a torch nn.Sequential (initialised from torch's current seed)."""
    from torch import nn

    sizes = [1, 16, 32, 2] if workload == "W1" else [784, 512, 256, 10]
    modules = []
    for i in range(len(sizes) - 1):
        linear = nn.Linear(sizes[i], sizes[i + 1])
        nn.init.xavier_uniform_(linear.weight)  # Keras's glorot_uniform and zero bias
        nn.init.zeros_(linear.bias)
        modules.append(linear)
        if i < len(sizes) - 2:
            modules.append(nn.ReLU())
    # The model ends with the last Dense's pre-activation values; CrossEntropyLoss applies
    # log-softmax to them, which for W2 is exactly Keras's softmax + sparse crossentropy. For W1
    # Keras normalises the sigmoid outputs instead (-log(s_y / (s_0 + s_1))): the same work per
    # step, not the same numbers.
    return nn.Sequential(*modules)


def torch_adam(model, lr):
    """Adam with Keras's epsilon, fused where this torch build has it. Returns (optimizer, kind)."""
    import torch

    try:
        return torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7, fused=True), "fused"
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7, foreach=True), "foreach"


def torch_worker(workload, epochs, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x_np, y_np = load(workload)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    spec = WORKLOADS[workload]
    model = torch_model(workload)
    loss_fn = nn.CrossEntropyLoss()
    optimizer, adam_kind = torch_adam(model, spec["lr"])

    batch, n = spec["batch"], len(x)
    generator = torch.Generator().manual_seed(0)
    durations = []
    begin = time.perf_counter()
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n, batch):
            index = order[i:i + batch]
            xb, yb = x[index], y[index]
            logits = model(xb)
            loss = loss_fn(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(index)
                correct += (logits.argmax(dim=1) == yb).sum()
        epoch_loss, epoch_accuracy = loss_sum.item() / n, correct.item() / n
        durations.append(time.perf_counter() - start)
    total = time.perf_counter() - begin
    return dict(durations=durations, total=total, samples=n, loss=epoch_loss,
                accuracy=epoch_accuracy, versions={"torch": torch.__version__},
                detail=f"Adam {adam_kind}, {torch.get_num_threads()} threads")


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now, for the gloo rendezvous."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torch_ddp_worker(workload, epochs, threads, ranks):
    """Starts `ranks` processes running torch_ddp_rank and returns rank 0's result."""
    import torch.distributed
    import torch.multiprocessing as mp

    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        raise RuntimeError("this torch build has no torch.distributed gloo backend")
    per_rank = max(1, threads // ranks)
    # The ranks are fresh interpreters (start method "spawn") and inherit this environment:
    # the rendezvous address for init_process_group's env:// and each rank's thread count.
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(free_port())
    os.environ["WORLD_SIZE"] = str(ranks)
    os.environ["OMP_NUM_THREADS"] = str(per_rank)
    os.environ["MKL_NUM_THREADS"] = str(per_rank)
    results = mp.get_context("spawn").SimpleQueue()
    # Joins all ranks; if one raises, the others are terminated and the error is raised here.
    # On Linux each rank also gets SIGINT if this process dies (e.g. killed by the timeout).
    mp.spawn(torch_ddp_rank, args=(ranks, workload, epochs, per_rank, results), nprocs=ranks,
             join=True)
    return results.get()


def torch_ddp_rank(rank, ranks, workload, epochs, threads, results):
    """One DDP rank. Every rank builds the same data, model and permutations; rank r trains on
    rows [r * rows / ranks, (r + 1) * rows / ranks) of every global batch (nntrain's Shards)."""
    import torch
    import torch.distributed as dist
    from torch import nn
    from torch.nn.parallel import DistributedDataParallel

    os.environ["RANK"] = str(rank)
    dist.init_process_group("gloo", rank=rank, world_size=ranks)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x_np, y_np = load(workload)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    spec = WORKLOADS[workload]
    # DDP also broadcasts rank 0's parameters here, so the ranks start identical regardless.
    model = DistributedDataParallel(torch_model(workload))
    # Summed per-sample losses: scaled by ranks / rows below, DDP's gradient average (sum over
    # ranks / ranks) becomes the mean over the global batch, as in nntrain. When the shards are
    # equal (every batch of W1 and W2 at 2 ranks) that is exactly each shard's mean loss; it
    # stays right for unequal shards and for an empty shard (more ranks than rows).
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    optimizer, adam_kind = torch_adam(model, spec["lr"])

    batch, n = spec["batch"], len(x)
    generator = torch.Generator().manual_seed(0)  # same seed on every rank: same permutations
    durations = []
    dist.barrier()  # the ranks finished setting up at different times
    begin = time.perf_counter()
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n, batch):
            rows = min(batch, n - i)
            index = order[i + rank * rows // ranks:i + (rank + 1) * rows // ranks]
            xb, yb = x[index], y[index]
            logits = model(xb)
            shard_loss = loss_fn(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            (shard_loss * (ranks / rows)).backward()  # DDP allreduces the gradients here
            optimizer.step()
            with torch.no_grad():
                loss_sum += shard_loss.detach()
                correct += (logits.argmax(dim=1) == yb).sum()
        dist.barrier()  # the epoch ends when the slowest rank is done
        durations.append(time.perf_counter() - start)
    total = time.perf_counter() - begin
    # The last epoch's loss and accuracy over all ranks' rows (after the timing, once).
    stats = torch.stack([loss_sum, correct.to(loss_sum.dtype)]).double()
    dist.all_reduce(stats)
    if rank == 0:
        results.put(dict(durations=durations, total=total, samples=n,
                         loss=stats[0].item() / n, accuracy=stats[1].item() / n,
                         versions={"torch": torch.__version__},
                         detail=f"DDP gloo, {ranks} ranks x {torch.get_num_threads()} threads, "
                                f"Adam {adam_kind}"))
    # Every rank leaves together: gloo can abort a rank whose peer tore down first.
    dist.barrier()
    dist.destroy_process_group()


def worker_main(framework, workload, epochs, threads, ranks):
    if framework == "torch":
        result = torch_worker(workload, epochs, threads)
    elif framework == "torch-ddp":
        result = torch_ddp_worker(workload, epochs, threads, ranks)
    else:
        result = keras_worker(workload, epochs, threads)
    print(RESULT_MARK + json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------------
# Driver


def missing_modules(framework):
    needed = {"keras-jax": ["keras", "jax"], "keras-tensorflow": ["keras", "tensorflow"],
              "torch": ["torch"], "torch-ddp": ["torch"]}[framework]
    return [m for m in needed if importlib.util.find_spec(m) is None]


def run_one(framework, workload, epochs, threads, timeout, show_epochs=False, ranks=2):
    label = f"{workload} {framework}"
    missing = missing_modules(framework)
    if missing:
        print(f"{label}  skipped: {', '.join(missing)} not installed for {sys.executable}",
              flush=True)
        return
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["OMP_NUM_THREADS"] = str(threads)
    env["MKL_NUM_THREADS"] = str(threads)
    env.setdefault("JAX_PLATFORMS", "cpu")
    if framework.startswith("keras-"):
        env["KERAS_BACKEND"] = framework[len("keras-"):]
    command = [sys.executable, os.path.abspath(__file__), "--worker", framework, workload,
               "--epochs", str(epochs), "--threads", str(threads), "--ddp-ranks", str(ranks)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{label}  failed: timed out after {timeout} s", flush=True)
        return
    lines = [l for l in done.stdout.splitlines() if l.startswith(RESULT_MARK)]
    if done.returncode != 0 or not lines:
        tail = [l for l in (done.stderr or done.stdout).strip().splitlines() if l.strip()]
        why = tail[-1] if tail else f"exit code {done.returncode}"
        print(f"{label}  failed: {why}", flush=True)
        return
    result = json.loads(lines[-1][len(RESULT_MARK):])
    durations = result["durations"]
    steady = durations[1:] or durations
    median = statistics.median(steady)
    spec = WORKLOADS[workload]
    steps = math.ceil(result["samples"] / spec["batch"])
    gflops = spec["flops"] / median / 1e9
    print(f"{label}  median epoch {median:.4f} s (best {min(steady):.4f})  "
          f"{median / steps * 1e6:.1f} us/step  "
          f"{gflops:.{1 if gflops >= 1 else 3}f} GFLOP/s  "
          f"first-epoch overhead {durations[0] - median:.4f} s", flush=True)
    versions = " ".join(f"{k} {v}" for k, v in result["versions"].items())
    print(f"    ({versions}; {result['detail']}; epochs={len(durations)} "
          f"total {result['total']:.2f} s; last epoch loss {result['loss']:.4f} "
          f"accuracy {result['accuracy']:.4f})", flush=True)
    if show_epochs:
        print("    epoch seconds: " + " ".join(f"{d:.4f}" for d in durations), flush=True)


def main(argv):
    if argv and argv[0] == "--worker":
        parser = argparse.ArgumentParser()
        parser.add_argument("--worker", choices=FRAMEWORKS)
        parser.add_argument("workload", choices=sorted(WORKLOADS))
        parser.add_argument("--epochs", type=int, required=True)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--ddp-ranks", type=int, default=2)
        args = parser.parse_args(argv)
        worker_main(args.worker, args.workload, args.epochs, args.threads, args.ddp_ranks)
        return 0

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", nargs="?", default="all", choices=["w1", "w2", "all"])
    parser.add_argument("--epochs-w1", type=int, default=20)
    parser.add_argument("--epochs-w2", type=int, default=4)
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                        help="comma-separated subset of " + ",".join(FRAMEWORKS))
    parser.add_argument("--threads", type=int, default=2,
                        help="OMP/MKL threads, torch.set_num_threads, TF intra/inter-op threads"
                             " (torch-ddp: threads // ranks per rank, at least 1)")
    parser.add_argument("--ddp-ranks", type=int, default=2, help="processes for torch-ddp")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per run")
    parser.add_argument("--show-epochs", action="store_true", help="also print every epoch's time")
    args = parser.parse_args(argv)
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown = [f for f in frameworks if f not in FRAMEWORKS]
    if unknown:
        parser.error(f"unknown framework(s): {', '.join(unknown)}")
    if min(args.epochs_w1, args.epochs_w2) < 1:
        parser.error("epochs must be at least 1")
    if args.ddp_ranks < 1:
        parser.error("--ddp-ranks must be at least 1")

    runs = []
    if args.which in ("w1", "all"):
        runs.append(("W1", args.epochs_w1))
    if args.which in ("w2", "all"):
        runs.append(("W2", args.epochs_w2))
    for workload, epochs in runs:
        for framework in frameworks:
            run_one(framework, workload, epochs, args.threads, args.timeout, args.show_epochs,
                    args.ddp_ranks)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
