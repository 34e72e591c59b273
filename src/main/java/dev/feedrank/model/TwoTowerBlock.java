package dev.feedrank.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Both towers, and for a multi-task model the design document's task heads. Forward takes (user index, user dense,
 * item index, item dense) and returns {@code [user_emb [Bu, d], item_emb [Bi, d]]}; the user and item batches may
 * differ in size (in-batch and pairwise losses embed more items than users). With heads and equal batch sizes a
 * third output holds the heads' logits {@code [B, tasks]}: one {@code Linear(in, 1)} per task over [user, item]
 * ({@code concat}) or [user, item, user*item] ({@code concat-product}), kept as the rows of one
 * {@code Linear(in, tasks)} (the same functions, one matrix multiply). Losses and scores work on logits.
 */
public class TwoTowerBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final ModelSpec spec;
    private final TowerBlock userTower;
    private final TowerBlock itemTower;
    private final SequentialBlock heads;

    public TwoTowerBlock(ModelSpec spec) {
        super(VERSION);
        this.spec = spec;
        userTower = addChildBlock("user_tower",
                new TowerBlock(spec.userVocabSize(), spec.idEmbeddingDim(), spec.userDenseDim(), spec.embeddingDim(), spec.outputNorm()));
        itemTower = addChildBlock("item_tower",
                new TowerBlock(spec.itemVocabSize(), spec.idEmbeddingDim(), spec.itemDenseDim(), spec.embeddingDim(), spec.outputNorm()));
        if (spec.multiTask()) {
            heads = addChildBlock("heads", new SequentialBlock().add(Linear.builder().setUnits(spec.heads().size()).build()));
            TorchInit.apply(heads, new int[] {spec.headInputWidth()});
        } else {
            heads = null;
        }
    }

    public TowerBlock userTower() {
        return userTower;
    }

    public TowerBlock itemTower() {
        return itemTower;
    }

    /** The heads' Linear (null for a single-task model). */
    public Linear headsLinear() {
        return heads == null ? null : (Linear) heads.getChildren().get(0).getValue();
    }

    /** The click logit of aligned rows of a single-task model: sum(user * item) over the embedding. */
    public static NDArray dot(NDArray user, NDArray item) {
        return user.mul(item).sum(new int[] {1});
    }

    /** The heads' input for aligned user and item rows. */
    public static NDArray headInput(ModelSpec spec, NDArray user, NDArray item) {
        NDList parts = "concat".equals(spec.headInput()) ? new NDList(user, item) : new NDList(user, item, user.mul(item));
        return ai.djl.ndarray.NDArrays.concat(parts, 1);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray user = userTower.forward(ps, new NDList(inputs.get(0), inputs.get(1)), training, params).singletonOrThrow();
        NDArray item = itemTower.forward(ps, new NDList(inputs.get(2), inputs.get(3)), training, params).singletonOrThrow();
        if (heads != null && user.getShape().get(0) == item.getShape().get(0)) {
            NDArray logits = heads.forward(ps, new NDList(headInput(spec, user, item)), training, params).singletonOrThrow();
            return new NDList(user, item, logits);
        }
        return new NDList(user, item);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape u = new Shape(inputShapes[0].get(0), spec.embeddingDim());
        Shape i = new Shape(inputShapes[2].get(0), spec.embeddingDim());
        return heads == null ? new Shape[] {u, i} : new Shape[] {u, i, new Shape(inputShapes[0].get(0), spec.heads().size())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        userTower.initialize(manager, dataType, inputShapes[0], inputShapes[1]);
        itemTower.initialize(manager, dataType, inputShapes[2], inputShapes[3]);
        if (heads != null) heads.initialize(manager, dataType, new Shape(inputShapes[0].get(0), spec.headInputWidth()));
    }
}
