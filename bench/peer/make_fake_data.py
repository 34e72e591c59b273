#!/usr/bin/python3
"""Write a random dataset in the format TrainingThroughputBench writes, for testing two_tower_peer.py alone.

Files (numpy .npy, C order) in --out DIR:
  users_vocab.npy int64[U]  users_dense.npy float32[U,Du]
  items_vocab.npy int64[I]  items_dense.npy float32[I,Di]
  train_user.npy / train_item.npy int64[N] (row indices), train_label.npy float32[N] (0/1)
  test_user.npy / test_item.npy / test_label.npy likewise
  meta.json {user_vocab_size, item_vocab_size, id_embedding_dim, embedding_dim, batch_size, epochs,
             learning_rate, seed}
Labels are drawn from a hidden user/item affinity that the dense features partly reveal, so test AUC is
meaningfully above 0.5 when training works.
"""
import argparse
import json
import os

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--items", type=int, default=1000)
    p.add_argument("--rows", type=int, default=200_000, help="train rows")
    p.add_argument("--test-rows", type=int, default=20_000)
    p.add_argument("--user-dense", type=int, default=40)
    p.add_argument("--item-dense", type=int, default=30)
    p.add_argument("--id-embedding-dim", type=int, default=32)
    p.add_argument("--embedding-dim", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--learning-rate", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()

    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)

    def save(name, arr):
        np.save(os.path.join(a.out, name + ".npy"), np.ascontiguousarray(arr))

    latent = 8
    zu = rng.standard_normal((a.users, latent)).astype(np.float32)
    zi = rng.standard_normal((a.items, latent)).astype(np.float32)

    def vocab(n):
        # 1..n for known entities, ~5% mapped to the OOV bucket 0; vocab size includes bucket 0.
        v = np.arange(1, n + 1, dtype=np.int64)
        v[rng.random(n) < 0.05] = 0
        return v, n + 1

    users_vocab, user_vocab_size = vocab(a.users)
    items_vocab, item_vocab_size = vocab(a.items)
    users_dense = (zu @ rng.standard_normal((latent, a.user_dense)).astype(np.float32)
                   + 0.5 * rng.standard_normal((a.users, a.user_dense)).astype(np.float32))
    items_dense = (zi @ rng.standard_normal((latent, a.item_dense)).astype(np.float32)
                   + 0.5 * rng.standard_normal((a.items, a.item_dense)).astype(np.float32))
    save("users_vocab", users_vocab)
    save("users_dense", users_dense.astype(np.float32))
    save("items_vocab", items_vocab)
    save("items_dense", items_dense.astype(np.float32))

    def split(prefix, n):
        u = rng.integers(0, a.users, n, dtype=np.int64)
        i = rng.integers(0, a.items, n, dtype=np.int64)
        logit = (zu[u] * zi[i]).sum(axis=1) / np.sqrt(latent) * 2.0 - 1.0
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
        save(prefix + "_user", u)
        save(prefix + "_item", i)
        save(prefix + "_label", y)
        return y.mean()

    pos_train = split("train", a.rows)
    pos_test = split("test", a.test_rows)

    meta = {
        "user_vocab_size": user_vocab_size,
        "item_vocab_size": item_vocab_size,
        "id_embedding_dim": a.id_embedding_dim,
        "embedding_dim": a.embedding_dim,
        "batch_size": a.batch_size,
        "epochs": a.epochs,
        "learning_rate": a.learning_rate,
        "seed": a.seed,
    }
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(f"wrote {a.out}: users={a.users} items={a.items} train={a.rows} (pos {pos_train:.3f}) "
          f"test={a.test_rows} (pos {pos_test:.3f})")


if __name__ == "__main__":
    main()
