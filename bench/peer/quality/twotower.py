import os
import numpy as np, time, json, sys, torch, torch.nn as nn, torch.nn.functional as F
from common import *
torch.set_num_threads(1)

DEFAULT = dict(name='default', seed=0, id_dim=32, hidden=[256, 128], out=64, drop=[0.3, 0.2], norm='ln',
               dense=True, ids=True, loss='bce', neg=16, cold=0.5, lr=1e-3, batch=1024, epochs=10,
               select='auc', temp=1.0, logq=True, extra_neg=True, wd=0.0, id_l2=0.0, bn=True, patience=100)

class Tower(nn.Module):
    def __init__(s, n_ids, dense_dim, c):
        super().__init__()
        s.c = c
        s.emb = nn.Embedding(n_ids, c['id_dim']) if c['ids'] else None
        if s.emb is not None: nn.init.normal_(s.emb.weight, 0, 0.1)
        d_in = (c['id_dim'] if c['ids'] else 0) + (dense_dim if c['dense'] else 0)
        layers = []
        for h, p in zip(c['hidden'], c['drop']):
            layers += [nn.Linear(d_in, h), nn.ReLU()]
            if c['bn']: layers.append(nn.BatchNorm1d(h))
            if p > 0: layers.append(nn.Dropout(p))
            d_in = h
        layers.append(nn.Linear(d_in, c['out']))
        if c['norm'] == 'ln': layers.append(nn.LayerNorm(c['out']))
        s.mlp = nn.Sequential(*layers)
    def forward(s, ids, dense):
        parts = []
        if s.emb is not None: parts.append(s.emb(ids))
        if s.c['dense']: parts.append(dense)
        x = s.mlp(torch.cat(parts, 1))
        if s.c['norm'] == 'l2': x = F.normalize(x, dim=1)
        return x

def features(d, tr):
    G = d['genres']; k = d['split'] == 0
    cnt = tr.sum(0)
    ts = d['ts'][k]; lo, hi = ts.min(), ts.max()
    rk = k & (d['ts'] >= hi - 0.1 * (hi - lo))
    rc = np.bincount(d['i'][rk], minlength=tr.shape[1]).astype(np.float32)
    item = np.c_[G, np.log1p(cnt) / np.log1p(cnt.max()), np.log1p(rc) / np.log1p(rc.max())].astype(np.float32)
    ucnt = tr.sum(1)
    pref = (tr @ G) / np.maximum(ucnt, 1)[:, None]
    user = np.c_[pref, np.log1p(ucnt) / np.log1p(ucnt.max())].astype(np.float32)
    item_ids = np.where(cnt > 0, np.arange(tr.shape[1]) + 1, 0)
    user_ids = np.where(ucnt > 0, np.arange(tr.shape[0]) + 1, 0)
    return user, item, user_ids, item_ids

def sample_neg(rng, users, mask, nI):
    neg = rng.integers(0, nI, len(users))
    bad = mask[users, neg] > 0
    while bad.any():
        neg[bad] = rng.integers(0, nI, bad.sum()); bad = mask[users, neg] > 0
    return neg

