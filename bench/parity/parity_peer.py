#!/usr/bin/python3
"""PyTorch peer of feedrank's DJL two-tower TRAINING (dev.feedrank.training.TwoTowerTrainer) for AUC parity.

Reads the tensors dev.feedrank.bench.ParityBench writes (see bench/README.md) and trains the same model with
the same training procedure as the Java trainer, with feedrank's default hyper-parameters:

  - model: per tower concat(Embedding(vocab, 32) ~ N(0, 0.1), dense) -> Linear(in,256) ReLU BatchNorm1d Dropout(0.3)
    -> Linear(256,128) ReLU BatchNorm1d Dropout(0.2) -> Linear(128,64) LayerNorm(64); logit = <user, item>;
    PyTorch's default initialisation everywhere else (Linear: kaiming_uniform(a=sqrt(5)) weight,
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias; BatchNorm/LayerNorm gamma 1, beta 0; BatchNorm momentum 0.1);
  - BCEWithLogitsLoss (mean), Adam(lr 1e-3, betas (0.9, 0.999), eps 1e-8), batch 1024, epochs 10;
  - each epoch a seeded permutation of the training rows;
  - cold-start training as TwoTowerTrainer: per batch, with probability cold_start_rate an example is shown as
    the first OOV user row of the user table (vocab index 0; same dense features as the Java side uses), and
    independently with the same probability the item's vocab index is set to 0 (the OOV bucket);
  - after each epoch the validation AUC (eval mode: BatchNorm running stats, no dropout), then
    ReduceLROnPlateau(mode max, factor 0.5, patience 3), best checkpoint by validation AUC (state_dict incl.
    BatchNorm running stats), early stopping after 5 epochs without improvement;
  - test AUC of the best checkpoint. Scores are sigmoid(logit) rounded to float32 as on the Java side (AUC ties).

Seed policy: torch.manual_seed(seed) before building the model (initialisation), the same global generator then
drives dropout and the cold-start masks; the shuffle uses its own generator seeded with the seed.

stdout, one line per seed:
  pytorch seed=S best_epoch=E best_val_auc=V test_auc=T epochs_run=N seconds=X
stderr: per-epoch loss / validation AUC / learning rate.

    /usr/bin/python3 bench/parity/parity_peer.py --data DIR [--seeds 3] [--first-seed 42] [--epochs 10]
"""
import argparse
import copy
import json
import os
import sys
import time

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--data", required=True)
ap.add_argument("--seeds", type=int, default=3)
ap.add_argument("--first-seed", type=int, default=42)
ap.add_argument("--epochs", type=int, default=10)
ap.add_argument("--batch-size", type=int, default=1024)
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--cold-start-rate", type=float, default=0.5)
ap.add_argument("--lr-factor", type=float, default=0.5)
ap.add_argument("--lr-patience", type=int, default=3)
ap.add_argument("--early-stopping-patience", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
ARGS = ap.parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Tower(nn.Module):
    def __init__(self, vocab_size, id_dim, dense_dim, out_dim):
        super().__init__()
        self.id_embedding = nn.Embedding(vocab_size, id_dim)
        nn.init.normal_(self.id_embedding.weight, mean=0.0, std=0.1)  # as the Java side (NormalInitializer(0.1))
        self.mlp = nn.Sequential(
            nn.Linear(id_dim + dense_dim, 256), nn.ReLU(), nn.BatchNorm1d(256), nn.Dropout(0.3),
            nn.Linear(256, 128), nn.ReLU(), nn.BatchNorm1d(128), nn.Dropout(0.2),
            nn.Linear(128, out_dim), nn.LayerNorm(out_dim),
        )

    def forward(self, vocab_idx, dense):
        return self.mlp(torch.cat([self.id_embedding(vocab_idx), dense], dim=1))


class TwoTower(nn.Module):
    def __init__(self, uv, iv, du, di, id_dim=32, emb_dim=64):
        super().__init__()
        self.user = Tower(uv, id_dim, du, emb_dim)
        self.item = Tower(iv, id_dim, di, emb_dim)

    def forward(self, u_vocab, u_dense, i_vocab, i_dense):
        return (self.user(u_vocab, u_dense) * self.item(i_vocab, i_dense)).sum(dim=1)


def load(d):
    def npy(name):
        return torch.from_numpy(np.ascontiguousarray(np.load(os.path.join(d, name + ".npy"))))
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    t = {n: npy(n) for n in ("users_vocab", "users_dense", "items_vocab", "items_dense")}
    for split in ("train", "validation", "test"):
        for col in ("user", "item", "label"):
            t[f"{split}_{col}"] = npy(f"{split}_{col}")
    return meta, t


def auc(labels, scores):
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(labels, scores))


