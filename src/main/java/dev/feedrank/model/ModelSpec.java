package dev.feedrank.model;

import java.util.List;

/**
 * Shape of a two-tower model: for each tower the ID-embedding vocabulary (including the OOV row 0) and the width
 * of its dense features; the ID-embedding width and the output embedding dimension d. A multi-task model also has
 * {@code heads} (task names in output order, click first) over {@code headInput}: {@code concat} = [user, item]
 * or {@code concat-product} = [user, item, user*item]. A single-task model has no heads: its click logit is the
 * dot product of the two embeddings.
 */
public record ModelSpec(int userVocabSize, int userDenseDim, int itemVocabSize, int itemDenseDim,
                        int idEmbeddingDim, int embeddingDim, List<String> heads, String headInput, String outputNorm) {

    /** The design document's output normalisation: LayerNorm(d). */
    public static final String LAYERNORM = "layernorm";
    /** Unit-length output embeddings (dot product = cosine), the usual choice for softmax retrieval. */
    public static final String L2 = "l2";

    public ModelSpec(int userVocabSize, int userDenseDim, int itemVocabSize, int itemDenseDim, int idEmbeddingDim,
                     int embeddingDim) {
        this(userVocabSize, userDenseDim, itemVocabSize, itemDenseDim, idEmbeddingDim, embeddingDim, List.of(), null, LAYERNORM);
    }

    public ModelSpec(int userVocabSize, int userDenseDim, int itemVocabSize, int itemDenseDim, int idEmbeddingDim,
                     int embeddingDim, List<String> heads, String headInput) {
        this(userVocabSize, userDenseDim, itemVocabSize, itemDenseDim, idEmbeddingDim, embeddingDim, heads, headInput, LAYERNORM);
    }

    public ModelSpec {
        // bundles written before the setting existed have no outputNorm: they used LayerNorm
        outputNorm = outputNorm == null ? LAYERNORM : outputNorm.trim().toLowerCase(java.util.Locale.ROOT);
        if (!outputNorm.equals(LAYERNORM) && !outputNorm.equals(L2)) {
            throw new IllegalArgumentException("train.output-norm must be 'l2' or 'layernorm', got '" + outputNorm + "'");
        }
        heads = heads == null ? List.of() : List.copyOf(heads);
        if (heads.isEmpty()) headInput = null;
        else if (!"concat".equals(headInput) && !"concat-product".equals(headInput)) {
            throw new IllegalArgumentException("head input must be concat or concat-product, got " + headInput);
        }
    }

    public ModelSpec withHeads(List<String> tasks, String input) {
        return new ModelSpec(userVocabSize, userDenseDim, itemVocabSize, itemDenseDim, idEmbeddingDim, embeddingDim, tasks, input, outputNorm);
    }

    public ModelSpec withOutputNorm(String norm) {
        return new ModelSpec(userVocabSize, userDenseDim, itemVocabSize, itemDenseDim, idEmbeddingDim, embeddingDim, heads, headInput, norm);
    }

    public boolean multiTask() {
        return !heads.isEmpty();
    }

    /** Width of the heads' input. */
    public int headInputWidth() {
        return "concat".equals(headInput) ? 2 * embeddingDim : 3 * embeddingDim;
    }
}
