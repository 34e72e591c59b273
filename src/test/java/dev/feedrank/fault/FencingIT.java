package dev.feedrank.fault;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One execution per run, fenced. Process A trains run 1 and is paused (SIGSTOP) past its lease; process B resumes the
 * run (a newer lease acquisition, a higher fencing token); A is continued (SIGCONT): its renew is refused, its next
 * write (the checkpoint a stopping training writes) is refused by the fence, and it stops without recording anything
 * on the run. B finishes the run: exactly one succeeded attempt per stage, one model version, one alias move.
 */
class FencingIT {

    static SharedServices services;

    @BeforeAll
    static void services() throws Exception {
        services = SharedServices.start("fencing");
    }

    @AfterAll
    static void stop() throws Exception {
        if (services != null) services.close();
    }

    static Map<String, String> env() throws Exception {
        Map<String, String> env = new HashMap<>(services.env());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(ReplicasIT.freePort()));
        return env;
    }

    static String scalar(String sql) throws Exception {
        try (Connection c = services.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getString(1) : null;
        }
    }

    /** Waits until the query's first value is "t" (a boolean condition on the database). */
    static void awaitDb(String condition, Duration timeout, AppProcess log) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!"t".equals(scalar(condition))) {
            if (System.nanoTime() > deadline) fail("not true after " + timeout + ": " + condition + "\n" + AppProcess.tail(log.logText()));
            Thread.sleep(200);
        }
    }

    static void signal(Process p, String sig) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor());
    }

    @Test
    void aStalledOwnerContinuedAfterAResumeStopsWithoutWritingAndOneExecutionSucceeds() throws Exception {
        Path root = ProcessFaultIT.fresh("fencing");
        String[] settings = {"run", "--json", "--set", "synthetic.users=400", "--set", "synthetic.items=200",
                "--set", "synthetic.impressions=60000", "--set", "train.batch-size=512", "--set", "train.epochs=3",
                "--set", "train.early-stopping-patience=3", "--set", "train.log-every-batches=1",
                "--set", "runs.heartbeat-seconds=1", "--set", "runs.stale-after-seconds=3",
                "--set", "train.loss=bce", "--set", "train.cold-start-rate=0.5", "--set", "train.refit=false"};
        try (AppProcess a = AppProcess.start(root.resolve("a"), env(), settings)) {
            a.awaitLog("epoch 2/3", Duration.ofMinutes(8)); // epoch 1 ended: its checkpoint is in S3
            signal(a.process, "STOP");
            // past the lease: nobody renews it
            awaitDb("select expires_at < now() from pipeline_lease where run_id = 1", Duration.ofSeconds(30), a);

            try (AppProcess b = AppProcess.start(root.resolve("b"), env(), "resume", "1", "--json")) {
                // B took the lease (token 2) and trains
                awaitDb("select exists (select 1 from pipeline_lease l join stage_execution s on s.run_id = l.run_id "
                        + "where l.run_id = 1 and l.fencing_token = 2 and s.stage = 'train' and s.fencing_token = 2)",
                        Duration.ofMinutes(3), b);
                signal(a.process, "CONT");
                a.awaitExit(Duration.ofMinutes(3));
                String aLog = a.logText();
                assertTrue(aLog.contains("lost the lease") || aLog.contains("write refused"), AppProcess.tail(aLog));
                assertTrue(aLog.contains("write refused"), "A's stopping checkpoint was refused by the fence:\n" + AppProcess.tail(aLog));
                assertTrue(aLog.contains("stopped without recording its end"), AppProcess.tail(aLog));

                assertEquals(0, b.awaitExit(Duration.ofMinutes(10)), () -> AppProcess.tail(b.stderrText()));
                JsonNode run = ProcessFaultIT.JSON.readTree(b.stdoutText());
                assertEquals("SUCCEEDED", run.get("status").asText(), run.toString());
                assertEquals(1, run.get("resumeCount").asInt());
            }
        }

        List<String> attempts = new ArrayList<>();
        Map<String, Integer> succeeded = new HashMap<>();
        try (Connection c = services.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select stage, attempt, status, fencing_token, error from stage_execution "
                     + "where run_id = 1 order by id")) {
            while (r.next()) {
                String row = r.getString(1) + ":" + r.getInt(2) + ":" + r.getString(3) + ":token" + r.getLong(4);
                attempts.add(row);
                if ("SUCCEEDED".equals(r.getString(3))) succeeded.merge(r.getString(1), 1, Integer::sum);
                if ("train".equals(r.getString(1)) && r.getInt(2) == 1) {
                    assertEquals("FAILED", r.getString(3));
                    String error = r.getString(5);
                    assertTrue(error.startsWith("fenced") || error.startsWith("interrupted"), error);
                }
            }
        }
        System.out.println("fencing: stage attempts " + attempts);
        assertEquals(Map.of("prepare-data", 1, "validate-data", 1, "train", 1, "evaluate", 1, "gate", 1, "export", 1, "publish", 1), succeeded,
                "exactly one succeeded attempt per stage: " + attempts);
        assertEquals(List.of("prepare-data:1:SUCCEEDED:token1", "validate-data:1:SUCCEEDED:token1", "train:1:FAILED:token1",
                "train:2:SUCCEEDED:token2", "evaluate:1:SUCCEEDED:token2", "gate:1:SUCCEEDED:token2", "export:1:SUCCEEDED:token2",
                "publish:1:SUCCEEDED:token2"),
                attempts, "A recorded nothing after B's acquisition");
        assertEquals("SUCCEEDED", scalar("select status from pipeline_run where id = 1"));
        assertEquals("1", scalar("select count(*) from model_version"));
        assertEquals("PROMOTED".equals(scalar("select outcome from pipeline_run where id = 1")) ? "1" : "0",
                scalar("select count(*) from alias_history"), "at most one alias move");
        assertEquals("1", scalar("select count(*) from run_metric where run_id = 1 and name = 'best_epoch'"));
    }
}
