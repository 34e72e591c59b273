import numpy as np, time, os
import os
HERE = os.path.dirname(os.path.abspath(__file__))
D = os.environ.get('MOVIELENS', os.path.join(HERE, '../../../../shared/data/ml-latest-small')) + '/'
OUT = os.environ.get('OUT', '/tmp/feedrank-quality-peer')
os.makedirs(OUT, exist_ok=True)
GENRES = ['Action','Adventure','Animation','Children','Comedy','Crime','Documentary','Drama','Fantasy',
          'Film-Noir','Horror','IMAX','Musical','Mystery','Romance','Sci-Fi','Thriller','War','Western',
          '(no genres listed)']

def load():
    cache = os.path.join(OUT, 'data_cache.npz')
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        return {k: z[k] for k in z.files}
    r = np.loadtxt(D + 'ratings.csv', delimiter=',', skiprows=1, dtype=np.float64)
    u_raw = r[:, 0].astype(np.int64); m_raw = r[:, 1].astype(np.int64); ts = r[:, 3].astype(np.int64)
    uids = np.unique(u_raw); mids = np.unique(m_raw)
    u = np.searchsorted(uids, u_raw); m = np.searchsorted(mids, m_raw)
    nU, nI = len(uids), len(mids)
    split = np.zeros(len(u), np.int8)  # 0 train 1 val 2 test
    order = np.lexsort((m_raw, ts, u))  # by user, then ts, then movieId
    starts = np.r_[0, np.flatnonzero(np.diff(u[order])) + 1, len(u)]
    for a, b in zip(starts[:-1], starts[1:]):
        idx = order[a:b]; n = len(idx)
        nt = max(1, n // 5) if n >= 2 else 0
        rest = n - nt
        nv = max(1, rest // 10) if rest >= 2 else 0
        split[idx[rest:]] = 2
        split[idx[rest - nv:rest]] = 1
    # genres
    G = np.zeros((nI, len(GENRES)), np.float32)
    import csv
    with open(D + 'movies.csv', encoding='utf-8') as f:
        rd = csv.reader(f); next(rd)
        for row in rd:
            mid = int(row[0]); j = np.searchsorted(mids, mid)
            if j < nI and mids[j] == mid:
                for g in row[2].split('|'):
                    if g in GENRES: G[j, GENRES.index(g)] = 1
    d = dict(u=u, i=m, ts=ts, split=split, genres=G, nU=nU, nI=nI)
    np.savez(cache, **d)
    return d

def mats(d):
    nU, nI = int(d['nU']), int(d['nI'])
    out = []
    for s in range(3):
        M = np.zeros((nU, nI), np.float32)
        k = d['split'] == s
        M[d['u'][k], d['i'][k]] = 1
        out.append(M)
    return out  # train, val, test

def evaluate(scores, rel, exclude, k=10):
    """scores, rel, exclude: dense (nU, nI). Averages over users with >=1 relevant item."""
    s = scores.astype(np.float32).copy()
    s[exclude > 0] = -np.inf
    users = np.flatnonzero(rel.sum(1) > 0)
    s = s[users]; r = rel[users] > 0
    top = np.argpartition(-s, k, axis=1)[:, :k]
    ts_ = np.take_along_axis(s, top, 1)
    top = np.take_along_axis(top, np.argsort(-ts_, 1), 1)
    hit = np.take_along_axis(r, top, 1).astype(np.float64)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    nrel = r.sum(1)
    idcg = np.array([disc[:min(n, k)].sum() for n in nrel])
    ndcg = (hit * disc).sum(1) / idcg
    rec = hit.sum(1) / nrel
    hr = (hit.sum(1) > 0).astype(float)
    return dict(ndcg=ndcg.mean(), recall=rec.mean(), hr=hr.mean(), n_users=len(users))
