package dev.feedrank.registry;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.util.Pair;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TaskHeads;
import dev.feedrank.model.TowerBlock;
import dev.feedrank.model.TwoTowerModel;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Both towers as a PyTorch {@code state_dict} in safetensors ({@code towers.safetensors}), named for the module in
 * docs/serving.md: per tower {@code <tower>_id_embedding.weight} (nn.Embedding, row 0 = out-of-vocabulary) and
 * {@code <tower>.<i>.*} for the design document's nn.Sequential over [ID embedding, dense features]: 0 Linear,
 * 1 ReLU, 2 BatchNorm1d, 3 Dropout, 4 Linear, 5 ReLU, 6 BatchNorm1d, 7 Dropout, 8 Linear, 9 LayerNorm (absent with
 * {@code output_norm=l2}: F.normalize instead). Linear: {@code weight} [out, in], {@code bias}; BatchNorm1d:
 * {@code weight}, {@code bias}, {@code running_mean}, {@code running_var}, {@code num_batches_tracked} (I64, 0:
 * unused in eval mode); LayerNorm: {@code weight}, {@code bias}. A multi-task model adds {@code heads.weight}
 * [tasks, in] and {@code heads.bias} (one nn.Linear, rows in the metadata's {@code heads} order).
 */
public final class PyTorchTowers {

    private PyTorchTowers() {
    }

    public static byte[] safetensors(TwoTowerModel model) throws IOException {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tower("user_tower", model.block().userTower(), tensors);
        tower("item_tower", model.block().itemTower(), tensors);
        TaskHeads heads = model.heads();
        ModelSpec spec = model.spec();
        if (heads != null) {
            tensors.put("heads.weight", SafeTensors.Tensor.f32(heads.weight(), heads.tasks().size(), heads.weight().length / heads.tasks().size()));
            tensors.put("heads.bias", SafeTensors.Tensor.f32(heads.bias(), heads.tasks().size()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("producer", "feedrank");
        meta.put("output_norm", spec.outputNorm());
        meta.put("embedding_dim", String.valueOf(spec.embeddingDim()));
        meta.put("id_embedding_dim", String.valueOf(spec.idEmbeddingDim()));
        meta.put("user_vocab_size", String.valueOf(spec.userVocabSize()));
        meta.put("user_dense_dim", String.valueOf(spec.userDenseDim()));
        meta.put("item_vocab_size", String.valueOf(spec.itemVocabSize()));
        meta.put("item_dense_dim", String.valueOf(spec.itemDenseDim()));
        meta.put("tower_input", "concat([id_embedding(vocab_index), dense_features], dim=1)");
        if (heads != null) {
            meta.put("heads", String.join(",", heads.tasks()));
            meta.put("head_input", heads.input());
        }
        return SafeTensors.write(tensors, meta);
    }

    private static void tower(String name, TowerBlock tower, Map<String, SafeTensors.Tensor> out) {
        out.put(name + "_id_embedding.weight", tensor(tower.idEmbedding().getArray()));
        int i = 0;
        for (Pair<String, Block> child : tower.mlp().getChildren()) {
            Block b = child.getValue();
            String prefix = name + "." + i + ".";
            if (b instanceof Linear) {
                out.put(prefix + "weight", tensor(param(b, "weight")));
                out.put(prefix + "bias", tensor(param(b, "bias")));
            } else if (b instanceof BatchNorm) {
                out.put(prefix + "weight", tensor(param(b, "gamma")));
                out.put(prefix + "bias", tensor(param(b, "beta")));
                out.put(prefix + "running_mean", tensor(param(b, "runningMean")));
                out.put(prefix + "running_var", tensor(param(b, "runningVar")));
                out.put(prefix + "num_batches_tracked", SafeTensors.Tensor.i64(new long[] {0L}));
            } else if (b instanceof LayerNorm) {
                out.put(prefix + "weight", tensor(param(b, "gamma")));
                out.put(prefix + "bias", tensor(param(b, "beta")));
            }
            i++;
        }
    }

    private static NDArray param(Block b, String name) {
        for (Pair<String, Parameter> p : b.getParameters()) {
            if (p.getKey().equals(name) || p.getKey().endsWith("_" + name)) return p.getValue().getArray();
        }
        throw new IllegalStateException(b.getClass().getSimpleName() + " has no parameter " + name + ": " + b.getParameters().keys());
    }

    private static SafeTensors.Tensor tensor(NDArray a) {
        return SafeTensors.Tensor.f32(a.toFloatArray(), a.getShape().getShape());
    }
}
