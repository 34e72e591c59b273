package dev.feedrank.data;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invariants every prepared dataset must satisfy. */
final class DatasetAssertions {
    private DatasetAssertions() {
    }

    static void assertWellFormed(PreparedDataset ds) {
        assertTable(ds.users());
        assertTable(ds.items());
        Examples[] splits = {ds.train(), ds.validation(), ds.test()};
        for (Examples e : splits) {
            for (int i = 0; i < e.size(); i++) {
                assertTrue(e.user()[i] >= 0 && e.user()[i] < ds.users().rows());
                assertTrue(e.item()[i] >= 0 && e.item()[i] < ds.items().rows());
                assertTrue(e.like()[i] <= e.click()[i] && e.share()[i] <= e.like()[i], "like ⊆ click, share ⊆ like");
                if (e.sampled()[i]) assertEquals(0f, e.click()[i] + e.like()[i] + e.share()[i]);
            }
        }
        assertTimeOrdered(ds);
        assertTrainVocabulary(ds);
        assertEquals(ds.contentHash().length(), 64);
    }

    static void assertTable(FeatureTable t) {
        assertEquals(t.rows() * t.width(), t.dense().length);
        assertEquals(t.rows(), t.vocabIndex().length);
        for (float v : t.dense()) assertTrue(Float.isFinite(v) && Math.abs(v) <= 5.0f, "feature value " + v);
        Set<Integer> seen = new HashSet<>();
        for (int v : t.vocabIndex()) {
            assertTrue(v >= 0 && v < t.vocabSize());
            if (v > 0) assertTrue(seen.add(v), "vocab index used twice: " + v);
        }
        assertEquals(t.vocabSize() - 1, seen.size());
        for (int r = 1; r < t.rows(); r++) {
            assertTrue(compareIds(t.ids()[r - 1], t.ids()[r]) < 0, "rows ordered by id: " + t.ids()[r - 1] + ", "
                    + t.ids()[r]);
        }
        assertEquals(t.featureNames().size(), new HashSet<>(t.featureNames()).size(), "unique feature names");
    }

    /** The order of {@link Ids#order}: canonical integers by value first, then other ids by their UTF-8 bytes. */
    static int compareIds(String a, String b) {
        boolean ia = a.matches("0|[1-9][0-9]{0,17}");
        boolean ib = b.matches("0|[1-9][0-9]{0,17}");
        if (ia != ib) return ia ? -1 : 1;
        if (ia) return Long.compare(Long.parseLong(a), Long.parseLong(b));
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** max train ts <= min validation ts <= max validation ts <= min test ts, and each split is in time order. */
    static void assertTimeOrdered(PreparedDataset ds) {
        long previous = Long.MIN_VALUE;
        for (Examples e : new Examples[] {ds.train(), ds.validation(), ds.test()}) {
            for (long ts : e.ts()) {
                assertTrue(ts >= previous, "time order " + ts + " < " + previous);
                previous = ts;
            }
        }
    }

    /** Exactly the users/items with a positive in the train window have an ID-embedding index. */
    static void assertTrainVocabulary(PreparedDataset ds) {
        Set<Integer> trainUsers = new HashSet<>();
        Set<Integer> trainItems = new HashSet<>();
        Examples t = ds.train();
        for (int i = 0; i < t.size(); i++) {
            if (t.sampled()[i]) continue;
            trainUsers.add(t.user()[i]);
            trainItems.add(t.item()[i]);
        }
        for (int r = 0; r < ds.users().rows(); r++) {
            assertEquals(trainUsers.contains(r), ds.users().vocabIndex()[r] > 0, "user row " + r);
        }
        for (int r = 0; r < ds.items().rows(); r++) {
            assertEquals(trainItems.contains(r), ds.items().vocabIndex()[r] > 0, "item row " + r);
        }
    }

    /** Sampled negatives never hit the user's train positives, nor the user's positives in their own split. */
    static void assertNegativesAvoidPositives(PreparedDataset ds) {
        Set<Long> train = positives(ds.train());
        for (Examples e : new Examples[] {ds.train(), ds.validation(), ds.test()}) {
            Set<Long> own = positives(e);
            for (int i = 0; i < e.size(); i++) {
                if (!e.sampled()[i]) continue;
                long key = key(e.user()[i], e.item()[i]);
                assertFalse(train.contains(key) || own.contains(key),
                        "negative (" + e.user()[i] + ", " + e.item()[i] + ") is a positive");
            }
        }
    }

    static Set<Long> positives(Examples e) {
        Set<Long> out = new HashSet<>();
        for (int i = 0; i < e.size(); i++) if (e.click()[i] == 1f) out.add(key(e.user()[i], e.item()[i]));
        return out;
    }

    static long key(int user, int item) {
        return ((long) user << 32) | item;
    }

    static float feature(FeatureTable t, int row, String name) {
        int j = t.featureNames().indexOf(name);
        if (j < 0) throw new IllegalArgumentException("no feature " + name + " in " + t.featureNames());
        return t.dense()[row * t.width() + j];
    }
}
