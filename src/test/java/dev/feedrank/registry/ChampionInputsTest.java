package dev.feedrank.registry;

import dev.feedrank.data.FeatureTable;
import dev.feedrank.model.ModelSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** This run's entities as the champion's inputs: its vocabulary, OOV for ids it never saw, or an explicit refusal. */
class ChampionInputsTest {

    static BundleLoader.LoadedBundle champion(List<String> userFeatures, List<String> itemFeatures) {
        ModelSpec spec = new ModelSpec(3, userFeatures.size(), 3, itemFeatures.size(), 4, 4);
        BundleManifest manifest = new BundleManifest("v1", 1, "", "", "", "synthetic", spec,
                Map.of("user", userFeatures, "item", itemFeatures), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
        // the champion knew users u1, u2 (rows 1, 2) and items i1 (row 2) and i9 (OOV in its own data)
        FeatureTable users = new FeatureTable(new String[] {"u1", "u2"}, new int[] {1, 2}, 3, new float[] {0, 0}, userFeatures);
        FeatureTable items = new FeatureTable(new String[] {"i1", "i9"}, new int[] {2, 0}, 3, new float[] {0, 0}, itemFeatures);
        return new BundleLoader.LoadedBundle(manifest, null, users, items, null, null);
    }

    @Test
    void knownIdsGetTheChampionsRowsAndNewOnesItsOovRow() throws Exception {
        FeatureTable users = new FeatureTable(new String[] {"u2", "u7", "u1"}, new int[] {1, 2, 0}, 3, new float[] {0.5f, 0.6f, 0.7f}, List.of("age"));
        FeatureTable items = new FeatureTable(new String[] {"i1", "i5"}, new int[] {1, 0}, 2, new float[] {1f, 2f}, List.of("pop"));
        ChampionInputs.Remapped r = ChampionInputs.remap(champion(List.of("age"), List.of("pop")), users, items);
        assertArrayEquals(new int[] {2, 0, 1}, r.users().vocabIndex(), "u2 -> 2, u7 unknown -> OOV, u1 -> 1");
        assertArrayEquals(new int[] {2, 0}, r.items().vocabIndex());
        assertArrayEquals(users.dense(), r.users().dense(), "this run's features");
        assertEquals(3, r.users().vocabSize(), "the champion's vocabulary size");
        assertEquals(1, r.oovUsers());
        assertEquals(1, r.newUsers(), "u7 is in this run's vocabulary but new to the champion");
        assertEquals(1, r.oovItems());
        assertEquals(0, r.newItems(), "i5 is OOV for both");
    }

    @Test
    void aChangedFeatureSpecIsRefusedWithBothSpecsNamed() {
        FeatureTable users = new FeatureTable(new String[] {"u1"}, new int[] {1}, 2, new float[] {0, 0}, List.of("age", "tenure"));
        FeatureTable items = new FeatureTable(new String[] {"i1"}, new int[] {1}, 2, new float[] {0}, List.of("pop"));
        var e = assertThrows(ChampionInputs.IncompatibleException.class,
                () -> ChampionInputs.remap(champion(List.of("age"), List.of("pop")), users, items));
        assertEquals("the user tower's features differ: champion [age], this run [age, tenure]", e.getMessage());
    }
}
