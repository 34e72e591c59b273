package dev.feedrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.NegativeSampler;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.TopK;
import dev.feedrank.model.TaskHeads;
import dev.feedrank.model.TwoTowerModel;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The design document's hard negative mining: for each user, the items the current model ranks highest among
 * those it has no train positive for ("the model thinks they're good but the user skipped them"). Every user and
 * item is embedded with the towers in evaluation mode, scores come from one matrix multiply per block of users
 * (the click score: the dot product, or the click head), and a top-k per user excludes its train positives and
 * items never seen in the train window. The mined lists are per user, not per time: an item may be first seen after
 * some of the user's examples, and {@link TrainingBatches} uses a mined item for an example only if the item was
 * already seen at the example's timestamp (the rule of the sampled negatives), keeping the sampled one otherwise.
 */
public final class HardNegativeMiner {

    private static final int USERS_PER_BLOCK = 512;

    private HardNegativeMiner() {
    }

    /**
     * Mined items per user row: {@code items[u * k + j]} is the item row of user u's (j+1)-th hardest negative,
     * best first; a user with fewer than k candidates repeats its list, one without any has -1.
     */
    public record Mined(int k, int[] items) {
        public int item(int userRow, int j) {
            return items[userRow * k + j];
        }

        /** As an int64 [users * k] array for in-graph gathers. */
        public long[] asLong() {
            long[] out = new long[items.length];
            for (int i = 0; i < items.length; i++) out[i] = items[i];
            return out;
        }
    }

    public static Mined mine(TwoTowerModel model, PreparedDataset data, int k) {
        return mine(model, data, NegativeSampler.UserItems.positivesOf(data.users().rows(), data.train()), k);
    }

    /** As {@link #mine(TwoTowerModel, PreparedDataset, int)}, with the train split's positives per user given. */
    public static Mined mine(TwoTowerModel model, PreparedDataset data, NegativeSampler.UserItems positives, int k) {
        FeatureTable users = data.users();
        FeatureTable items = data.items();
        int d = model.spec().embeddingDim();
        float[] u = model.embedUsers(users);
        float[] it = model.embedItems(items);
        int numItems = items.rows();

        // score(u, i) = userSide(u) . item(i) + itemBias(i) + (a per-user constant that does not change the order)
        float[] userSide = u;
        float[] itemBias = new float[numItems];
        TaskHeads heads = model.heads();
        if (heads != null) {
            int t = heads.index("click");
            int w = t * (heads.weight().length / heads.tasks().size());
            userSide = new float[u.length];
            if (!"concat".equals(heads.input())) {
                for (int r = 0; r < users.rows(); r++) {
                    for (int c = 0; c < d; c++) userSide[r * d + c] = u[r * d + c] * heads.weight()[w + 2 * d + c];
                }
            }
            for (int i = 0; i < numItems; i++) {
                float s = 0;
                for (int c = 0; c < d; c++) s += heads.weight()[w + d + c] * it[i * d + c];
                itemBias[i] = s;
            }
        }

        BitSet unseen = new BitSet(numItems);
        for (int i = 0; i < numItems; i++) if (items.vocabIndex()[i] == 0) unseen.set(i);
        // each user's train positives as sorted item lists (an items-wide BitSet per user would take users x items
        // bits: up to 6 GB at 500k x 100k); a user's exclusion set is built only while its block is mined

        int[] out = new int[users.rows() * k];
        Arrays.fill(out, -1);
        float[] row = new float[numItems];
        try (NDManager m = model.manager().newSubManager()) {
            NDArray itemMatrix = m.create(it, new Shape(numItems, d)).transpose();
            for (int start = 0; start < users.rows(); start += USERS_PER_BLOCK) {
                int end = Math.min(users.rows(), start + USERS_PER_BLOCK);
                boolean any = false;
                for (int r = start; r < end && !any; r++) any = positives.count(r) > 0;
                if (!any) continue;
                float[] scores;
                try (NDManager block = m.newSubManager()) {
                    NDArray side = block.create(Arrays.copyOfRange(userSide, start * d, end * d), new Shape(end - start, d));
                    scores = side.matMul(itemMatrix).toFloatArray();
                }
                for (int r = start; r < end; r++) {
                    if (positives.count(r) == 0) continue; // not a training user: never needs negatives
                    BitSet excluded = (BitSet) unseen.clone();
                    positives.forEach(r, excluded::set);
                    int off = (r - start) * numItems;
                    for (int i = 0; i < numItems; i++) row[i] = scores[off + i] + itemBias[i];
                    int[] top = TopK.topK(row, k, excluded);
                    for (int j = 0; j < k && top.length > 0; j++) out[r * k + j] = top[j % top.length];
                }
            }
        }
        return new Mined(k, out);
    }
}
