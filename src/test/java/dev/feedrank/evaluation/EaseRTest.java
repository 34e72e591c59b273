package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void woodburyAndDirectPathsAgreeWithFewerUsersThanItems() {
        UserItemMatrix x = PureSvdTest.random(70, 160, 0.08, 24L);
        EaseR.Gram woodbury = EaseR.gram(x, EaseR.Path.WOODBURY);
        EaseR.Gram direct = EaseR.gram(x, EaseR.Path.DIRECT);
        assertEquals(EaseR.Path.WOODBURY, EaseR.gram(x).path());
        assertEquals(160, woodbury.items());
        for (double lambda : new double[] {0.5, 5.0, 50.0, 500.0}) {
            EaseR a = woodbury.fit(lambda);
            EaseR b = direct.fit(lambda);
            double max = 0;
            for (int i = 0; i < 160; i++) {
                for (int j = 0; j < 160; j++) {
                    max = Math.max(max, Math.abs(b.weight(i, j)));
                }
            }
            assertTrue(max > 0);
            for (int i = 0; i < 160; i++) {
                for (int j = 0; j < 160; j++) {
                    assertEquals(b.weight(i, j), a.weight(i, j), 1e-4 * max,
                            "lambda " + lambda + " B[" + i + "][" + j + "]");
                }
            }
        }
        // X X^T is shared: refitting gives the same model
        EaseR again = woodbury.fit(5.0);
        EaseR first = EaseR.fit(x, 5.0);
        for (int i = 0; i < 160; i++) {
            for (int j = 0; j < 160; j++) {
                assertEquals(first.weight(i, j), again.weight(i, j), 0f);
            }
        }
    }

    @Test
    void woodburyRejectsLambdaZero() {
        // rank(X^T X) <= users < items: singular without regularization
        UserItemMatrix x = PureSvdTest.random(5, 12, 0.4, 25L);
        assertThrows(IllegalStateException.class, () -> EaseR.gram(x, EaseR.Path.WOODBURY).fit(0.0));
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