@torch.no_grad()
def split_auc(model, t, split):
    """As TwoTowerTrainer.validationAuc: embed every table row in eval mode, score pairs, sigmoid in float."""
    model.eval()
    ue = model.user.mlp(torch.cat([model.user.id_embedding(t["users_vocab"]), t["users_dense"]], 1))
    ie = model.item.mlp(torch.cat([model.item.id_embedding(t["items_vocab"]), t["items_dense"]], 1))
    model.train()
    logits = (ue[t[split + "_user"]] * ie[t[split + "_item"]]).sum(1)
    p = torch.sigmoid(logits.double()).float().numpy()
    return auc(t[split + "_label"].numpy(), p)


def train_one(meta, t, seed, a):
    torch.manual_seed(seed)
    model = TwoTower(int(meta["user_vocab_size"]), int(meta["item_vocab_size"]),
                     t["users_dense"].shape[1], t["items_dense"].shape[1])
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=a.lr_factor, patience=a.lr_patience)
    loss_fn = nn.BCEWithLogitsLoss()
    oov = (t["users_vocab"] == 0).nonzero()
    cold_row = int(oov[0, 0]) if oov.numel() > 0 else -1
    n = t["train_user"].numel()
    shuffle = torch.Generator().manual_seed(seed)
    best_auc, best_epoch, best_state = float("-inf"), 0, None
    epochs_run = 0
    rate = a.cold_start_rate
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=shuffle)
        loss_sum = 0.0
        for start in range(0, n, a.batch_size):
            idx = perm[start:start + a.batch_size]
            if idx.numel() < 2:  # BatchNorm1d cannot train on one row
                continue
            u = t["train_user"][idx]
            i = t["train_item"][idx]
            y = t["train_label"][idx]
            i_vocab = t["items_vocab"][i]
            if rate > 0:
                if cold_row >= 0:
                    u = torch.where(torch.rand(idx.numel()) < rate, torch.full_like(u, cold_row), u)
                i_vocab = i_vocab * (torch.rand(idx.numel()) >= rate).long()
            logits = model(t["users_vocab"][u], t["users_dense"][u], i_vocab, t["items_dense"][i])
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * idx.numel()
        epochs_run = epoch
        val = split_auc(model, t, "validation")
        improved = val > best_auc
        if improved:
            best_auc, best_epoch, best_state = val, epoch, copy.deepcopy(model.state_dict())
        log(f"pytorch seed {seed} epoch {epoch}: loss {loss_sum / n:.4f} val AUC {val:.4f} "
            f"lr {opt.param_groups[0]['lr']:.2g} {n / (time.perf_counter() - t0):.0f} samples/s")
        sched.step(val)
        if epoch - best_epoch >= a.early_stopping_patience and epoch < a.epochs:
            log(f"pytorch seed {seed}: early stop after epoch {epoch}")
            break
    model.load_state_dict(best_state)
    return best_epoch, best_auc, split_auc(model, t, "test"), epochs_run


def main():
    a = ARGS
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    meta, t = load(a.data)
    log(f"torch {torch.__version__}, threads {torch.get_num_threads()}; train {t['train_user'].numel()} "
        f"validation {t['validation_user'].numel()} test {t['test_user'].numel()}")
    for k in range(a.seeds):
        seed = a.first_seed + k
        t0 = time.perf_counter()
        best_epoch, best_val, test, epochs_run = train_one(meta, t, seed, a)
        print(f"pytorch seed={seed} best_epoch={best_epoch} best_val_auc={best_val:.4f} test_auc={test:.4f} "
              f"epochs_run={epochs_run} seconds={time.perf_counter() - t0:.0f}", flush=True)


if __name__ == "__main__":
    main()
