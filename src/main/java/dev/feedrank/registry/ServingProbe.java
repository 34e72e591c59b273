package dev.feedrank.registry;

import dev.feedrank.data.FeatureTable;
import dev.feedrank.model.EmbeddingScores;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code serving_probe.json} of a bundle: (user, item) pairs with the click score (logit: the dot product, or a multi-task model's click head) the trained model gave them at
 * export time. A server that loads the bundle must reproduce these scores; the servability check does exactly that.
 */
public record ServingProbe(List<String> users, List<String> items, float[] scores) {

    public static final int DEFAULT_SIZE = 256;

    /** Pairs drawn with a fixed seed from the exported users and items; scores from their embeddings. */
    static ServingProbe sample(FeatureTable users, FeatureTable items, float[] userEmb, float[] itemEmb,
                               EmbeddingScores scores, int size) {
        int d = scores.embeddingDim();
        EmbeddingScores.Task click = scores.task("click");
        List<String> u = new ArrayList<>();
        List<String> i = new ArrayList<>();
        if (users.rows() == 0 || items.rows() == 0) return new ServingProbe(u, i, new float[0]);
        SplittableRandom random = new SplittableRandom(20240611L);
        float[] logits = new float[size];
        for (int k = 0; k < size; k++) {
            int ur = random.nextInt(users.rows());
            int ir = random.nextInt(items.rows());
            u.add(users.ids()[ur]);
            i.add(items.ids()[ir]);
            logits[k] = click.logit(userEmb, ur * d, itemEmb, ir * d);
        }
        return new ServingProbe(u, i, logits);
    }
}
