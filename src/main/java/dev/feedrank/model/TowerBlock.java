package dev.feedrank.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * One tower of the design document's TwoTowerRankingModel: an ID embedding (row 0 = out-of-vocabulary bucket)
 * concatenated with the dense features, then Linear(in,256) ReLU BatchNorm Dropout(0.3) Linear(256,128) ReLU
 * BatchNorm Dropout(0.2) Linear(128,d) LayerNorm(d) ({@code layernorm}), or with the output scaled to unit length
 * instead ({@code l2}: the dot product of two towers is then their cosine, bounded, which softmax retrieval with a
 * temperature needs). Input: (vocab index int64 [B], dense float32 [B, D]).
 */
public class TowerBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int idEmbeddingDim;
    private final int denseDim;
    private final int embeddingDim;
    private final Parameter idEmbedding;
    private final SequentialBlock mlp;
    /** Non-null while a trainer updates the ID embedding sparsely ({@link #sparseRows(SparseRows)}). */
    private volatile SparseRows sparseRows;

    public TowerBlock(int vocabSize, int idEmbeddingDim, int denseDim, int embeddingDim) {
        this(vocabSize, idEmbeddingDim, denseDim, embeddingDim, ModelSpec.LAYERNORM);
    }

    public TowerBlock(int vocabSize, int idEmbeddingDim, int denseDim, int embeddingDim, String outputNorm) {
        super(VERSION);
        this.idEmbeddingDim = idEmbeddingDim;
        this.denseDim = denseDim;
        this.embeddingDim = embeddingDim;
        this.idEmbedding = addParameter(Parameter.builder()
                .setName("id_embedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(vocabSize, idEmbeddingDim))
                .optInitializer(new NormalInitializer(0.1f))
                .build());
        this.mlp = addChildBlock("mlp", new SequentialBlock()
                .add(Linear.builder().setUnits(256).build())
                .add(Activation.reluBlock())
                .add(batchNorm())
                .add(new Dropout(0.3f))
                .add(Linear.builder().setUnits(128).build())
                .add(Activation.reluBlock())
                .add(batchNorm())
                .add(new Dropout(0.2f))
                .add(Linear.builder().setUnits(embeddingDim).build())
                .add(ModelSpec.L2.equals(outputNorm) ? new LambdaBlock(TowerBlock::l2Normalize, "l2_normalize")
                        : LayerNorm.builder().axis(1).optEpsilon(1e-5f).build()));
        TorchInit.apply(mlp, new int[] {idEmbeddingDim + denseDim, 256, 128});
    }

    /** x / max(||x||_2, 1e-12) per row (PyTorch's F.normalize). */
    static NDList l2Normalize(NDList in) {
        NDArray x = in.singletonOrThrow();
        return new NDList(x.div(x.norm(new int[] {1}, true).maximum(1e-12f)));
    }

    /** PyTorch's BatchNorm1d semantics: running = 0.9 running + 0.1 batch (DJL's momentum is the keep factor). */
    private static BatchNorm batchNorm() {
        return BatchNorm.builder().optMomentum(0.9f).optEpsilon(1e-5f).build();
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    /** The ID-embedding table [vocab, idEmbeddingDim] (row 0 = out-of-vocabulary bucket). */
    public Parameter idEmbedding() {
        return idEmbedding;
    }

    /**
     * The layers after the concatenation [ID embedding, dense], in PyTorch nn.Sequential order: Linear, ReLU,
     * BatchNorm, Dropout, Linear, ReLU, BatchNorm, Dropout, Linear, then LayerNorm or the unit-length lambda.
     */
    public SequentialBlock mlp() {
        return mlp;
    }

    /**
     * Sparse ID-embedding updates: while {@code rows} is set, a training forward does not differentiate through the
     * table (the trainer freezes it, so no [vocab, dim] gradient exists); it gathers the batch's distinct rows
     * ({@code index.unique()}) into a leaf array that requires a gradient, embeds the batch from that leaf and hands
     * (parameter, distinct indices, leaf) to {@code rows}; after backward the leaf's gradient holds the summed
     * gradient of exactly those rows, for a row-wise optimizer step. Null: the table is a normal parameter.
     * Inference forwards ({@code training} false) always read the table directly.
     */
    public void sparseRows(SparseRows rows) {
        this.sparseRows = rows;
    }

    /** Receives, per training forward, the distinct table rows a batch used and the leaf holding them. */
    public interface SparseRows {
        void used(Parameter table, NDArray distinctIndex, NDArray rows);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray index = inputs.get(0);
        NDArray dense = inputs.get(1);
        NDArray table = ps.getValue(idEmbedding, index.getDevice(), training);
        SparseRows sparse = sparseRows;
        NDArray ids;
        if (training && sparse != null) {
            NDList distinct = index.unique(null, true, true, false);  // sorted values, inverse
            NDArray rows = Embedding.embedding(distinct.get(0), table, SparseFormat.DENSE).singletonOrThrow();
            rows.setRequiresGradient(true);
            sparse.used(idEmbedding, distinct.get(0), rows);
            ids = Embedding.embedding(distinct.get(1), rows, SparseFormat.DENSE).singletonOrThrow();
        } else {
            ids = Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
        }
        NDArray x = ids.concat(dense, 1);
        return mlp.forward(ps, new NDList(x), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), embeddingDim)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        mlp.initialize(manager, dataType, new Shape(inputShapes[0].get(0), idEmbeddingDim + denseDim));
    }
}
