package dev.feedrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

/**
 * The design document's losses on logits, vectorised (no per-row Java loop); each returns a scalar NDArray.
 * Logits are {@code dot(user_emb, item_emb)} (or a head's output); probabilities are their sigmoid.
 */
public final class RankingLosses {

    /** Added to masked logits / distances; large but finite so that 0 * mask stays 0. */
    static final float MASK = 1e9f;

    private RankingLosses() {
    }

    /** Binary cross-entropy on logits: mean of softplus(x) - y x (= -y log p - (1-y) log(1-p), p = sigmoid(x)). */
    public static NDArray bce(NDArray logits, NDArray labels) {
        return Activation.softPlus(logits).sub(logits.mul(labels)).mean();
    }

    /** The document's weighted BCE: mean of -w y log p - (1-y) log(1-p) = w y softplus(-x) + (1-y) softplus(x). */
    public static NDArray weightedBce(NDArray logits, NDArray labels, float posWeight) {
        NDArray positive = Activation.softPlus(logits.neg()).mul(labels).mul(posWeight);
        NDArray negative = Activation.softPlus(logits).mul(labels.neg().add(1f));
        return positive.add(negative).mean();
    }

    /**
     * The document's pairwise ranking loss on probabilities: mean of max(0, margin - (p_pos - p_neg)) over pairs of a
     * positive and a negative item of the same user.
     */
    public static NDArray pairwise(NDArray positiveLogits, NDArray negativeLogits, float margin) {
        NDArray gap = Activation.sigmoid(positiveLogits).sub(Activation.sigmoid(negativeLogits));
        return gap.neg().add(margin).maximum(0f).mean();
    }

    /**
     * The document's batch-hard triplet loss: Euclidean distances between every user and every item of the batch;
     * for each positive row i, max(0, d(u_i, v_i) - min_j d(u_i, v_j) + margin) over the batch's label-0 items j
     * (items equal to row i's own item excluded), averaged over the positive rows. A positive without any negative in
     * the batch contributes 0.
     *
     * @param itemIds  per row, the item's identity (row index), to exclude copies of the positive's own item
     */
    public static NDArray batchHardTriplet(NDArray user, NDArray item, NDArray labels, NDArray itemIds, float margin) {
        NDArray uu = user.mul(user).sum(new int[] {1}, true);                 // [B,1]
        NDArray ii = item.mul(item).sum(new int[] {1}, true).transpose();     // [1,B]
        NDArray squared = uu.add(ii).sub(user.matMul(item.transpose()).mul(2f));
        NDArray distances = squared.maximum(1e-12f).sqrt();                   // [B,B]
        NDArray negativeColumn = labels.lt(0.5f).expandDims(0);               // [1,B]
        NDArray otherItem = itemIds.expandDims(1).neq(itemIds.expandDims(0)); // [B,B]
        NDArray candidate = negativeColumn.logicalAnd(otherItem).toType(DataType.FLOAT32, false);
        NDArray hardest = distances.add(candidate.neg().add(1f).mul(MASK)).min(new int[] {1}); // [B]
        NDArray diff = user.sub(item);
        NDArray positive = diff.mul(diff).sum(new int[] {1}).maximum(1e-12f).sqrt();        // d(u_i, v_i)
        NDArray perRow = positive.sub(hardest).add(margin).maximum(0f).mul(labels);
        return perRow.sum().div(labels.sum().maximum(1f));
    }

    /**
     * Sampled softmax over the batch's items (TFRS / Merlin retrieval): row i's target is column i; logits are
     * dot products / temperature minus {@code logQ} (the log sampling probability of each column's item, the logQ
     * correction; pass zeros to switch it off); with {@code removeAccidentalHits} a column j != i that holds row
     * i's own item is masked out.
     *
     * @param user     [P, d] the positives' users
     * @param item     [C, d] candidate items, C >= P, the first P being the rows' positive items
     * @param itemIds  [C] the candidates' identities (row indices)
     * @param logQ     [C] log sampling probability per candidate
     */
    public static NDArray inBatchSoftmax(NDArray user, NDArray item, NDArray itemIds, NDArray logQ, float temperature,
                                         boolean removeAccidentalHits) {
        long p = user.getShape().get(0);
        long c = item.getShape().get(0);
        NDArray logits = user.matMul(item.transpose()).div(temperature).sub(logQ.expandDims(0)); // [P,C]
        NDArray target = user.getManager().eye((int) p, (int) c, 0, DataType.FLOAT32);
        if (removeAccidentalHits) {
            NDArray own = itemIds.get("0:" + p).expandDims(1);                                 // [P,1]
            NDArray hit = own.eq(itemIds.expandDims(0)).toType(DataType.FLOAT32, false).sub(target);  // same item, not the target
            logits = logits.sub(hit.mul(MASK));
        }
        return logits.logSoftmax(1).mul(target).sum().neg().div(p);
    }

    /** Weighted sum over tasks of each task's (weighted) BCE; {@code headLogits} and {@code taskLabels} are [B, T]. */
    public static NDArray multiTaskBce(NDArray headLogits, NDArray taskLabels, float[] taskWeights, float posWeight) {
        NDArray perElement = Activation.softPlus(headLogits.neg()).mul(taskLabels).mul(posWeight)
                .add(Activation.softPlus(headLogits).mul(taskLabels.neg().add(1f)));
        NDArray perTask = perElement.mean(new int[] {0});                                      // [T]
        NDArray weights = headLogits.getManager().create(taskWeights);
        return perTask.mul(weights).sum();
    }
}
