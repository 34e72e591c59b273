package dev.feedrank.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Both towers; forward takes (user index, user dense, item index, item dense) and returns the logit
 * {@code sum(user_emb * item_emb)} of shape [B]; the score is its sigmoid (applied by the loss / at evaluation).
 */
public class TwoTowerBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final TowerBlock userTower;
    private final TowerBlock itemTower;

    public TwoTowerBlock(ModelSpec spec) {
        super(VERSION);
        userTower = addChildBlock("user_tower",
                new TowerBlock(spec.userVocabSize(), spec.idEmbeddingDim(), spec.userDenseDim(), spec.embeddingDim()));
        itemTower = addChildBlock("item_tower",
                new TowerBlock(spec.itemVocabSize(), spec.idEmbeddingDim(), spec.itemDenseDim(), spec.embeddingDim()));
    }

    public TowerBlock userTower() {
        return userTower;
    }

    public TowerBlock itemTower() {
        return itemTower;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray user = userTower.forward(ps, new NDList(inputs.get(0), inputs.get(1)), training, params).singletonOrThrow();
        NDArray item = itemTower.forward(ps, new NDList(inputs.get(2), inputs.get(3)), training, params).singletonOrThrow();
        return new NDList(user.mul(item).sum(new int[] {1}));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        userTower.initialize(manager, dataType, inputShapes[0], inputShapes[1]);
        itemTower.initialize(manager, dataType, inputShapes[2], inputShapes[3]);
    }
}
