import os
import numpy as np, time, json
from common import *
d = load(); tr, va, te = mats(d)
excl_test = tr + va
res = {}
def report(name, scorefn, grid):
    t = time.time(); best = None
    for h in grid:
        S = scorefn(h)
        v = evaluate(S, va, tr)
        print(f'  {name} h={h} val ndcg={v["ndcg"]:.4f} rec={v["recall"]:.4f}', flush=True)
        if best is None or v['ndcg'] > best[1]['ndcg']: best = (h, v, S)
    h, v, S = best
    t_ = evaluate(S, te, excl_test)
    print(f'{name} chosen={h} val_ndcg={v["ndcg"]:.4f} TEST ndcg={t_["ndcg"]:.4f} recall={t_["recall"]:.4f} hr={t_["hr"]:.4f} users={t_["n_users"]} ({time.time()-t:.1f}s)', flush=True)
    res[name] = dict(chosen=h, val=v, test=t_)
pop = tr.sum(0)
report('pop', lambda h: np.tile(pop, (tr.shape[0], 1)), [None])
X = tr.astype(np.float64)
U_, s_, Vt = np.linalg.svd(X, full_matrices=False)
report('puresvd', lambda k: (X @ Vt[:k].T) @ Vt[:k], [8, 16, 32, 64, 128, 256])
K = X @ X.T
def ease(lam):
    # Woodbury: P=(X^T X + lam I)^-1 = (I - X^T M X)/lam, M=(XX^T+lam I)^-1
    M = np.linalg.inv(K + lam * np.eye(K.shape[0]))
    MX = M @ X
    diagP = (1.0 - (X * MX).sum(0)) / lam
    XP = (X - K @ MX) / lam
    B_scores = X - XP / diagP[None, :]   # X B with B = I - P diag(1/diagP)
    return B_scores
report('ease', ease, [10, 50, 100, 200, 500, 1000, 2000])
json.dump(res, open(os.path.join(OUT, 'baselines.json'), 'w'), indent=1, default=float)
