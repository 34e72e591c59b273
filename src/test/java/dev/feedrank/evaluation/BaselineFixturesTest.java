package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link PureSvd}, {@link EaseR} and {@link Bootstrap} with reference values computed once with numpy by
 * {@code src/test/resources/fixtures/baselines/make_baseline_fixtures.py} (baselines.json): a 40 x 25 binary
 * matrix, exact truncated-SVD scores ({@code numpy.linalg.svd}), EASE^R weights and scores (float64 inverse; also on a
 * 12 x 30 matrix, fewer users than items, through both of {@link EaseR}'s paths), and
 * percentile bootstrap intervals on a resample index matrix drawn by numpy (so the percentile computation is
 * compared exactly, independently of the random generators).
 */
class BaselineFixturesTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static JsonNode root;
    private static UserItemMatrix x;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = BaselineFixturesTest.class.getResourceAsStream("/fixtures/baselines/baselines.json")) {
            assertNotNull(in, "missing fixture baselines.json");
            root = JSON.readTree(in);
        }
        x = matrix(root);
    }

    private static UserItemMatrix matrix(JsonNode fixture) {
        JsonNode pairs = fixture.get("pairs");
        int[] u = new int[pairs.size()];
        int[] i = new int[pairs.size()];
        for (int n = 0; n < u.length; n++) {
            u[n] = pairs.get(n).get(0).intValue();
            i[n] = pairs.get(n).get(1).intValue();
        }
        return UserItemMatrix.of(fixture.get("users").intValue(), fixture.get("items").intValue(), u, i);
    }

    private static double dbl(JsonNode node) {
        return Double.parseDouble(node.decimalValue().toString());
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int n = 0; n < out.length; n++) {
            out[n] = dbl(array.get(n));
        }
        return out;
    }

    private static double maxAbs(JsonNode matrix) {
        double max = 0;
        for (JsonNode row : matrix) {
            for (JsonNode v : row) {
                max = Math.max(max, Math.abs(dbl(v)));
            }
        }
        return max;
    }

    /** Every user's scores within {@code rel * max|expected|}. */
    private static void assertScores(JsonNode expected, UserScorer scorer, double rel, String what) {
        assertScores(x, expected, scorer, rel, what);
    }

    private static void assertScores(UserItemMatrix x, JsonNode expected, UserScorer scorer, double rel, String what) {
        double tol = rel * maxAbs(expected);
        float[] out = new float[x.cols()];
        for (int u = 0; u < x.rows(); u++) {
            scorer.score(u, out);
            double[] exp = doubles(expected.get(u));
            for (int j = 0; j < exp.length; j++) {
                assertEquals(exp[j], out[j], tol, what + " user " + u + " item " + j);
            }
        }
    }

    @Test
    void matrixCollapsesTheFixtureDuplicates() {
        assertEquals(root.get("nnz").intValue(), x.nnz());
        assertTrue(root.get("pairs").size() > x.nnz(), "the fixture repeats some pairs");
    }

    @Test
    void pureSvdMatchesExactTruncatedSvd() {
        PureSvd svd = PureSvd.fit(x, 3, 1234L);
        assertEquals(3, svd.rank());
        double[] expSv = doubles(root.get("singular_values"));
        double[] sv = svd.singularValues();
        for (int c = 0; c < 3; c++) {
            assertEquals(expSv[c], sv[c], 1e-6 * expSv[0], "singular value " + c);
        }
        for (JsonNode c : root.get("pure_svd")) {
            int rank = c.get("rank").intValue();
            assertScores(c.get("scores"), svd.scorer(rank, x), 1e-3, "PureSVD rank " + rank);
        }
    }

    @Test
    void pureSvdWithoutOversamplingStillConvergesWithPowerIterations() {
        // l = rank: only the subspace iteration makes it exact (s_4 / s_3 = 0.65 at the cut)
        PureSvd svd = PureSvd.fit(x, 3, 0, 40, 1, 7L);
        JsonNode c = root.get("pure_svd").get(1);
        assertEquals(3, c.get("rank").intValue());
        assertScores(c.get("scores"), svd.scorer(3, x), 1e-3, "PureSVD rank 3, no oversampling");
    }

    @Test
    void easeMatchesNumpy() {
        JsonNode cases = root.get("ease");
        double[] lambdas = new double[cases.size()];
        for (int c = 0; c < lambdas.length; c++) {
            lambdas[c] = dbl(cases.get(c).get("lambda"));
        }
        List<EaseR> models = EaseR.fit(x, lambdas);
        assertEquals(lambdas.length, models.size());
        for (int c = 0; c < lambdas.length; c++) {
            EaseR model = models.get(c);
            JsonNode exp = cases.get(c);
            assertEquals(lambdas[c], model.lambda(), 0.0);
            double tol = 1e-4 * maxAbs(exp.get("B")); // float32 inverse
            for (int i = 0; i < x.cols(); i++) {
                double[] row = doubles(exp.get("B").get(i));
                for (int j = 0; j < x.cols(); j++) {
                    assertEquals(row[j], model.weight(i, j), tol, "lambda " + lambdas[c] + " B[" + i + "][" + j + "]");
                }
                assertEquals(0f, model.weight(i, i), 0f);
            }
            assertScores(exp.get("scores"), model.scorer(x), 1e-4, "EASE lambda " + lambdas[c]);
        }
        // the single-lambda entry point gives the same model
        EaseR single = EaseR.fit(x, lambdas[0]);
        for (int i = 0; i < x.cols(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                assertEquals(models.get(0).weight(i, j), single.weight(i, j), 0f);
            }
        }
    }

    @Test
    void easeWithFewerUsersThanItemsMatchesNumpyOnBothPaths() {
        JsonNode wide = root.get("ease_wide");
        UserItemMatrix w = matrix(wide);
        assertEquals(wide.get("nnz").intValue(), w.nnz());
        assertTrue(w.rows() < w.cols());
        assertEquals(EaseR.Path.WOODBURY, EaseR.gram(w).path(), "fewer users than items: Woodbury by default");
        assertEquals(EaseR.Path.DIRECT, EaseR.gram(x).path(), "more users than items: direct by default");
        for (EaseR.Path path : EaseR.Path.values()) {
            EaseR.Gram gram = EaseR.gram(w, path);
            assertEquals(path, gram.path());
            for (JsonNode exp : wide.get("ease")) {
                double lambda = dbl(exp.get("lambda"));
                EaseR model = gram.fit(lambda);
                double tol = 1e-4 * maxAbs(exp.get("B"));
                for (int i = 0; i < w.cols(); i++) {
                    double[] row = doubles(exp.get("B").get(i));
                    for (int j = 0; j < w.cols(); j++) {
                        assertEquals(row[j], model.weight(i, j), tol, path + " lambda " + lambda + " B[" + i + "][" + j + "]");
                    }
                    assertEquals(0f, model.weight(i, i), 0f);
                }
                assertScores(w, exp.get("scores"), model.scorer(w), 1e-4, "EASE " + path + " lambda " + lambda);
            }
        }
    }

    @Test
    void bootstrapPercentilesMatchNumpyOnTheSameResamples() {
        JsonNode boot = root.get("bootstrap");
        double[] a = doubles(boot.get("a"));
        double[] b = doubles(boot.get("b"));
        JsonNode rows = boot.get("indices");
        int[][] indices = new int[rows.size()][];
        for (int r = 0; r < indices.length; r++) {
            indices[r] = new int[rows.get(r).size()];
            for (int n = 0; n < indices[r].length; n++) {
                indices[r][n] = rows.get(r).get(n).intValue();
            }
        }
        assertEquals(boot.get("resamples").intValue(), indices.length);
        for (JsonNode c : boot.get("cases")) {
            double confidence = dbl(c.get("confidence"));
            Interval ia = Bootstrap.percentile(a, indices, confidence);
            assertEquals(dbl(c.get("a").get(0)), ia.low(), 1e-12, "low " + confidence);
            assertEquals(dbl(c.get("a").get(1)), ia.high(), 1e-12, "high " + confidence);
            Interval id = Bootstrap.pairedDifference(a, b, indices, confidence);
            assertEquals(dbl(c.get("a_minus_b").get(0)), id.low(), 1e-12, "paired low " + confidence);
            assertEquals(dbl(c.get("a_minus_b").get(1)), id.high(), 1e-12, "paired high " + confidence);
        }
    }
}
