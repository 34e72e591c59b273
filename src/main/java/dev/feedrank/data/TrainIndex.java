package dev.feedrank.data;

import java.io.IOException;
import java.util.Arrays;

/**
 * What training keeps in memory of a streamed train split ({@link TrainShards}): every user's distinct positive items
 * (what negative sampling must avoid and validation ranking masks; 4 bytes per positive) and per item its number of
 * train positives (popularity-weighted sampling, logQ correction). Built with one pass over the shards.
 */
public record TrainIndex(long rows, NegativeSampler.UserItems positives, int[] itemPositives) {

    /** Of an in-memory train split (its positives: click = 1). */
    public static TrainIndex of(int users, int items, Examples train) {
        int[] counts = new int[items];
        for (int i = 0; i < train.size(); i++) if (train.click()[i] == 1f) counts[train.item()[i]]++;
        return new TrainIndex(train.size(), NegativeSampler.UserItems.positivesOf(users, train), counts);
    }

    /** Of a streamed train split: one pass over its shards, keeping only the (user, item) of each positive. */
    public static TrainIndex of(int users, int items, TrainShards shards) throws IOException {
        int[] user = new int[1024];
        int[] item = new int[1024];
        int n = 0;
        int[] counts = new int[items];
        for (int s = 0; s < shards.count(); s++) {
            Examples e = shards.read(s);
            for (int i = 0; i < e.size(); i++) {
                if (e.click()[i] != 1f) continue;
                if (n == user.length) {
                    user = Arrays.copyOf(user, Math.max(n + 1, n + (n >> 1)));
                    item = Arrays.copyOf(item, user.length);
                }
                user[n] = e.user()[i];
                item[n++] = e.item()[i];
                counts[e.item()[i]]++;
            }
        }
        return new TrainIndex(shards.rows(), NegativeSampler.UserItems.of(users, user, item, n), counts);
    }
}