def run(cfg):
    c = dict(DEFAULT); c.update(cfg)
    d = load(); tr, va, te = mats(d); nU, nI = tr.shape
    rng = np.random.default_rng(c['seed']); torch.manual_seed(c['seed'])
    uf, itf, uid, iid = features(d, tr)
    UF, IF = torch.tensor(uf), torch.tensor(itf)
    UID, IID = torch.tensor(uid), torch.tensor(iid)
    ut, mt = Tower(nU + 1, uf.shape[1], c), Tower(nI + 1, itf.shape[1], c)
    params = list(ut.parameters()) + list(mt.parameters())
    opt = torch.optim.Adam(params, lr=c['lr'], weight_decay=c['wd'])
    k = d['split'] == 0; pu, pi = d['u'][k], d['i'][k]
    # fixed validation negatives for AUC (16 per val positive)
    vk = d['split'] == 1; vu, vi = d['u'][vk], d['i'][vk]
    vr = np.random.default_rng(12345)
    vneg = np.stack([sample_neg(vr, vu, tr + va, nI) for _ in range(16)], 1)
    logq = torch.tensor(np.log(np.maximum(tr.sum(0), 1) / tr.sum()), dtype=torch.float32)
    trT = torch.tensor(tr > 0)

    def embed_all():
        ut.eval(); mt.eval()
        with torch.no_grad():
            U = ut(UID, UF); V = mt(IID, IF)
        ut.train(); mt.train()
        return U, V
    def scores():
        U, V = embed_all(); return (U @ V.T).numpy()
    def val_auc(S):
        sp = S[vu, vi][:, None]; sn = S[vu[:, None], vneg]
        return float(((sp > sn) + 0.5 * (sp == sn)).mean())
    def cold(ids_u, ids_i, n):
        if c['cold'] > 0:
            ids_u = torch.where(torch.rand(n) < c['cold'], torch.zeros_like(ids_u), ids_u)
            ids_i = torch.where(torch.rand(n) < c['cold'], torch.zeros_like(ids_i), ids_i)
        return ids_u, ids_i
    def reg(eu, ei):
        return 0.0
    hist = []; best = None; t0 = time.time(); bad = 0
    for ep in range(1, c['epochs'] + 1):
        te0 = time.time(); tot = 0.0; nb = 0
        if c['loss'] == 'bce':
            u = np.repeat(pu, 1 + c['neg']); pos_i = pi
            i = np.empty_like(u); y = np.zeros(len(u), np.float32)
            i = i.reshape(-1, 1 + c['neg']); i[:, 0] = pi
            for j in range(c['neg']): i[:, 1 + j] = sample_neg(rng, pu, tr, nI)
            i = i.reshape(-1); y.reshape(-1, 1 + c['neg'])[:, 0] = 1
            perm = rng.permutation(len(u)); u, i, y = torch.tensor(u[perm]), torch.tensor(i[perm]), torch.tensor(y[perm])
            for s in range(0, len(u), c['batch']):
                bu, bi, by = u[s:s + c['batch']], i[s:s + c['batch']], y[s:s + c['batch']]
                if len(bu) < 2: continue
                idu, idi = cold(UID[bu], IID[bi], len(bu))
                eu, ei = ut(idu, UF[bu]), mt(idi, IF[bi])
                loss = F.binary_cross_entropy_with_logits((eu * ei).sum(1), by)
                if c['id_l2'] > 0 and c['ids']:
                    loss = loss + c['id_l2'] * (ut.emb(idu).pow(2).sum(1).mean() + mt.emb(idi).pow(2).sum(1).mean())
                opt.zero_grad(); loss.backward(); opt.step(); tot += loss.item(); nb += 1
        else:  # in-batch softmax
            perm = rng.permutation(len(pu)); u, i = torch.tensor(pu[perm]), torch.tensor(pi[perm])
            for s in range(0, len(u), c['batch']):
                bu, bi = u[s:s + c['batch']], i[s:s + c['batch']]
                n = len(bu)
                if n < 2: continue
                cols = bi
                if c['extra_neg']:
                    cols = torch.cat([bi, torch.tensor(sample_neg(rng, bu.numpy(), tr, nI))])
                idu, _ = cold(UID[bu], IID[bi], n)
                idc = IID[cols]
                if c['cold'] > 0: idc = torch.where(torch.rand(len(cols)) < c['cold'], torch.zeros_like(idc), idc)
                eu, ei = ut(idu, UF[bu]), mt(idc, IF[cols])
                logits = eu @ ei.T / c['temp']
                if c['logq']:
                    lq = logq[cols].clone()
                    if c['extra_neg']: lq[n:] = float(np.log(1.0 / nI))
                    logits = logits - lq[None, :]
                hitm = trT[bu][:, cols]
                hitm[torch.arange(n), torch.arange(n)] = False
                logits = logits.masked_fill(hitm, float('-inf'))
                loss = F.cross_entropy(logits, torch.arange(n))
                if c['id_l2'] > 0 and c['ids']:
                    loss = loss + c['id_l2'] * (ut.emb(idu).pow(2).sum(1).mean() + mt.emb(idc).pow(2).sum(1).mean())
                opt.zero_grad(); loss.backward(); opt.step(); tot += loss.item(); nb += 1
        S = scores()
        auc = val_auc(S); vn = evaluate(S, va, tr); tn = evaluate(S, te, tr + va)
        h = dict(ep=ep, loss=tot / nb, val_auc=auc, val_ndcg=vn['ndcg'], test_ndcg=tn['ndcg'], test_recall=tn['recall'],
                 test_hr=tn['hr'], sec=time.time() - te0)
        hist.append(h)
        print(f"  ep{ep} loss={h['loss']:.4f} vauc={auc:.4f} vndcg={vn['ndcg']:.4f} | test ndcg={tn['ndcg']:.4f} rec={tn['recall']:.4f} ({h['sec']:.1f}s)", flush=True)
        key = auc if c['select'] == 'auc' else vn['ndcg']
        if best is None or key > best[0]: best = (key, h); bad = 0
        else:
            bad += 1
            if bad >= c['patience']: break
    b = best[1]
    out = dict(cfg=c, best_ep=b['ep'], test_ndcg=b['test_ndcg'], test_recall=b['test_recall'], test_hr=b['test_hr'],
               val_auc=b['val_auc'], val_ndcg=b['val_ndcg'], train_sec=time.time() - t0, hist=hist)
    print(f"RESULT {c['name']} seed={c['seed']} best_ep={b['ep']} TEST ndcg={b['test_ndcg']:.4f} rec={b['test_recall']:.4f} hr={b['test_hr']:.4f} sec={out['train_sec']:.0f}", flush=True)
    with open(os.path.join(OUT, 'results.jsonl'), 'a') as f: f.write(json.dumps(out, default=float) + '\n')
    return out

if __name__ == '__main__':
    for a in sys.argv[1:]:
        run(json.loads(a))
