package dev.feedrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Preconditions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DJL's {@link ai.djl.training.optimizer.Adam} (0.36.0) with state this class owns, so that a checkpoint can
 * save it and a resumed training can restore it: the first and second moments and the update counts per
 * parameter. The arithmetic is Adam's, step for step: the same bias corrections computed in double from the
 * float betas, the update count being the maximum over all parameters (DJL's {@code Optimizer.updateCount}),
 * and the same fused native {@code adamUpdate} kernel; a test holds it to bit-for-bit equality with DJL's Adam.
 *
 * <p>The moments live in {@code stateManager} (given by the trainer, closed when training ends), not, as in
 * DJL's Adam, detached into the engine's system manager. Moments and counts are kept by parameter id, which is
 * random per model instance; {@link #exportState} and {@link #importState} translate to and from the stable
 * parameter names of the block.
 */
public final class ResumableAdam extends Optimizer {

    /** Moments and counts by parameter NAME; moments as {@link NDArray#encode()} bytes. */
    public record State(int numUpdate, Map<String, Integer> updateCounts, Map<String, byte[]> means,
                        Map<String, byte[]> variances) {
        public State {
            updateCounts = Map.copyOf(updateCounts);
            means = Map.copyOf(means);
            variances = Map.copyOf(variances);
        }

        public static State empty() {
            return new State(0, Map.of(), Map.of(), Map.of());
        }
    }

    private final ParameterTracker learningRateTracker;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final NDManager stateManager;
    private final Map<String, NDArray> means = new ConcurrentHashMap<>();
    private final Map<String, NDArray> variances = new ConcurrentHashMap<>();
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private int numUpdate;

    private ResumableAdam(Builder b) {
        super(b);
        this.learningRateTracker = b.learningRateTracker;
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
        this.stateManager = Objects.requireNonNull(b.stateManager, "stateManager");
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        Step step = step(parameterId);
        NDList inputs = new NDList(weight, grad, moment(means, parameterId, weight), moment(variances, parameterId, weight));
        NDList weights = new NDList(weight);
        weight.getNDArrayInternal().adamUpdate(inputs, weights, step.lr, step.lrBiasCorrected, step.weightDecay, rescaleGrad,
                clipGrad, beta1, beta2, epsilon, true, false);
    }

    /**
     * A row-wise ("lazy") Adam step of a [rows, dim] table ({@code train.sparse-embedding-updates}): only the rows
     * {@code rowIndex} (distinct, int64 [U]) move, with {@code grad} [U, dim] their gradient. For those rows the
     * arithmetic is {@link #update}'s: the same fused {@code adamUpdate} kernel on the gathered weight and moment
     * rows, with the bias correction of step t = the update count (counted per parameter as there, one per step,
     * the maximum over parameters); the rows are then written back in place ({@code index_put_}). Rows not in
     * {@code rowIndex} keep their weights and both moments, unlike dense Adam, which decays every row's moments
     * and keeps moving rows whose gradient is zero. The moments are full-size arrays of the table's shape, kept and
     * exported like a dense parameter's, so checkpoints and resume work unchanged. Cost: O(U x dim), not
     * O(rows x dim).
     */
    public void updateRows(String parameterId, NDArray table, NDArray rowIndex, NDArray grad) {
        Step step = step(parameterId);
        NDArray mean = moment(means, parameterId, table);
        NDArray variance = moment(variances, parameterId, table);
        NDIndex at = new NDIndex("{}", rowIndex);
        try (NDManager scratch = stateManager.newSubManager()) {
            NDArray w = table.get(at);
            NDArray m = mean.get(at);
            NDArray v = variance.get(at);
            NDArray g = grad;
            w.attach(scratch);
            m.attach(scratch);
            v.attach(scratch);
            w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, v), new NDList(w), step.lr, step.lrBiasCorrected,
                    step.weightDecay, rescaleGrad, clipGrad, beta1, beta2, epsilon, true, false);
            table.set(at, w);
            mean.set(at, m);
            variance.set(at, v);
        }
    }

    /** The learning rate, its bias-corrected form and the weight decay of one update of a parameter. */
    private record Step(float lr, float lrBiasCorrected, float weightDecay) {
    }

    /** Counts the update of {@code parameterId} and returns its step's rates (both the dense and the row-wise update). */
    private Step step(String parameterId) {
        int t = count(parameterId);
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float lr = learningRateTracker.getNewValue(parameterId, t);
        float lrBiasCorrected = (float) (lr * Math.sqrt(coef2) / coef1);
        float weightDecay = getWeightDecay();
        Preconditions.checkArgument(!Float.isNaN(lrBiasCorrected) && !Float.isNaN(weightDecay)
                && !Float.isInfinite(lrBiasCorrected) && !Float.isInfinite(weightDecay),
                "learning rate or weight decay is nan or infinite");
        return new Step(lr, lrBiasCorrected, weightDecay);
    }

    /** Per-parameter count plus one; like DJL, the step used for bias correction is the maximum over parameters. */
    private synchronized int count(String parameterId) {
        int c = counts.merge(parameterId, 1, Integer::sum);
        numUpdate = Math.max(numUpdate, c);
        return numUpdate;
    }

    private NDArray moment(Map<String, NDArray> state, String parameterId, NDArray weight) {
        return state.computeIfAbsent(parameterId,
                id -> stateManager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice()));
    }

    /** The current state by parameter name ({@code idToName} maps this model instance's ids to names). */
    public synchronized State exportState(Map<String, String> idToName) {
        Map<String, Integer> c = new LinkedHashMap<>();
        counts.forEach((id, n) -> c.put(name(idToName, id), n));
        return new State(numUpdate, c, encode(means, idToName), encode(variances, idToName));
    }

    private static Map<String, byte[]> encode(Map<String, NDArray> state, Map<String, String> idToName) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        state.forEach((id, a) -> out.put(name(idToName, id), a.encode()));
        return out;
    }

    private static String name(Map<String, String> idToName, String id) {
        String name = idToName.get(id);
        if (name == null) throw new IllegalStateException("optimizer state for unknown parameter id " + id);
        return name;
    }

    /**
     * Replaces the state with a saved one ({@code nameToId} maps names to this model instance's ids). The moments
     * are decoded into the state manager; their shapes must match the parameters they belong to.
     */
    public synchronized void importState(State s, Map<String, String> nameToId, Map<String, NDArray> parametersByName) {
        clear();
        s.updateCounts().forEach((name, n) -> counts.put(id(nameToId, name), n));
        numUpdate = s.numUpdate();
        decode(s.means(), means, nameToId, parametersByName);
        decode(s.variances(), variances, nameToId, parametersByName);
    }

    private void decode(Map<String, byte[]> saved, Map<String, NDArray> into, Map<String, String> nameToId,
                        Map<String, NDArray> parametersByName) {
        saved.forEach((name, bytes) -> {
            NDArray a = NDArray.decode(stateManager, bytes);
            NDArray p = parametersByName.get(name);
            if (p != null && !p.getShape().equals(a.getShape())) {
                a.close();
                throw new IllegalArgumentException("optimizer state of parameter " + name + " has shape " + a.getShape()
                        + " but the parameter has " + p.getShape());
            }
            into.put(id(nameToId, name), a);
        });
    }

    private static String id(Map<String, String> nameToId, String name) {
        String id = nameToId.get(name);
        if (id == null) throw new IllegalArgumentException("optimizer state for parameter " + name + ", which this model does not have");
        return id;
    }

    private void clear() {
        means.values().forEach(NDArray::close);
        variances.values().forEach(NDArray::close);
        means.clear();
        variances.clear();
        counts.clear();
        numUpdate = 0;
    }

    /** The Adam step count used for bias correction (the largest per-parameter count). */
    public synchronized int numUpdate() {
        return numUpdate;
    }

    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRateTracker = Tracker.fixed(0.001f);
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private NDManager stateManager;

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Builder optLearningRateTracker(ParameterTracker tracker) {
            this.learningRateTracker = tracker;
            return this;
        }

        public Builder optBeta1(float beta1) {
            this.beta1 = beta1;
            return this;
        }

        public Builder optBeta2(float beta2) {
            this.beta2 = beta2;
            return this;
        }

        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /** Where the moments are allocated; must live as long as the trainer (e.g. a sub-manager of the model's). */
        public Builder stateManager(NDManager manager) {
            this.stateManager = manager;
            return this;
        }

        @Override
        public Builder optBeginNumUpdate(int beginNumUpdate) {
            throw new UnsupportedOperationException("ResumableAdam counts updates from 0; a resume restores the counts instead");
        }

        public ResumableAdam build() {
            return new ResumableAdam(this);
        }
    }
}
