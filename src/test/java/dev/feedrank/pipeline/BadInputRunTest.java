package dev.feedrank.pipeline;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
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

/** Bad input fails the run at prepare-data with a message naming file, row and field; nothing downstream runs. */
@QuarkusTest
class BadInputRunTest {

    static Stream<Arguments> cases() {
        String ok = "user_id,item_id,timestamp\n1,10,1600000000\n2,11,1600000100\n";
        return Stream.of(
                Arguments.of("non-numeric id", "user_id,item_id,timestamp\n1,10,1600000000\nabc,11,1600000100\n",
                        List.of("interactions.csv", "row 2", "user_id")),
                Arguments.of("missing column", "user_id,timestamp\n1,1600000000\n",
                        List.of("interactions.csv", "item_id")),
                Arguments.of("timestamp out of range", "user_id,item_id,timestamp\n1,10,1600000000\n2,11,99999999999\n",
                        List.of("interactions.csv", "row 2", "timestamp")),
                Arguments.of("empty dataset", "user_id,item_id,timestamp\n", List.of("interactions.csv")),
                Arguments.of("NaN feature", ok + "#items.csv\nitem_id,quality\n10,0.5\n11,NaN\n",
                        List.of("items.csv", "row 2", "quality")),
                Arguments.of("missing file", null, List.of("interactions")));
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
}
