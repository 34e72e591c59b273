package dev.feedrank.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.io.DataInputStream;
import java.io.IOException;

/**
 * Inverted dropout, as {@link ai.djl.nn.norm.Dropout} / PyTorch's {@code nn.Dropout}: in training each element is
 * kept with probability {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}, else zeroed; identity in evaluation.
 * The keep mask is drawn as {@code uniform[0,1) >= rate} from the engine's generator (so it follows the trainer's
 * per-batch seeding like any other random op) instead of libtorch's {@code bernoulli_}, whose CPU kernel is about
 * three times slower than {@code uniform_} and made dropout the most expensive part of a training batch.
 *
 * <p>Named {@code Dropout} on purpose, with DJL's block version (2) and metadata (input shapes only): a
 * {@code SequentialBlock} names children by class simple name, so parameter names and saved parameter files stay
 * exactly those of a model built with DJL's Dropout (which has no parameters).
 */
public final class Dropout extends AbstractBlock {

    private static final byte VERSION = 2;

    private final float rate;

    public Dropout(float rate) {
        super(VERSION);
        if (!(rate >= 0f && rate < 1f)) throw new IllegalArgumentException("dropout rate must be in [0, 1): " + rate);
        this.rate = rate;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (!training || rate == 0f) return new NDList(x);
        NDArray keep = x.getManager().randomUniform(0f, 1f, x.getShape()).gte(rate);
        NDArray scale = keep.toType(DataType.FLOAT32, false).muli(1f / (1f - rate));
        return new NDList(x.mul(scale));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is) throws IOException, MalformedModelException {
        if (loadVersion == VERSION) {
            readInputShapes(is);
        } else if (loadVersion != 1) {
            throw new MalformedModelException("Unsupported encoding version: " + loadVersion);
        }
    }
}
