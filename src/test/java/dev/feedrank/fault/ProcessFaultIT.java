package dev.feedrank.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Faults with real processes: the packaged app in local mode (embedded PostgreSQL and S3 under ./.feedrank) is
 * killed with SIGKILL, or stopped with SIGTERM, in the middle of training; a new process resumes the run.
 */
class ProcessFaultIT {

    static final Path ROOT = Path.of("target", "fault-it").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();

    /** Small synthetic data, long enough training to be caught in the middle, fast heartbeats. */
    static final String[] SETTINGS = {"--set", "synthetic.users=400", "--set", "synthetic.items=200",
            "--set", "synthetic.impressions=60000", "--set", "train.batch-size=512", "--set", "train.epochs=8",
            "--set", "train.early-stopping-patience=8", "--set", "train.log-every-batches=1",
            "--set", "runs.heartbeat-seconds=1", "--set", "runs.stale-after-seconds=3",
            // the document's BCE technique: 17 rows per positive make its epochs long enough to be caught in the middle
            "--set", "train.loss=bce", "--set", "train.cold-start-rate=0.5", "--set", "train.refit=false"};

    static Path fresh(String name) throws IOException {
        Path dir = ROOT.resolve(name);
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    static String[] args(String... first) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(SETTINGS));
        return all.toArray(String[]::new);
    }

    static JsonNode json(AppProcess p) throws IOException {
        return JSON.readTree(p.stdoutText());
    }

    static List<String> stages(JsonNode run) {
        List<String> out = new ArrayList<>();
        run.get("stages").forEach(s -> out.add(s.get("name").asText() + ":" + s.get("attempt").asInt() + ":" + s.get("status").asText()));
        return out;
    }

    /** PostgreSQL server processes whose data folder is under the given folder (left behind or running). */
    static List<ProcessHandle> postgresUnder(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains("postgres") && c.contains(dir.toString())).orElse(false))
                .toList();
    }

    @Test
    void killDashNineDuringTrainingThenResumeFinishesTheRunLikeACleanOne() throws Exception {
        Path dir = fresh("kill");
        long killedAt;
        try (AppProcess app = AppProcess.start(dir, Map.of(), args("run", "--local", "--json"))) {
            app.awaitLog("epoch 3/8", Duration.ofMinutes(8));
            app.process.destroyForcibly(); // SIGKILL: no shutdown hook, no checkpoint of its own
            app.awaitExit(Duration.ofSeconds(30));
            killedAt = System.nanoTime();
        }
        assertFalse(postgresUnder(dir).isEmpty(), "the killed process left its embedded PostgreSQL running (the case to handle)");

        try (AppProcess models = AppProcess.start(dir, Map.of(), "models", "--local", "--json")) {
            assertEquals(0, models.awaitExit(Duration.ofMinutes(3)), models::stderrText);
            assertEquals(0, json(models).size(), "nothing was exported or promoted by the killed run");
            assertTrue(models.stderrText().contains("left behind by a killed process is still running"),
                    "the next process detected the leftover PostgreSQL and restarted it cleanly");
        }

        try (AppProcess resume = AppProcess.start(dir, Map.of(), "resume", "1", "--local", "--json")) {
            int exit = resume.awaitExit(Duration.ofMinutes(10));
            String log = resume.stderrText();
            assertEquals(0, exit, () -> AppProcess.tail(log));
            JsonNode run = json(resume);
            System.out.printf("kill -9 recovery: resume took %.1f s after the kill%n", (System.nanoTime() - killedAt) / 1e9);
            assertEquals("SUCCEEDED", run.get("status").asText(), run.toString());
            assertEquals(1, run.get("resumeCount").asInt());
            assertEquals(List.of("prepare-data:1:SUCCEEDED", "validate-data:1:SUCCEEDED", "train:1:FAILED", "train:2:SUCCEEDED",
                    "evaluate:1:SUCCEEDED", "gate:1:SUCCEEDED", "export:1:SUCCEEDED", "publish:1:SUCCEEDED"), stages(run));
            assertEquals("interrupted", run.get("stages").get(2).get("error").asText());
            assertTrue(log.contains("resuming at epoch"), "training continued from its checkpoint:\n" + AppProcess.tail(log));
            assertTrue(run.get("model").get("promoted").asBoolean());

            // the same settings, never interrupted
            Path cleanDir = fresh("kill-clean");
            try (AppProcess clean = AppProcess.start(cleanDir, Map.of(), args("run", "--local", "--json"))) {
                assertEquals(0, clean.awaitExit(Duration.ofMinutes(10)), clean::stderrText);
                double resumedAuc = run.get("metrics").get("auc").asDouble();
                double cleanAuc = json(clean).get("metrics").get("auc").asDouble();
                System.out.printf("kill -9 recovery: test AUC resumed %.4f, clean %.4f%n", resumedAuc, cleanAuc);
                assertEquals(cleanAuc, resumedAuc, 0.02, "a resumed run learns like a clean one");
            }
        }
    }

    @Test
    void sigtermDuringTrainingCheckpointsStopsWithinTheGracePeriodAndTheRunResumes() throws Exception {
        Path dir = fresh("sigterm");
        try (AppProcess app = AppProcess.start(dir, Map.of(), args("run", "--local", "--json"))) {
            app.awaitLog("epoch 3/8", Duration.ofMinutes(8));
            long t0 = System.nanoTime();
            app.process.destroy(); // SIGTERM, as a pod eviction
            app.awaitExit(Duration.ofSeconds(30));
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("SIGTERM: exited %.1f s after the signal%n", seconds);
            assertTrue(seconds < 25, "exited within the grace period: " + seconds + " s");
            String log = app.stderrText();
            assertTrue(log.contains("asking it to checkpoint and stop"), AppProcess.tail(log));
            assertTrue(log.contains("run 1: stopped (interrupted) in stage train"), AppProcess.tail(log));
        }
        assertTrue(postgresUnder(dir).isEmpty(), "a graceful stop also stops the embedded PostgreSQL");
        try (AppProcess resume = AppProcess.start(dir, Map.of(), "resume", "1", "--local", "--json")) {
            assertEquals(0, resume.awaitExit(Duration.ofMinutes(10)), resume::stderrText);
            JsonNode run = json(resume);
            assertEquals("SUCCEEDED", run.get("status").asText(), run.toString());
            assertEquals("train:1:FAILED", stages(run).get(2));
            assertEquals("interrupted", run.get("stages").get(2).get("error").asText());
            assertTrue(resume.stderrText().contains("resuming at epoch"), "training continued from the checkpoint written at SIGTERM");
        }
    }
}
