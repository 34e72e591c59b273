package dev.feedrank.ann;

import dev.feedrank.model.TaskHeads;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnnIndexTest {

    /** Clustered vectors of unequal norms, like LayerNorm outputs: n rows of d. */
    static float[] clustered(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int clusters = 20;
        float[][] centres = new float[clusters][d];
        for (float[] c : centres) for (int k = 0; k < d; k++) c[k] = (float) (r.nextDouble() * 2 - 1);
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            float[] c = centres[r.nextInt(clusters)];
            double scale = 0.5 + r.nextDouble();
            for (int k = 0; k < d; k++) out[i * d + k] = (float) (scale * (c[k] + 0.3 * (r.nextDouble() * 2 - 1)));
        }
        return out;
    }

    @Test
    void exactTopKIsTheBruteForceOrderWithTiesByRow() {
        float[] items = {1, 0, 0, 1, 1, 0, 2, 0, 0.5f, 0.5f};
        assertArrayEquals(new int[] {3, 0, 2}, AnnIndex.exactTopK(items, 5, 2, new float[] {1, 0}, 3));
        assertArrayEquals(new int[] {3, 0, 2, 4, 1}, AnnIndex.exactTopK(items, 5, 2, new float[] {1, 0}, 50));
    }

    @Test
    void findsTheInnerProductTopKOfVectorsOfUnequalNormAndSurvivesSaveAndLoad() throws IOException {
        int n = 3000;
        int d = 16;
        float[] items = clustered(n, d, 1);
        float[] users = clustered(300, d, 2);
        int[] rows = new int[300];
        for (int i = 0; i < rows.length; i++) rows[i] = i;
        AnnSettings s = AnnSettings.DEFAULT;
        AnnIndex index = AnnIndex.build(items, n, d, s);
        Map<String, Double> m = AnnRecall.measure(index, items, users, rows, ClickQuery.of(d, null), 1000, 7);
        assertTrue(m.get(AnnRecall.RECALL_10) >= 0.95, m.toString());
        assertTrue(m.get(AnnRecall.RECALL_100) >= 0.9, m.toString());
        assertEquals(300.0, m.get(AnnRecall.QUERIES));
        assertTrue(m.get(AnnRecall.LATENCY_P99) >= m.get(AnnRecall.LATENCY_P50));

        byte[] graph = index.graphBytes();
        assertArrayEquals(graph, AnnIndex.build(items, n, d, s).graphBytes(), "same vectors and parameters: same graph");
        AnnIndex loaded = AnnIndex.load(graph, items, n, d, s);
        try (AnnIndex.Searcher a = index.searcher(); AnnIndex.Searcher b = loaded.searcher()) {
            for (int u = 0; u < 20; u++) {
                float[] q = java.util.Arrays.copyOfRange(users, u * d, u * d + d);
                int[] found = a.search(q, 10);
                assertEquals(10, found.length);
                assertArrayEquals(found, b.search(q, 10));
            }
        }
        float[] fewer = java.util.Arrays.copyOf(items, (n - 1) * d);
        IOException wrongItems = assertThrows(IOException.class, () -> AnnIndex.load(graph, fewer, n - 1, d, s));
        assertTrue(wrongItems.getMessage().contains("nodes"), wrongItems.getMessage());
    }

    @Test
    void aSmallCatalogueIsFoundExactlyAndKIsCappedAtItsSize() {
        float[] items = clustered(7, 4, 3);
        AnnIndex index = AnnIndex.build(items, 7, 4, AnnSettings.DEFAULT);
        float[] q = {1, -1, 0.5f, 2};
        try (AnnIndex.Searcher s = index.searcher()) {
            assertArrayEquals(AnnIndex.exactTopK(items, 7, 4, q, 7), s.search(q, 10));
        }
    }

    @Test
    void theClickHeadOfAMultiTaskModelIsAnInnerProductWithTheItem() {
        int d = 3;
        SplittableRandom r = new SplittableRandom(5);
        float[] w = new float[2 * 3 * d];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextDouble(-1, 1);
        TaskHeads heads = new TaskHeads(List.of("click", "like"), "concat-product", d, w, new float[] {0.3f, -0.2f});
        ClickQuery query = ClickQuery.of(d, heads);
        float[] u = {0.5f, -1f, 2f};
        float[] item = {1f, 0.25f, -0.75f};
        float[] q = query.query(u, 0);
        float viaQuery = AnnIndex.dot(q, item, 0, d) + query.offset(u, 0);
        assertEquals(heads.logit(0, u, 0, item, 0), viaQuery, 1e-5);
        assertThrows(IllegalArgumentException.class, () -> ClickQuery.of(d,
                new TaskHeads(List.of("like"), "concat", d, new float[2 * d], new float[1])));
    }

    @Test
    void recallCountsTiesWithTheKthBestAsHits() {
        // items 0 and 1 tie for the best score: either one is a correct top 1
        float[] items = {1, 0, 1, 0, 0, 1};
        AnnIndex index = AnnIndex.build(items, 3, 2, AnnSettings.DEFAULT);
        float[] q = {1, 0};
        assertEquals(1.0, AnnRecall.recall(index, q, new int[] {1}, new int[] {0}, 1));
        assertEquals(0.0, AnnRecall.recall(index, q, new int[] {2}, new int[] {0}, 1));
    }
}
