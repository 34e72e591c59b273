package dev.feedrank.cli;

import dev.feedrank.reporting.RunReport;
import dev.feedrank.reporting.RunReport.ValidationCheckView;
import dev.feedrank.reporting.RunReport.ValidationView;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The CLI summary of a run shows its failed and warning data-validation checks with their values, and the test
 * metrics of the candidate (with its interval), the champion and every baseline side by side.
 */
class RunReportFormatTest {

    @Test
    void failedAndWarningValidationChecksArePrintedWithTheirValues() {
        ValidationView validation = new ValidationView(false, 4L, 1, 1, List.of(
                new ValidationCheckView("schema", "users", "error", true, 0.0, "0 problems", null, null, "ok"),
                new ValidationCheckView("row-count-change", null, "error", false, 90000.0,
                        "within ±50.0% of the previous count", 30000.0, 4L, "interactions.csv: interactions +200.0% against run 4"),
                new ValidationCheckView("label-rate", "test", "warning", false, 0.0042, "within [0.01, 0.95]", null, null,
                        "12 positives (click = 1) of 2857 examples")));
        RunReport r = new RunReport(9, "cli", "FAILED", "synthetic", null, "validate-data: data validation failed: …",
                Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, List.of(
                        new RunReport.StageView("prepare-data", 1, "SUCCEEDED", Instant.EPOCH, Instant.EPOCH, 1200L, null, Map.of(), null,
                                null, null, null, null, null, null, null),
                        new RunReport.StageView("validate-data", 1, "FAILED", Instant.EPOCH, Instant.EPOCH, 30L, "data validation failed", Map.of(), null,
                                null, null, null, null, null, null, null)),
                Map.of(), Map.of(), null, Map.of(), null, null, Map.of(), null, 0, null, validation,
                Map.of(), List.of(), Map.of(), null, "global-time", null, Map.of());
        String text = RunReportFormat.text(r);
        assertTrue(text.contains("data validation: FAILED (3 checks, 1 failed, 1 warnings, compared with run 4)"), text);
        assertTrue(text.matches("(?s).*\n  FAIL +row-count-change +observed 90000, expected within ±50.0% of the previous count, "
                + "previous 30000 \\(run 4\\)\n +interactions.csv: interactions \\+200.0% against run 4\n.*"), text);
        assertTrue(text.matches("(?s).*\n  WARN +label-rate\\[test] +observed 0.0042, expected within \\[0.01, 0.95].*"), text);
        assertFalse(text.contains("schema[users]"), "passed checks are not listed: " + text);
        assertFalse(text.contains("\ncost\n"), "no cost table for attempts without a measured cost: " + text);
        Map<String, Object> json = RunReportFormat.cliJson(r);
        assertEquals(false, ((Map<?, ?>) json.get("validation")).get("passed"));
    }

