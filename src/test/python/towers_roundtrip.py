#!/usr/bin/env python3
"""Loads a feedrank bundle's towers.safetensors in Python, rebuilds both towers (PyTorch when importable, else
numpy), recomputes the scores of serving_probe.json from the bundle's id CSVs and feature matrices, and exits 0
when every score matches within the tolerance (default 1e-4), 1 otherwise.

usage: towers_roundtrip.py BUNDLE_DIR [--numpy] [--tolerance 1e-4]
BUNDLE_DIR holds the bundle's files: towers.safetensors, serving_probe.json, user_ids.csv, item_ids.csv,
user_features.npy, item_features.npy.
"""
import csv
import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "I64": "<i8"}


def load_safetensors(path):
    """The safetensors format by hand: u64 LE header length, JSON header, raw little-endian tensor bytes."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        tensors[name] = np.frombuffer(raw, dtype=DTYPES[e["dtype"]]).reshape(e["shape"]).copy()
    return tensors, meta


# --- the module of docs/serving.md ("PyTorch towers") -----------------------------------------------------------
def torch_towers(meta):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def tower(inputs, d, norm):
        layers = [nn.Linear(inputs, 256), nn.ReLU(), nn.BatchNorm1d(256), nn.Dropout(0.3),
                  nn.Linear(256, 128), nn.ReLU(), nn.BatchNorm1d(128), nn.Dropout(0.2), nn.Linear(128, d)]
        if norm == "layernorm":
            layers.append(nn.LayerNorm(d))
        return nn.Sequential(*layers)

    class TwoTowerTowers(nn.Module):
        def __init__(self, m):
            super().__init__()
            i = lambda k: int(m[k])
            d, ids, self.l2 = i("embedding_dim"), i("id_embedding_dim"), m["output_norm"] == "l2"
            self.user_tower_id_embedding = nn.Embedding(i("user_vocab_size"), ids)
            self.item_tower_id_embedding = nn.Embedding(i("item_vocab_size"), ids)
            self.user_tower = tower(ids + i("user_dense_dim"), d, m["output_norm"])
            self.item_tower = tower(ids + i("item_dense_dim"), d, m["output_norm"])

        def embed(self, which, vocab_index, dense):
            ids = getattr(self, which + "_id_embedding")(vocab_index)
            x = getattr(self, which)(torch.cat([ids, dense], dim=1))
            return F.normalize(x, dim=1) if self.l2 else x

    return TwoTowerTowers(meta)
# -----------------------------------------------------------------------------------------------------------------


def embed_torch(tensors, meta):
    import torch
    model = torch_towers(meta)
    state = {k: torch.from_numpy(v) for k, v in tensors.items() if not k.startswith("heads.")}
    model.load_state_dict(state, strict=True)
    model.eval()

    def embed(which, vocab_index, dense):
        with torch.no_grad():
            return model.embed(which, torch.from_numpy(vocab_index.astype(np.int64)),
                               torch.from_numpy(dense.astype(np.float32))).numpy()
    return embed


def embed_numpy(tensors, meta):
    l2 = meta["output_norm"] == "l2"

    def embed(which, vocab_index, dense):
        t = lambda k: tensors[which + "." + k]
        x = np.concatenate([tensors[which + "_id_embedding.weight"][vocab_index], dense], axis=1).astype(np.float32)
        for lin, bn in ((0, 2), (4, 6)):
            x = np.maximum(x @ t("%d.weight" % lin).T + t("%d.bias" % lin), 0)
            x = (x - t("%d.running_mean" % bn)) / np.sqrt(t("%d.running_var" % bn) + 1e-5) * t("%d.weight" % bn) + t("%d.bias" % bn)
        x = x @ t("8.weight").T + t("8.bias")
        if l2:
            return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * t("9.weight") + t("9.bias")
    return embed


def read_ids(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {r["id"]: (int(r["row"]), int(r["vocab_index"])) for r in rows}


def click_scores(tensors, meta, u, i):
    if "heads.weight" not in tensors:
        return (u * i).sum(axis=1)
    click = meta["heads"].split(",").index("click")
    parts = [u, i] if meta["head_input"] == "concat" else [u, i, u * i]
    return np.concatenate(parts, axis=1) @ tensors["heads.weight"][click] + tensors["heads.bias"][click]


def main(argv):
    folder = argv[1]
    tolerance = float(argv[argv.index("--tolerance") + 1]) if "--tolerance" in argv else 1e-4
    tensors, meta = load_safetensors(os.path.join(folder, "towers.safetensors"))
    backend = "numpy"
    if "--numpy" not in argv:
        try:
            embed = embed_torch(tensors, meta)
            backend = "torch"
        except ImportError:
            embed = None
    if backend == "numpy":
        embed = embed_numpy(tensors, meta)
    with open(os.path.join(folder, "serving_probe.json"), encoding="utf-8") as f:
        probe = json.load(f)
    scores = {}
    for which, key in (("user_tower", "users"), ("item_tower", "items")):
        prefix = which.split("_")[0]
        ids = read_ids(os.path.join(folder, prefix + "_ids.csv"))
        features = np.load(os.path.join(folder, prefix + "_features.npy")).astype(np.float32)
        try:
            rows = [ids[x] for x in probe[key]]
        except KeyError as e:
            print("probe %s %s is not in %s_ids.csv" % (key, e, prefix))
            return 1
        vocab = np.array([v for _, v in rows], dtype=np.int64)
        dense = features[[r for r, _ in rows]]
        scores[key] = embed(which, vocab, dense)
    got = click_scores(tensors, meta, scores["users"], scores["items"])
    want = np.array(probe["scores"], dtype=np.float32)
    diff = float(np.abs(got - want).max()) if len(want) else 0.0
    print("backend %s, %d probe pairs, output_norm %s, max abs diff %.3g (tolerance %g)"
          % (backend, len(want), meta.get("output_norm"), diff, tolerance))
    return 0 if diff <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
