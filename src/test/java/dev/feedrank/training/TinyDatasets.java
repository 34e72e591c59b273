package dev.feedrank.training;

import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparedDataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A small learnable dataset built in memory: the label is whether noisy user and item vectors agree. */
public final class TinyDatasets {
    private TinyDatasets() {
    }

    public static PreparedDataset agreement(int users, int items, int examples, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int dim = 8;
        float[] uHidden = gauss(r, users * dim);
        float[] iHidden = gauss(r, items * dim);
        FeatureTable u = table("u", users, uHidden, dim, r);
        FeatureTable i = table("i", items, iHidden, dim, r);
        Examples train = examples(r, (int) (examples * 0.8), users, items, uHidden, iHidden, dim);
        Examples val = examples(r, examples / 10, users, items, uHidden, iHidden, dim);
        Examples test = examples(r, examples / 10, users, items, uHidden, iHidden, dim);
        return new PreparedDataset("tiny-" + seed, "tiny", u, i, train, val, test, Map.of());
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = (float) (Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        return a;
    }

    private static FeatureTable table(String prefix, int rows, float[] hidden, int dim, SplittableRandom r) {
        String[] ids = new String[rows];
        int[] vocab = new int[rows];
        float[] dense = new float[rows * dim];
        for (int k = 0; k < rows; k++) {
            ids[k] = prefix + k;
            vocab[k] = k + 1;
            for (int j = 0; j < dim; j++) dense[k * dim + j] = hidden[k * dim + j] + (float) (0.3 * (r.nextDouble() - 0.5));
        }
        List<String> names = new ArrayList<>();
        for (int j = 0; j < dim; j++) names.add("f" + j);
        return new FeatureTable(ids, vocab, rows + 1, dense, names);
    }

    private static Examples examples(SplittableRandom r, int n, int users, int items, float[] uh, float[] ih, int dim) {
        int[] u = new int[n];
        int[] it = new int[n];
        float[] click = new float[n];
        float[] like = new float[n];
        float[] share = new float[n];
        for (int k = 0; k < n; k++) {
            u[k] = r.nextInt(users);
            it[k] = r.nextInt(items);
            double dot = 0;
            for (int j = 0; j < dim; j++) dot += uh[u[k] * dim + j] * ih[it[k] * dim + j];
            click[k] = r.nextDouble() < 1 / (1 + Math.exp(-2 * dot)) ? 1f : 0f;
            // a like follows a click the user agrees with more, a share one it agrees with even more
            like[k] = click[k] == 1f && dot > 0.5 ? 1f : 0f;
            share[k] = like[k] == 1f && dot > 1.5 ? 1f : 0f;
        }
        return new Examples(u, it, click, like, share, new boolean[n], new long[n]);
    }
}
