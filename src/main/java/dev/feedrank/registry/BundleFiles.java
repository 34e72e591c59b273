package dev.feedrank.registry;

/** File names inside a model bundle {@code models/<version>/}. */
public final class BundleFiles {
    public static final String MANIFEST = "manifest.json";
    public static final String MODEL_PARAMS = "model.params";
    public static final String USER_TOWER = "user_tower.params";
    public static final String ITEM_TOWER = "item_tower.params";
    public static final String ITEM_EMBEDDINGS = "item_embeddings.npy";
    public static final String ITEM_IDS = "item_ids.csv";
    public static final String ITEM_FEATURES = "item_features.npy";
    public static final String USER_EMBEDDINGS = "user_embeddings.npy";
    public static final String USER_IDS = "user_ids.csv";
    public static final String USER_FEATURES = "user_features.npy";
    public static final String PROBE = "serving_probe.json";
    /** Multi-task models only: the task heads ({@link dev.feedrank.model.TaskHeads} as JSON). */
    public static final String HEADS = "heads.json";
    /** Both towers as a PyTorch state_dict in safetensors ({@link PyTorchTowers}). */
    public static final String TOWERS_SAFETENSORS = "towers.safetensors";
    /** The ANN graph of the item embeddings (jvector's on-heap graph format; vectors from item_embeddings.npy). */
    public static final String ANN_INDEX = "ann_index.jvector";
    /** The ANN index's library, parameters, vector transform and measured recall. */
    public static final String ANN_META = "ann_index.json";

    private BundleFiles() {
    }

    public static String prefix(String version) {
        return "models/" + version + "/";
    }
}
