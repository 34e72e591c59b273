package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Properties of {@link PureSvd} beyond the numpy comparison in {@link BaselineFixturesTest}. */
class PureSvdTest {

    static UserItemMatrix random(int users, int items, double density, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = (int) (users * items * density);
        int[] u = new int[n];
        int[] i = new int[n];
        for (int p = 0; p < n; p++) {
            u[p] = random.nextInt(users);
            // skewed popularity
            i[p] = (int) (items * Math.pow(random.nextDouble(), 2));
        }
        return UserItemMatrix.of(users, items, u, i);
    }

    @Test
    void threadsAgreeAndFactorsAreSortedBySingularValue() {
        UserItemMatrix x = random(600, 60, 0.08, 3L);
        PureSvd one = PureSvd.fit(x, 8, 10, 6, 1, 11L);
        PureSvd two = PureSvd.fit(x, 8, 10, 6, 2, 11L);
        double[] s1 = one.singularValues();
        double[] s2 = two.singularValues();
        for (int c = 0; c < 8; c++) {
            assertEquals(s1[c], s2[c], 1e-9 * s1[0]);
            if (c > 0) {
                assertTrue(s1[c] <= s1[c - 1]);
            }
        }
        float[] a = new float[60];
        float[] b = new float[60];
        UserScorer sa = one.scorer(5, x);
        UserScorer sb = two.scorer(5, x);
        for (int u = 0; u < x.rows(); u += 37) {
            sa.score(u, a);
            sb.score(u, b);
            for (int j = 0; j < 60; j++) {
                assertEquals(a[j], b[j], 1e-4);
            }
        }
    }

    @Test
    void fullRankReproducesTheRows() {
        // rank = items: Q Q^T = I, so the scores are the user's own row
        UserItemMatrix x = random(50, 12, 0.3, 5L);
        PureSvd svd = PureSvd.fit(x, 12, 1L);
        assertEquals(12, svd.rank());
        float[] out = new float[12];
        UserScorer scorer = svd.scorer(12, x);
        for (int u = 0; u < x.rows(); u++) {
            scorer.score(u, out);
            for (int j = 0; j < 12; j++) {
                assertEquals(x.contains(u, j) ? 1.0 : 0.0, out[j], 1e-4, "user " + u + " item " + j);
            }
        }
    }

    @Test
    void rankIsCappedAndValidated() {
        UserItemMatrix x = random(5, 30, 0.3, 9L);
        PureSvd svd = PureSvd.fit(x, 10, 2L);
        assertEquals(5, svd.rank());
        assertThrows(IllegalArgumentException.class, () -> svd.scorer(6, x));
        assertThrows(IllegalArgumentException.class, () -> svd.scorer(0, x));
        assertThrows(IllegalArgumentException.class, () -> svd.scorer(2, random(5, 31, 0.3, 9L)));
        assertThrows(IllegalArgumentException.class, () -> PureSvd.fit(x, 0, 2L));
    }

    @Test
    void rankDeficientMatricesFitAtFullWidth() {
        // 40 users x 12 items of which 3 never occur and the rest repeat a few row patterns: rank(X) = 3 < 12 = l.
        // The power iterations then hand QR linearly dependent columns (this failed with "QR of a 12 x 12 matrix
        // failed" on a small synthetic run); the fit must still give an orthonormal basis and exact scores.
        int[][] patterns = {{0, 1, 2}, {3, 4, 5, 6}, {7, 8}};
        java.util.List<int[]> pairs = new java.util.ArrayList<>();
        for (int u = 0; u < 40; u++) for (int j : patterns[u % 3]) pairs.add(new int[]{u, j});
        UserItemMatrix x = UserItemMatrix.of(40, 12, pairs.stream().mapToInt(p -> p[0]).toArray(),
                pairs.stream().mapToInt(p -> p[1]).toArray());
        PureSvd svd = PureSvd.fit(x, 12, 10, 4, 1, 7L);
        assertEquals(12, svd.rank());
        double[] sv = svd.singularValues();
        for (int c = 3; c < sv.length; c++) assertEquals(0.0, sv[c], 1e-6, "singular value " + c);
        // rank 3 reproduces every row (the rows span exactly 3 directions)
        float[] out = new float[12];
        UserScorer scorer = svd.scorer(3, x);
        for (int u = 0; u < x.rows(); u++) {
            scorer.score(u, out);
            for (int j = 0; j < 12; j++) {
                assertEquals(x.contains(u, j) ? 1.0 : 0.0, out[j], 1e-4, "user " + u + " item " + j);
            }
        }
    }
}
