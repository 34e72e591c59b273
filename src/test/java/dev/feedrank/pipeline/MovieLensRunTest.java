package dev.feedrank.pipeline;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A whole run on MovieLens latest-small, read from ../shared (its licence keeps it out of the repository). */
@QuarkusTest
class MovieLensRunTest {

    static Path movieLens() {
        for (String candidate : new String[] {"../shared/data/ml-latest-small", "/work/shared/data/ml-latest-small"}) {
            Path p = Path.of(candidate).toAbsolutePath().normalize();
            if (Files.isRegularFile(p.resolve("ratings.csv"))) return p;
        }
        return null;
    }

    @Test
    void modelBeatsThePopularityBaselineOnTheSameSplit() throws Exception {
        Path data = movieLens();
        Assumptions.assumeTrue(data != null, "MovieLens latest-small not found at ../shared/data/ml-latest-small: skipped");
        // the defaults, as `run --dataset movielens:...` uses them
        JsonPath run = RunApi.runToEnd("movielens:" + data, Map.of());
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        double model = run.getDouble("metrics['ndcg@10']");
        double baseline = run.getDouble("baseline['ndcg@10']");
        assertTrue(model > baseline, "NDCG@10 " + model + " vs popularity " + baseline);
        assertTrue(run.getDouble("metrics.auc") > 0.75, "auc " + run.getDouble("metrics.auc"));
    }
}
