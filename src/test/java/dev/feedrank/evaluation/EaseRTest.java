package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Properties of {@link EaseR} beyond the numpy comparison in {@link BaselineFixturesTest}. */
class EaseRTest {

    @Test
    void gramIsSharedAndScoresAreRowSumsOfB() {
        UserItemMatrix x = PureSvdTest.random(80, 15, 0.2, 21L);
        EaseR.Gram gram = EaseR.gram(x);
        assertEquals(15, gram.items());
        EaseR a = gram.fit(10.0);
        EaseR b = gram.fit(10.0);
        float[] out = new float[15];
        UserScorer scorer = a.scorer(x);
        for (int u = 0; u < x.rows(); u++) {
            scorer.score(u, out);
            for (int j = 0; j < 15; j++) {
                double s = 0;
                for (int i : x.items(u)) s += a.weight(i, j);
                assertEquals(s, out[j], 1e-5);
                assertEquals(a.weight(u % 15, j), b.weight(u % 15, j), 0f); // the gram was restored
            }
        }
    }

    @Test
    void largeLambdaShrinksTowardsZero() {
        UserItemMatrix x = PureSvdTest.random(80, 15, 0.2, 22L);
        EaseR big = EaseR.fit(x, 1e6);
        EaseR small = EaseR.fit(x, 1.0);
        double maxBig = 0;
        double maxSmall = 0;
        for (int i = 0; i < 15; i++) {
            for (int j = 0; j < 15; j++) {
                maxBig = Math.max(maxBig, Math.abs(big.weight(i, j)));
                maxSmall = Math.max(maxSmall, Math.abs(small.weight(i, j)));
            }
        }
        assertEquals(0.0, maxBig, 1e-3);
        assertEquals(true, maxSmall > 100 * maxBig);
    }

    @Test
    void rejectsBadLambdaAndShape() {
        UserItemMatrix x = PureSvdTest.random(10, 5, 0.5, 23L);
        assertThrows(IllegalArgumentException.class, () -> EaseR.fit(x, -1.0));
        assertThrows(IllegalArgumentException.class, () -> EaseR.fit(x, Double.NaN));
        EaseR model = EaseR.fit(x, 1.0);
        assertThrows(IllegalArgumentException.class,
                () -> model.scorer(UserItemMatrix.of(10, 6, new int[0], new int[0])));
    }
}
