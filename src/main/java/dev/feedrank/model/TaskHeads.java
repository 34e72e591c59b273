package dev.feedrank.model;

import java.util.List;

/**
 * The task heads of a multi-task model as plain arrays, for scoring from precomputed embeddings and for the bundle
 * ({@code heads.json}): head {@code t}'s logit is {@code weight[t] . input + bias[t]} with input [user, item]
 * ({@code concat}) or [user, item, user*item] ({@code concat-product}); {@code weight} is row-major [tasks, in].
 */
public record TaskHeads(List<String> tasks, String input, int embeddingDim, float[] weight, float[] bias) {

    public TaskHeads {
        tasks = List.copyOf(tasks);
        int in = width(input, embeddingDim);
        if (weight.length != tasks.size() * in || bias.length != tasks.size()) {
            throw new IllegalArgumentException("heads of " + tasks + " over " + input + " (d=" + embeddingDim + ") need "
                    + tasks.size() * in + " weights and " + tasks.size() + " biases, got " + weight.length + " and " + bias.length);
        }
    }

    static int width(String input, int d) {
        return "concat".equals(input) ? 2 * d : 3 * d;
    }

    public int index(String task) {
        return tasks.indexOf(task);
    }

    /** Logit of head {@code t} for the user embedding at {@code u[uo..uo+d)} and the item embedding at {@code it[io..io+d)}. */
    public float logit(int t, float[] u, int uo, float[] it, int io) {
        int d = embeddingDim;
        int w = t * width(input, d);
        float s = bias[t];
        for (int k = 0; k < d; k++) s += weight[w + k] * u[uo + k] + weight[w + d + k] * it[io + k];
        if (!"concat".equals(input)) {
            for (int k = 0; k < d; k++) s += weight[w + 2 * d + k] * u[uo + k] * it[io + k];
        }
        return s;
    }

    /**
     * Head {@code t}'s logit as an inner product with the item, for ranking many items at once: the head is linear,
     * {@code w_user . u + w_item . i (+ w_product . (u * i)) + b = (w_item + w_product * u) . i + (w_user . u + b)},
     * so {@code out[off..off+d)} gets the query {@code w_item + w_product * u} ({@code w_item} alone with
     * {@code concat}); the rest is a per-user constant that does not change the user's ranking of the items
     * (the reduction of {@code ann.ClickQuery}).
     */
    public void itemQuery(int t, float[] u, int uo, double[] out, int off) {
        int d = embeddingDim;
        int w = t * width(input, d);
        boolean product = !"concat".equals(input);
        for (int k = 0; k < d; k++) {
            out[off + k] = product ? weight[w + d + k] + weight[w + 2 * d + k] * u[uo + k] : weight[w + d + k];
        }
    }
}
