package dev.feedrank.model;

import dev.feedrank.data.Examples;

import java.util.List;

/**
 * Scores of (user, item) pairs from precomputed tower embeddings. A single-task model's click logit is
 * {@code dot(user_emb, item_emb)}, and it serves as its score for every task; a multi-task model scores a task
 * with that task's head ({@link TaskHeads}). Probabilities are the logits' sigmoid.
 */
public final class EmbeddingScores {
    private final int d;
    private final TaskHeads heads;

    public EmbeddingScores(int embeddingDim, TaskHeads heads) {
        this.d = embeddingDim;
        this.heads = heads;
    }

    /** Scores of a single-task model (dot products). */
    public static EmbeddingScores dotProduct(int embeddingDim) {
        return new EmbeddingScores(embeddingDim, null);
    }

    public int embeddingDim() {
        return d;
    }

    /** Heads of a multi-task model, or null. */
    public TaskHeads heads() {
        return heads;
    }

    /** Tasks the model has its own head for; a single-task model has only {@code click}. */
    public List<String> tasks() {
        return heads == null ? List.of("click") : heads.tasks();
    }

    /** Which scorer to use for {@code task}: its head, or (single task, or no such head) the click score. */
    public Task task(String task) {
        int t = heads == null ? -1 : heads.index(task);
        if (t < 0 && heads != null) t = heads.index("click");
        return new Task(t);
    }

    public final class Task {
        private final int head;

        private Task(int head) {
            this.head = head;
        }

        public float logit(float[] u, int uo, float[] it, int io) {
            return head < 0 ? dot(u, uo, it, io, d) : heads.logit(head, u, uo, it, io);
        }

        /**
         * The vector whose inner product with an item embedding ranks the items as {@link #logit} does for the
         * user embedding at {@code u[uo..uo+d)}: the user embedding itself, or the head's item query
         * ({@link TaskHeads#itemQuery}; the logit adds a per-user constant). Written to {@code out[off..off+d)}.
         */
        public void query(float[] u, int uo, double[] out, int off) {
            if (head < 0) {
                for (int k = 0; k < d; k++) out[off + k] = u[uo + k];
            } else {
                heads.itemQuery(head, u, uo, out, off);
            }
        }

        public float[] probabilities(float[] userEmb, float[] itemEmb, Examples examples) {
            float[] out = new float[examples.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = sigmoid(logit(userEmb, examples.user()[i] * d, itemEmb, examples.item()[i] * d));
            }
            return out;
        }
    }

    /** Click probabilities of a single-task model. */
    public static float[] probabilities(float[] userEmb, float[] itemEmb, int d, Examples examples) {
        return dotProduct(d).task("click").probabilities(userEmb, itemEmb, examples);
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
