package dev.feedrank.fault;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code stages.executor=process} with real processes: the packaged app runs every stage attempt as a child JVM
 * ({@code feedrank stage RUN_ID STAGE ATTEMPT}). A child killed in the middle of training fails its attempt
 * (interrupted, transient) and the retry resumes from the checkpoint; a cancel reaches the child as SIGTERM, which
 * checkpoints and stops.
 */
class ProcessExecutorIT {

    static final Pattern TRAIN_CHILD = Pattern.compile("stage train attempt 1 runs in process (\\d+)");

    static String[] args(String... first) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(ProcessFaultIT.SETTINGS));
        all.addAll(List.of("--set", "stages.executor=process", "--set", "stages.backoff-initial-ms=200",
                "--set", "stages.backoff-max-ms=400",
                // the train split in shards of 4,000 positives and a window smaller than an epoch: the train worker
                // streams it from S3, and the killed worker's retry resumes mid-stream
                "--set", "data.train-shard-rows=4000", "--set", "train.shuffle-window=50000"));
        return all.toArray(String[]::new);
    }

    static long trainChild(AppProcess app) throws Exception {
        app.awaitLog("stage train attempt 1 runs in process", Duration.ofMinutes(5));
        Matcher m = TRAIN_CHILD.matcher(app.logText());
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    @Test
    void eachStageRunsInItsOwnJvmAndAKilledTrainWorkerIsRetriedFromItsCheckpoint() throws Exception {
        Path dir = ProcessFaultIT.fresh("process-executor");
        try (AppProcess app = AppProcess.start(dir, Map.of(), args("run", "--local", "--json"))) {
            long child = trainChild(app);
            assertNotEquals(app.process.pid(), child);
            app.awaitLog("epoch 3/8", Duration.ofMinutes(8));
            ProcessHandle worker = ProcessHandle.of(child).orElseThrow(() -> new AssertionError("train worker " + child + " is not running"));
            worker.destroyForcibly(); // SIGKILL: the worker writes no result
            int exit = app.awaitExit(Duration.ofMinutes(10));
            String log = app.stderrText();
            assertEquals(0, exit, () -> AppProcess.tail(log));
            JsonNode run = ProcessFaultIT.json(app);
            assertEquals("SUCCEEDED", run.get("status").asText(), run.toString());
            assertTrue(run.get("model").get("promoted").asBoolean(), run.toString());
            assertEquals(List.of("prepare-data:1:SUCCEEDED", "validate-data:1:SUCCEEDED", "train:1:FAILED", "train:2:SUCCEEDED",
                    "evaluate:1:SUCCEEDED", "gate:1:SUCCEEDED", "export:1:SUCCEEDED", "publish:1:SUCCEEDED"), ProcessFaultIT.stages(run));
            JsonNode killed = run.get("stages").get(2);
            assertTrue(killed.get("error").asText().startsWith("interrupted: the stage process " + child + " exited with code"),
                    killed.toString());
            assertTrue(killed.get("error").asText().contains("(transient; attempt 1 of 3"), killed.toString());
            assertTrue(log.contains("resuming at epoch"), "the retry continued from the checkpoint:\n" + AppProcess.tail(log));
            assertTrue(log.contains("train split: streamed from "), "the train worker streamed the shards:\n" + AppProcess.tail(log));
            Set<Long> pids = new HashSet<>();
            for (JsonNode s : run.get("stages")) {
                assertEquals("process", s.get("executor").asText(), s.toString());
                assertTrue(s.get("workerPid").isNumber(), s.toString());
                pids.add(s.get("workerPid").asLong());
                assertTrue(s.get("worker").asText().endsWith(":" + s.get("workerPid").asLong()), s.toString());
                // a worker measures itself (its CPU, not the waiting orchestrator's); the killed one could not
                if (s.get("status").asText().equals("SUCCEEDED")) assertTrue(s.get("cpuMs").isNumber(), s.toString());
                else assertTrue(s.get("cpuMs").isNull(), s.toString());
            }
            assertEquals(run.get("stages").size(), pids.size(), "every attempt in its own JVM: " + pids);
            assertFalse(pids.contains(app.process.pid()), "no stage ran in the orchestrator");
            assertEquals(child, killed.get("workerPid").asLong());
            assertTrue(run.get("stages").get(3).get("samplesPerSecond").asDouble() > 0, "the train worker's throughput reached the attempt");
        }
    }

    @Test
    void aCancelReachesTheWorkerWhichCheckpointsAndStops() throws Exception {
        Path dir = ProcessFaultIT.fresh("process-cancel");
        try (SharedServices services = SharedServices.start("proccancel");
             AppProcess app = AppProcess.start(dir, services.env(), args("run", "--json"))) {
            long child = trainChild(app);
            app.awaitLog("epoch 2/8", Duration.ofMinutes(8));
            try (AppProcess cancel = AppProcess.start(dir, services.env(), "cancel", "1", "--actor", "test")) {
                assertEquals(0, cancel.awaitExit(Duration.ofMinutes(3)), cancel::stderrText);
            }
            int exit = app.awaitExit(Duration.ofMinutes(3));
            String log = app.stderrText();
            assertEquals(1, exit, () -> AppProcess.tail(log));
            JsonNode run = ProcessFaultIT.json(app);
            assertEquals("CANCELLED", run.get("status").asText(), run.toString());
            JsonNode train = run.get("stages").get(2);
            assertEquals("train:1:CANCELLED", ProcessFaultIT.stages(run).get(2));
            assertEquals("cancelled by test", train.get("error").asText());
            assertEquals(child, train.get("workerPid").asLong());
            assertTrue(ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true), "the worker exited");
            // the worker stops on the run's recorded request, whether it saw it itself or got the orchestrator's SIGTERM
            try (Connection c = services.connect(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("select result, outputs from stage_execution where stage = 'train'")) {
                assertTrue(r.next());
                JsonNode result = ProcessFaultIT.JSON.readTree(r.getString(1));
                assertEquals("STOPPED", result.get("status").asText(), result.toString());
                assertEquals("cancel", result.get("stopReason").asText(), result.toString());
                // the worker checkpointed at the stop: its training state is an output of the cancelled attempt
                assertTrue(ProcessFaultIT.JSON.readTree(r.getString(2)).has("last-checkpoint"), r.getString(2));
            }
        }
    }
}
