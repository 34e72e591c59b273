package dev.feedrank.model;

import dev.feedrank.data.Examples;

/** Scores of (user, item) pairs from precomputed tower embeddings: sigmoid(dot(user_emb, item_emb)). */
public final class EmbeddingScores {
    private EmbeddingScores() {
    }

    public static float[] probabilities(float[] userEmb, float[] itemEmb, int d, Examples examples) {
        float[] out = new float[examples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = sigmoid(dot(userEmb, examples.user()[i] * d, itemEmb, examples.item()[i] * d, d));
        }
        return out;
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int d) {
        float s = 0f;
        for (int k = 0; k < d; k++) s += a[aOff + k] * b[bOff + k];
        return s;
    }

    public static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }
}
