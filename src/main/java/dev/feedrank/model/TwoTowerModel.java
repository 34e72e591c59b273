package dev.feedrank.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.feedrank.data.FeatureTable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A two-tower model held in native memory: the block, its parameters, and inference helpers that compute the
 * user and item embeddings separately (towers in evaluation mode). Close it to free native memory.
 */
public final class TwoTowerModel implements AutoCloseable {

    private static final int INFERENCE_BATCH = 4096;

    private final ModelSpec spec;
    private final Model model;
    private final TwoTowerBlock block;

    private TwoTowerModel(ModelSpec spec, ai.djl.Device device) {
        DjlRuntime.ensureOffline();
        this.spec = spec;
        this.block = new TwoTowerBlock(spec);
        this.model = device == null ? Model.newInstance("two-tower") : Model.newInstance("two-tower", device);
        this.model.setBlock(block);
    }

    /** A freshly initialised model (PyTorch-style initialisation, engine seeded beforehand by the caller). */
    public static TwoTowerModel create(ModelSpec spec) {
        return create(spec, null);
    }

    /**
     * A freshly initialised model whose parameters live on {@code device} (null: the engine's default device, a GPU
     * when it sees one).
     */
    public static TwoTowerModel create(ModelSpec spec, ai.djl.Device device) {
        TwoTowerModel m = new TwoTowerModel(spec, device);
        m.block.initialize(m.manager(), DataType.FLOAT32, inputShapes(spec, 2));
        return m;
    }

    /** Rebuilds a single-task model from the parameters of both towers (as written by {@link #towerParameters}). */
    public static TwoTowerModel fromTowers(ModelSpec spec, byte[] userTower, byte[] itemTower) throws IOException {
        return fromTowers(spec, userTower, itemTower, null);
    }

    /** Rebuilds a model from both towers and, for a multi-task spec, its heads (as {@link #heads()} gave them). */
    public static TwoTowerModel fromTowers(ModelSpec spec, byte[] userTower, byte[] itemTower, TaskHeads heads) throws IOException {
        if (spec.multiTask() != (heads != null)) {
            throw new IOException(spec.multiTask() ? "model spec has heads " + spec.heads() + " but the bundle has no heads"
                    : "the bundle has heads but its model spec has none");
        }
        TwoTowerModel m = create(spec);
        try {
            m.block.userTower().loadParameters(m.manager(), new DataInputStream(new ByteArrayInputStream(userTower)));
            m.block.itemTower().loadParameters(m.manager(), new DataInputStream(new ByteArrayInputStream(itemTower)));
            if (heads != null) {
                if (!heads.tasks().equals(spec.heads()) || !heads.input().equals(spec.headInput())
                        || heads.embeddingDim() != spec.embeddingDim()) {
                    throw new IOException("heads " + heads.tasks() + " over " + heads.input() + " do not fit model spec " + spec);
                }
                Linear linear = m.block.headsLinear();
                for (Pair<String, Parameter> p : linear.getParameters()) {
                    NDArray a = p.getValue().getArray();
                    a.set(FloatBuffer.wrap(p.getValue().getType() == Parameter.Type.WEIGHT ? heads.weight() : heads.bias()));
                }
            }
        } catch (MalformedModelException | RuntimeException e) {
            m.close();
            throw new IOException("parameters do not fit model spec " + spec + ": " + e.getMessage(), e);
        } catch (IOException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The heads of a multi-task model as plain arrays, or null for a single-task model. */
    public TaskHeads heads() {
        Linear linear = block.headsLinear();
        if (linear == null) return null;
        float[] weight = null;
        float[] bias = null;
        for (Pair<String, Parameter> p : linear.getParameters()) {
            if (p.getValue().getType() == Parameter.Type.WEIGHT) weight = p.getValue().getArray().toFloatArray();
            else bias = p.getValue().getArray().toFloatArray();
        }
        return new TaskHeads(spec.heads(), spec.headInput(), spec.embeddingDim(), weight, bias);
    }

    /** Scores from this model's embeddings (its heads, or the dot product). */
    public EmbeddingScores scores() {
        return new EmbeddingScores(spec.embeddingDim(), heads());
    }

    public static Shape[] inputShapes(ModelSpec spec, long batch) {
        return new Shape[] {new Shape(batch), new Shape(batch, spec.userDenseDim()),
                new Shape(batch), new Shape(batch, spec.itemDenseDim())};
    }

    public ModelSpec spec() {
        return spec;
    }

    public Model djlModel() {
        return model;
    }

    public TwoTowerBlock block() {
        return block;
    }

    public NDManager manager() {
        return model.getNDManager();
    }

    public byte[] parameters() throws IOException {
        return save(block);
    }

    /** Replaces the parameters; the replaced arrays are freed (loading allocates new ones). */
    public void loadParameters(byte[] bytes) throws IOException {
        List<NDArray> before = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) before.add(p.getValue().getArray());
        try {
            block.loadParameters(manager(), new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (MalformedModelException e) {
            throw new IOException(e);
        } finally {
            int i = 0;
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray old = before.get(i++);
                if (old != null && old != p.getValue().getArray()) old.close();
            }
        }
    }

    /**
     * Loads parameters to continue training them: like {@link #loadParameters}, then marks the new arrays of the
     * trainable parameters as requiring gradients (loading replaces the arrays, and only a model loaded through
     * {@code Model.load} gets that from {@code newTrainer}). Call before creating the trainer.
     */
    public void loadTrainableParameters(byte[] bytes) throws IOException {
        loadParameters(bytes);
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) p.getValue().getArray().setRequiresGradient(true);
        }
    }

    public byte[] towerParameters(boolean user) throws IOException {
        return save(user ? block.userTower() : block.itemTower());
    }

    private static byte[] save(Block b) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            b.saveParameters(out);
        }
        return bytes.toByteArray();
    }

    /** User embeddings of every row of the table, row-major [rows, d]. */
    public float[] embedUsers(FeatureTable users) {
        return embed(block.userTower(), users);
    }

    /** Item embeddings of every row of the table, row-major [rows, d]. */
    public float[] embedItems(FeatureTable items) {
        return embed(block.itemTower(), items);
    }

    private float[] embed(TowerBlock tower, FeatureTable table) {
        int d = spec.embeddingDim();
        float[] out = new float[table.rows() * d];
        int width = table.width();
        try (NDManager batchManager = manager().newSubManager()) {
            ParameterStore ps = new ParameterStore(batchManager, false);
            for (int start = 0; start < table.rows(); start += INFERENCE_BATCH) {
                int end = Math.min(table.rows(), start + INFERENCE_BATCH);
                try (NDManager m = batchManager.newSubManager()) {
                    long[] idx = new long[end - start];
                    for (int r = start; r < end; r++) idx[r - start] = table.vocabIndex()[r];
                    NDArray index = m.create(idx);
                    NDArray dense = m.create(FloatBuffer.wrap(table.dense(), start * width, (end - start) * width).slice(),
                            new Shape(end - start, width));
                    NDArray emb = tower.forward(ps, new NDList(index, dense), false).singletonOrThrow();
                    float[] part = emb.toFloatArray();
                    System.arraycopy(part, 0, out, start * d, part.length);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
