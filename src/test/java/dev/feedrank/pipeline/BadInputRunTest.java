package dev.feedrank.pipeline;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.feedrank.testing.TestTokens.asViewer;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad input fails the run at prepare-data with a message naming file, row and field; nothing downstream runs. A
 * dataset that reads well but cannot train a ranking model (one user) fails at validate-data.
 */
@QuarkusTest
class BadInputRunTest {

    static Stream<Arguments> cases() {
        String ok = "user_id,item_id,timestamp\n1,10,1600000000\n2,11,1600000100\n";
        return Stream.of(
                // ids are text (string ids are valid): a control character inside one is not
                Arguments.of("control character in an id", "user_id,item_id,timestamp\n1,10,1600000000\na\u0001b,11,1600000100\n",
                        List.of("interactions.csv", "row 2", "user_id")),
                Arguments.of("missing column", "user_id,timestamp\n1,1600000000\n",
                        List.of("interactions.csv", "item_id")),
                Arguments.of("timestamp out of range", "user_id,item_id,timestamp\n1,10,1600000000\n2,11,99999999999\n",
                        List.of("interactions.csv", "row 2", "timestamp")),
                Arguments.of("empty dataset", "user_id,item_id,timestamp\n", List.of("interactions.csv")),
                Arguments.of("NaN feature", ok + "#items.csv\nitem_id,quality\n10,0.5\n11,NaN\n",
                        List.of("items.csv", "row 2", "quality")),
                Arguments.of("missing file", null, List.of("interactions")),
                Arguments.of("wrong delimiter", "user_id;item_id;timestamp\n1;10;1600000000\n",
                        List.of("interactions.csv", "wrong delimiter", "';'-separated")),
                Arguments.of("duplicate header", "user_id,item_id,timestamp,item_id\n1,10,1600000000,10\n",
                        List.of("interactions.csv", "field item_id", "duplicate header")),
                Arguments.of("negative id", "user_id,item_id,timestamp\n1,10,1600000000\n2,-11,1600000100\n",
                        List.of("interactions.csv", "row 2", "item_id", "not a negative integer")),
                Arguments.of("all-null feature column", ok + "#items.csv\nitem_id,quality\n10,\n11,\n",
                        List.of("items.csv", "quality", "all-null column")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void failsAtPrepareData(String name, String content, List<String> expected, @TempDir Path dir) throws Exception {
        if (content != null) {
            String[] parts = content.split("#items.csv\n");
            Files.writeString(dir.resolve("interactions.csv"), parts[0]);
            if (parts.length > 1) Files.writeString(dir.resolve("items.csv"), parts[1]);
        }
        String before = asViewer().get("/api/aliases/production").then().extract().path("version");
        JsonPath run = RunApi.runToEnd("csv:" + dir, RunApi.small());
        assertEquals("FAILED", run.getString("status"));
        assertEquals(List.of("prepare-data"), run.getList("stages.name"), "nothing downstream runs");
        assertEquals("FAILED", run.getString("stages[0].status"));
        String error = run.getString("error");
        assertTrue(error.startsWith("prepare-data: "), error);
        for (String part : expected) assertTrue(error.contains(part), "'" + error + "' should name " + part);
        assertNull(run.get("model"));
        String after = asViewer().get("/api/aliases/production").then().extract().path("version");
        assertEquals(before, after, "a failed run never moves production");
    }

    @Test
    void aOneUserDatasetPreparesButFailsAtValidateData(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("user_id,item_id,timestamp\n");
        for (int i = 0; i < 300; i++) csv.append("7,").append(100 + i).append(',').append(1_600_000_000 + i).append('\n');
        Files.writeString(dir.resolve("interactions.csv"), csv);
        String before = asViewer().get("/api/aliases/production").then().extract().path("version");
        JsonPath run = RunApi.runToEnd("csv:" + dir, RunApi.small());
        assertEquals("FAILED", run.getString("status"));
        assertEquals(List.of("prepare-data", "validate-data"), run.getList("stages.name"), "nothing trains");
        String error = run.getString("error");
        assertTrue(error.startsWith("validate-data: data validation failed: "), error);
        assertTrue(error.contains("min-users: observed 1, expected >= 10 (interactions.csv: distinct user ids"), error);
        assertFalse(run.getBoolean("validation.passed"));
        assertNull(run.get("model"));
        assertEquals(before, asViewer().get("/api/aliases/production").then().extract().path("version"));
    }
}