    static RunReport evaluated(Map<String, Map<String, Double>> baselines, List<String> skipped, String championVersion,
                               Map<String, Double> champion) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("auc", 0.8123);
        metrics.put("ndcg@10", 0.1234);
        metrics.put("recall@10", 0.2101);
        metrics.put("ranked_users", 1834.0);
        if (championVersion != null) metrics.put("churn@10", 0.412);
        Map<String, Map<String, List<Double>>> intervals = new LinkedHashMap<>();
        intervals.put("model", Map.of("ndcg@10", List.of(0.1101, 0.1372), "recall@10", List.of(0.1950, 0.2270)));
        if (championVersion != null) intervals.put("champion", Map.of("ndcg@10", List.of(0.105, 0.131)));
        intervals.put("popularity", Map.of("ndcg@10", List.of(0.045, 0.061)));
        return new RunReport(12, "cli", "SUCCEEDED", "synthetic", "PROMOTED", null, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH,
                List.of(new RunReport.StageView("evaluate", 1, "SUCCEEDED", Instant.EPOCH, Instant.EPOCH, 4000L, null, Map.of(), null,
                        null, null, null, null, null, null, null)),
                metrics, baselines.getOrDefault("popularity", Map.of()), championVersion, champion, null, null,
                Map.of("split.strategy", "per-user-time"), false, 0, null, null,
                baselines, skipped, intervals, 1834, "per-user-time", null, fits(baselines));
    }

    /** What evaluate fitted for the strong baselines of {@code baselines}: PureSVD over all items, EASE^R on a head. */
    static Map<String, Map<String, Double>> fits(Map<String, Map<String, Double>> baselines) {
        Map<String, Map<String, Double>> fits = new LinkedHashMap<>();
        if (baselines.containsKey("puresvd")) {
            fits.put("puresvd", Map.of("rank", 16.0, "fit_items", 1000.0, "catalogue_items", 1000.0, "fit_seconds", 0.42));
        }
        if (baselines.containsKey("ease")) {
            fits.put("ease", Map.of("lambda", 3000.0, "fit_items", 5792.0, "catalogue_items", 100000.0, "fit_seconds", 47.5));
        }
        return fits;
    }

    static final Map<String, Map<String, Double>> ALL_BASELINES = baselines(true);

    static Map<String, Map<String, Double>> baselines(boolean withEase) {
        Map<String, Map<String, Double>> b = new LinkedHashMap<>();
        b.put("popularity", Map.of("ndcg@10", 0.0532, "recall@10", 0.0911));
        b.put("puresvd", Map.of("ndcg@10", 0.0987, "recall@10", 0.1702));
        if (withEase) b.put("ease", Map.of("ndcg@10", 0.1111, "recall@10", 0.1888));
        return b;
    }

    @Test
    void jsonCarriesEveryBaselineTheIntervalsTheRankedUsersAndTheSplit() {
        RunReport r = evaluated(ALL_BASELINES, List.of(), "v3", Map.of("ndcg@10", 0.1180));
        Map<String, Object> json = RunReportFormat.cliJson(r);
        assertEquals(Map.of("ndcg@10", 0.0532, "recall@10", 0.0911), json.get("baseline"), "baseline stays popularity's");
        Map<?, ?> baselines = (Map<?, ?>) json.get("baselines");
        assertEquals(List.of("popularity", "puresvd", "ease"), List.copyOf(baselines.keySet()));
        assertEquals(0.0987, ((Map<?, ?>) baselines.get("puresvd")).get("ndcg@10"));
        assertEquals(0.1111, ((Map<?, ?>) baselines.get("ease")).get("ndcg@10"));
        assertEquals(List.of(), json.get("skippedBaselines"));
        Map<?, ?> fits = (Map<?, ?>) json.get("baselineFits");
        assertEquals(List.of("puresvd", "ease"), List.copyOf(fits.keySet()));
        assertEquals(5792.0, ((Map<?, ?>) fits.get("ease")).get("fit_items"));
        assertEquals(16.0, ((Map<?, ?>) fits.get("puresvd")).get("rank"));
        Map<?, ?> intervals = (Map<?, ?>) json.get("intervals");
        assertEquals(List.of(0.1101, 0.1372), ((Map<?, ?>) intervals.get("model")).get("ndcg@10"));
        assertEquals(List.of(0.105, 0.131), ((Map<?, ?>) intervals.get("champion")).get("ndcg@10"));
        assertEquals(List.of(0.045, 0.061), ((Map<?, ?>) intervals.get("popularity")).get("ndcg@10"));
        assertEquals(1834, json.get("rankedUsers"));
        assertEquals("per-user-time", json.get("splitStrategy"));
    }

    @Test
    void textShowsCandidateWithItsIntervalChampionAndEveryBaselineSideBySide() {
        String text = RunReportFormat.text(evaluated(ALL_BASELINES, List.of(), "v3", Map.of("ndcg@10", 0.1180)));
        assertTrue(text.matches("(?s).*\nmetrics \\(test split\\) +candidate \\[95% interval] +champion +popularity +puresvd +ease\n.*"), text);
        assertTrue(text.matches("(?s).*\n  ndcg@10 +0\\.1234 \\[0\\.110,0\\.137] +0\\.1180 +0\\.0532 +0\\.0987 +0\\.1111\n.*"), text);
        assertTrue(text.matches("(?s).*\n  recall@10 +0\\.2101 \\[0\\.195,0\\.227] +0\\.0911 +0\\.1702 +0\\.1888\n.*"), text);
        assertTrue(text.matches("(?s).*\n  auc +0\\.8123\n.*"), "no interval, no champion or baseline value: " + text);
        assertTrue(text.contains("\n  split per-user-time, 1834 users ranked; champion v3\n"), text);
        assertTrue(text.contains("\n  churn@10 0.4120 "), text);
        assertTrue(text.contains("\n  fitted puresvd: rank 16 over all 1,000 items, fitted in 0.4 s\n"), text);
        assertTrue(text.contains("\n  fitted ease: lambda 3000 on the 5,792 most popular of 100,000 items, fitted in 47.5 s\n"), text);
        assertFalse(text.contains("ranked_users"), "ranked users is a line, not a table row: " + text);
        assertFalse(text.matches("(?s).*\n  churn@10 +0\\.4120 +\\[.*"), text);
        // the columns line up, and the table stays within ~120 columns
        for (String line : text.split("\n")) assertTrue(line.length() <= 120, "too wide: " + line);
        String header = text.lines().filter(l -> l.startsWith("metrics (test split)")).findFirst().orElseThrow();
        String ndcg = text.lines().filter(l -> l.startsWith("  ndcg@10")).findFirst().orElseThrow();
        assertEquals(header.indexOf("champion") + "champion".length(), ndcg.indexOf("0.1180") + "0.1180".length());
        assertEquals(header.indexOf("puresvd") + "puresvd".length(), ndcg.indexOf("0.0987") + "0.0987".length());
        assertEquals(header.length(), ndcg.length());
    }

    @Test
    void costPerAttemptAndForTheRunInTextAndJson() {
        long mb = 1024 * 1024;
        List<RunReport.StageView> stages = List.of(
                new RunReport.StageView("prepare-data", 1, "SUCCEEDED", Instant.EPOCH, Instant.EPOCH, 1200L, null, Map.of(), null,
                        2300L, 512 * mb, 200 * mb, null, null, null, null),
                new RunReport.StageView("train", 1, "FAILED", Instant.EPOCH, Instant.EPOCH, 3000L, "S3 down", Map.of(), null,
                        5000L, 900 * mb, 300 * mb, 1000.0, null, null, null),
                new RunReport.StageView("train", 2, "SUCCEEDED", Instant.EPOCH, Instant.EPOCH, 10_000L, null, Map.of(), null,
                        18_000L, 1024 * mb, 400 * mb, 12345.6, null, null, null),
                new RunReport.StageView("evaluate", 1, "SUCCEEDED", Instant.EPOCH, Instant.EPOCH, 4000L, null, Map.of(), null,
                        null, null, null, null, null, null, null));
        RunReport.RunCost cost = RunReport.RunCost.of(stages);
        assertEquals(new RunReport.RunCost(18_200L, 25_300L, 1024 * mb, 12345.6), cost,
                "wall and CPU summed over attempts, RSS the maximum, samples/s of the latest successful train attempt");
        RunReport base = evaluated(ALL_BASELINES, List.of(), null, Map.of());
        RunReport r = new RunReport(base.runId(), base.trigger(), base.status(), base.dataset(), base.outcome(), base.error(),
                base.createdAt(), base.startedAt(), base.finishedAt(), stages, base.metrics(), base.baseline(),
                base.championVersion(), base.champion(), base.gate(), base.model(), base.config(), base.cacheHit(),
                base.resumeCount(), base.stopRequested(), base.validation(), base.baselines(), base.skippedBaselines(),
                base.intervals(), base.rankedUsers(), base.splitStrategy(), cost, base.baselineFits());
        String text = RunReportFormat.text(r);
        assertTrue(text.matches("(?s).*\ncost\n +stage +attempt +wall s +CPU s +peak RSS MB +peak heap MB +samples/s\n.*"), text);
        assertTrue(text.matches("(?s).*\n  prepare-data +1 +1\\.2 +2\\.3 +512 +200 +-\n.*"), text);
        assertTrue(text.matches("(?s).*\n  train +2 +10\\.0 +18\\.0 +1024 +400 +12346\n.*"), text);
        assertTrue(text.matches("(?s).*\n  evaluate +1 +4\\.0 +- +- +- +-\n.*"), text);
        assertTrue(text.matches("(?s).*\n  run +18\\.2 +25\\.3 +1024 +12346\n.*"), text);
        Map<String, Object> json = RunReportFormat.cliJson(r);
        List<?> jsonStages = (List<?>) json.get("stages");
        Map<?, ?> train = (Map<?, ?>) jsonStages.get(2);
        assertEquals(18_000L, train.get("cpuMs"));
        assertEquals(1024 * mb, train.get("peakRssBytes"));
        assertEquals(400 * mb, train.get("peakHeapBytes"));
        assertEquals(12345.6, train.get("samplesPerSecond"));
        assertNull(((Map<?, ?>) jsonStages.get(0)).get("samplesPerSecond"));
        Map<?, ?> runCost = (Map<?, ?>) json.get("cost");
        assertEquals(List.of("wallMs", "cpuMs", "peakRssBytes", "trainSamplesPerSecond"), List.copyOf(runCost.keySet()));
        assertEquals(18_200L, runCost.get("wallMs"));
        assertEquals(12345.6, runCost.get("trainSamplesPerSecond"));
    }

    @Test
    void aSkippedBaselineHasNoColumnButIsNamedAndNoChampionIsSaid() {
        RunReport r = evaluated(baselines(false), List.of("ease"), null, Map.of());
        String text = RunReportFormat.text(r);
        assertTrue(text.matches("(?s).*\nmetrics \\(test split\\) +candidate \\[95% interval] +champion +popularity +puresvd\n.*"), text);
        assertTrue(text.contains("\n  baselines skipped: ease"), text);
        assertTrue(text.contains("\n  fitted puresvd: rank 16"), text);
        assertFalse(text.contains("fitted ease"), "a skipped baseline fitted nothing: " + text);
        assertTrue(text.contains("\n  split per-user-time, 1834 users ranked; no champion\n"), text);
        assertFalse(text.contains("churn@10"), text);
        Map<String, Object> json = RunReportFormat.cliJson(r);
        assertEquals(List.of("ease"), json.get("skippedBaselines"));
        assertFalse(((Map<?, ?>) json.get("baselines")).containsKey("ease"));
    }
}
