#!/usr/bin/python3
"""PyTorch peer of feedrank's DJL two-tower training (dev.feedrank.bench.TrainingThroughputBench).

Reads the tensors TrainingThroughputBench writes to its --out DIR (see bench/README.md), trains the same
two-tower model with the same per-batch work (seeded shuffle, gather features from in-memory tables by row
index, forward, backward, Adam step) and reports training throughput.

stdout: test_auc=..., then as the LAST line  pytorch_samples_per_s=N  (median over the timed epochs)
stderr: BLAS/threading report, per-epoch samples/s and loss.

    /usr/bin/python3 bench/peer/two_tower_peer.py --data DIR [--threads 2] [--epochs N] [--batch-size B]
    /usr/bin/python3 bench/peer/two_tower_peer.py --blas-check   # print the BLAS in use and exit
"""
import argparse
import copy
import json
import os
import statistics
import sys
import time

WARMUP_BATCHES = 20


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="directory written by TrainingThroughputBench --out (or make_fake_data.py)")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2, as the DJL run)")
    p.add_argument("--epochs", type=int, help="timed epochs (default: meta.json epochs)")
    p.add_argument("--batch-size", type=int, help="default: meta.json batch_size")
    p.add_argument("--blas-check", action="store_true",
                   help="print which BLAS/threading layer is loaded; exit 0 if OpenBLAS+OpenMP, 3 otherwise")
    a = p.parse_args()
    if not a.blas_check and not a.data:
        p.error("--data is required")
    return a


ARGS = parse_args()
# OpenBLAS reads this when it is loaded (i.e. on `import torch`). With the OpenMP build torch.set_num_threads
# governs it anyway; with the pthreads build this is the only knob. Don't override an explicit user setting.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------- BLAS
def blas_report():
    """(ok, description) for the BLAS actually loaded in this process (not the one numpy/torch were built
    against: Debian builds both against the generic libblas.so.3 and the alternatives system picks it)."""
    # make sure torch's BLAS is loaded and initialised
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    libs = []
    try:
        import threadpoolctl
        for info in threadpoolctl.threadpool_info():
            if info.get("user_api") == "blas":
                libs.append((info.get("internal_api"), info.get("threading_layer"), info.get("filepath"),
                             info.get("num_threads")))
    except Exception:  # threadpoolctl missing or failing: fall back to the memory map
        pass
    if not libs:
        seen = set()
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if ("blas" in path or "lapack" in path) and path not in seen:
                    seen.add(path)
                    api = "openblas" if "openblas" in path else ("reference" if "blas" in path else "?")
                    layer = "openmp" if "openmp" in path else ("pthreads" if "pthread" in path else "?")
                    libs.append((api, layer, path, None))
    if not libs:
        return False, "no BLAS library found loaded in the process"
    desc = "; ".join(f"{api} threading={layer} threads={n} ({path})" for api, layer, path, n in libs)
    ok = any(api == "openblas" and layer == "openmp" for api, layer, _, _ in libs)
    return ok, desc


def blas_warning(desc):
    return ("WARNING: BLAS is not OpenBLAS with OpenMP: " + desc + "\n"
            "  install: apt-get install python3-torch libopenblas0-openmp\n"
            "  and put /usr/lib/x86_64-linux-gnu/openblas-openmp first in LD_LIBRARY_PATH (bench/training-throughput"
            " does this)\n  or select it system-wide: update-alternatives --config libblas.so.3-x86_64-linux-gnu")


# --------------------------------------------------------------------------------------------------- model
class Tower(nn.Module):
    def __init__(self, vocab_size, id_dim, dense_dim, out_dim):
        super().__init__()
        self.id_embedding = nn.Embedding(vocab_size, id_dim)
        nn.init.normal_(self.id_embedding.weight, mean=0.0, std=0.1)  # as the Java side
        self.mlp = nn.Sequential(
            nn.Linear(id_dim + dense_dim, 256), nn.ReLU(), nn.BatchNorm1d(256), nn.Dropout(0.3),
            nn.Linear(256, 128), nn.ReLU(), nn.BatchNorm1d(128), nn.Dropout(0.2),
            nn.Linear(128, out_dim), nn.LayerNorm(out_dim),
        )

    def forward(self, vocab_idx, dense):
        return self.mlp(torch.cat([self.id_embedding(vocab_idx), dense], dim=1))


class TwoTower(nn.Module):
    def __init__(self, meta, du, di):
        super().__init__()
        e, d = meta["embedding_dim"], meta["id_embedding_dim"]
        self.user = Tower(meta["user_vocab_size"], d, du, e)
        self.item = Tower(meta["item_vocab_size"], d, di, e)

    def forward(self, u_vocab, u_dense, i_vocab, i_dense):
        return (self.user(u_vocab, u_dense) * self.item(i_vocab, i_dense)).sum(dim=1)


# ---------------------------------------------------------------------------------------------------- data
def load(data_dir):
    def npy(name, dtype):
        arr = np.load(os.path.join(data_dir, name + ".npy"))
        if arr.dtype != dtype:
            raise SystemExit(f"{name}.npy: expected {dtype}, got {arr.dtype}")
        return torch.from_numpy(np.ascontiguousarray(arr))

    with open(os.path.join(data_dir, "meta.json")) as f:
        meta = json.load(f)
    t = {}
    for name in ("users_vocab", "items_vocab", "train_user", "train_item", "test_user", "test_item"):
        t[name] = npy(name, np.int64)
    for name in ("users_dense", "items_dense", "train_label", "test_label"):
        t[name] = npy(name, np.float32)
    return meta, t


