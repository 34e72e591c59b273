package dev.feedrank.ann;

import dev.feedrank.model.TaskHeads;

/**
 * The click score of a user and an item as a dot product with the item embedding, so that a maximum-inner-product
 * index over item embeddings retrieves a user's top items. Single-task model: the logit is user . item, the query
 * is the user embedding. Multi-task model: the click head is linear, w_u . u + w_i . i (+ w_p . (u * i) with
 * {@code concat-product}) + b = (w_i + w_p * u) . i + (w_u . u + b), so the query is {@code w_i + w_p * u} and the
 * rest is a per-user offset that does not change the ranking (with {@code concat} the query is the same for every
 * user: the head ranks items alike for everyone).
 */
public final class ClickQuery {

    private final int d;
    private final TaskHeads heads;
    private final int click;

    private ClickQuery(int d, TaskHeads heads) {
        this.d = d;
        this.heads = heads;
        this.click = heads == null ? -1 : heads.index("click");
        if (heads != null && click < 0) throw new IllegalArgumentException("the model's heads " + heads.tasks() + " have no click head");
    }

    /** Queries of a model with embedding dimension d and, for a multi-task model, its heads (null: dot product). */
    public static ClickQuery of(int d, TaskHeads heads) {
        return new ClickQuery(d, heads);
    }

    public int dimension() {
        return d;
    }

    /** The query vector (length d) of the user embedding at {@code u[off..off+d)}. */
    public float[] query(float[] u, int off) {
        float[] q = new float[d];
        if (heads == null) {
            System.arraycopy(u, off, q, 0, d);
            return q;
        }
        int w = click * width();
        float[] weight = heads.weight();
        boolean product = !"concat".equals(heads.input());
        for (int k = 0; k < d; k++) q[k] = weight[w + d + k] + (product ? weight[w + 2 * d + k] * u[off + k] : 0f);
        return q;
    }

    /** What the click logit adds to query . item for this user (0 for a single-task model). */
    public float offset(float[] u, int off) {
        if (heads == null) return 0f;
        int w = click * width();
        float s = heads.bias()[click];
        for (int k = 0; k < d; k++) s += heads.weight()[w + k] * u[off + k];
        return s;
    }

    private int width() {
        return "concat".equals(heads.input()) ? 2 * d : 3 * d;
    }
}