def gather(t, user_rows, item_rows):
    """Per-batch feature gather from the in-memory tables, as the Java side does."""
    return (torch.index_select(t["users_vocab"], 0, user_rows), torch.index_select(t["users_dense"], 0, user_rows),
            torch.index_select(t["items_vocab"], 0, item_rows), torch.index_select(t["items_dense"], 0, item_rows))


def batches(t, perm, batch_size, limit=None):
    n = perm.numel()
    count = 0
    for start in range(0, n, batch_size):
        idx = perm[start:start + batch_size]
        if idx.numel() < 2:  # BatchNorm1d cannot train on a single row
            continue
        yield (torch.index_select(t["train_user"], 0, idx), torch.index_select(t["train_item"], 0, idx),
               torch.index_select(t["train_label"], 0, idx))
        count += 1
        if limit is not None and count >= limit:
            return


def train_step(model, opt, loss_fn, t, user_rows, item_rows, labels):
    logits = model(*gather(t, user_rows, item_rows))
    loss = loss_fn(logits, labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()  # read back every batch, as the Java side does (loss.getFloat())


# ----------------------------------------------------------------------------------------------------- AUC
def auc(labels, scores):
    try:
        from sklearn.metrics import roc_auc_score
        return float(roc_auc_score(labels, scores))
    except ImportError:
        pass
    # Mann-Whitney U with average ranks for ties
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2.0 + 1.0
        i = j + 1
    r = np.empty_like(ranks)
    r[order] = ranks
    pos = labels > 0.5
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


@torch.no_grad()
def evaluate(model, t, batch_size):
    model.eval()
    n = t["test_user"].numel()
    out = []
    for start in range(0, n, max(batch_size, 8192)):
        u = t["test_user"][start:start + max(batch_size, 8192)]
        i = t["test_item"][start:start + max(batch_size, 8192)]
        out.append(model(*gather(t, u, i)))
    model.train()
    scores = torch.cat(out).numpy() if out else np.empty(0, dtype=np.float32)
    return auc(t["test_label"].numpy(), scores)


# ---------------------------------------------------------------------------------------------------- main
def main():
    a = ARGS
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)  # as -Dai.djl.pytorch.num_interop_threads=1

    ok, desc = blas_report()
    if a.blas_check:
        print(("ok: " if ok else "not OpenBLAS+OpenMP: ") + desc)
        sys.exit(0 if ok else 3)
    log(f"torch {torch.__version__}, intra-op threads {torch.get_num_threads()}, interop threads "
        f"{torch.get_num_interop_threads()}, BLAS: {desc}")
    if not ok:
        log(blas_warning(desc))

    meta, t = load(a.data)
    seed = int(meta["seed"])
    epochs = a.epochs if a.epochs is not None else int(meta["epochs"])
    batch_size = a.batch_size if a.batch_size is not None else int(meta["batch_size"])
    lr = float(meta["learning_rate"])
    for flag, ours, key in (("--epochs", epochs, "epochs"), ("--batch-size", batch_size, "batch_size")):
        if key in meta and int(meta[key]) != ours:
            log(f"WARNING: {flag} {ours} differs from meta.json {key}={meta[key]} (the Java run's setting)")
    n_train = t["train_user"].numel()
    log(f"data {a.data}: users={t['users_vocab'].numel()} Du={t['users_dense'].shape[1]} "
        f"items={t['items_vocab'].numel()} Di={t['items_dense'].shape[1]} train={n_train} "
        f"test={t['test_user'].numel()} batch={batch_size} epochs={epochs} lr={lr} seed={seed}")

    torch.manual_seed(seed)
    model = TwoTower(meta, t["users_dense"].shape[1], t["items_dense"].shape[1])
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()

    # Warm-up (not timed): 20 batches, then restore the initial weights/optimizer so the timed run starts
    # from the seeded initialisation.
    init_model = copy.deepcopy(model.state_dict())
    init_opt = copy.deepcopy(opt.state_dict())
    warm_gen = torch.Generator().manual_seed(seed + 1)
    t0 = time.perf_counter()
    for u, i, y in batches(t, torch.randperm(n_train, generator=warm_gen), batch_size, limit=WARMUP_BATCHES):
        train_step(model, opt, loss_fn, t, u, i, y)
    log(f"warm-up: {WARMUP_BATCHES} batches in {time.perf_counter() - t0:.2f}s (not timed)")
    model.load_state_dict(init_model)
    opt.load_state_dict(init_opt)

    gen = torch.Generator().manual_seed(seed)
    rates = []
    for epoch in range(1, epochs + 1):
        loss_sum = 0.0
        samples = 0
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n_train, generator=gen)
        for u, i, y in batches(t, perm, batch_size):
            loss_sum += train_step(model, opt, loss_fn, t, u, i, y) * y.numel()
            samples += y.numel()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        rate = samples / dt
        rates.append(rate)
        log(f"epoch {epoch}/{epochs}: {samples} samples in {dt:.2f}s = {rate:.0f} samples/s "
            f"(process CPU {cpu:.2f}s = {cpu / dt:.2f} cores busy), mean loss {loss_sum / max(samples, 1):.4f}")

    test_auc = evaluate(model, t, batch_size)
    # upper median for an even count, as the Java side (sorted.get(size / 2))
    median = statistics.median_high(rates) if rates else float("nan")
    print(f"test_auc={test_auc:.4f}")
    print(f"pytorch_samples_per_s={median:.0f}", flush=True)


if __name__ == "__main__":
    main()
