package dev.feedrank.cli;

import dev.feedrank.reporting.RunReport;
import dev.feedrank.reporting.RunReport.ValidationCheckView;
import dev.feedrank.reporting.RunReport.ValidationView;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The CLI summary of a run shows its failed and warning data-validation checks with their values. */
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
                        new RunReport.StageView("prepare-data", 1, "SUCCEEDED", Instant.EPOCH, Instant.EPOCH, 1200L, null, Map.of(), null),
                        new RunReport.StageView("validate-data", 1, "FAILED", Instant.EPOCH, Instant.EPOCH, 30L, "data validation failed", Map.of(), null)),
                Map.of(), Map.of(), null, Map.of(), null, null, Map.of(), null, 0, null, validation);
        String text = RunReportFormat.text(r);
        assertTrue(text.contains("data validation: FAILED (3 checks, 1 failed, 1 warnings, compared with run 4)"), text);
        assertTrue(text.matches("(?s).*\n  FAIL +row-count-change +observed 90000, expected within ±50.0% of the previous count, "
                + "previous 30000 \\(run 4\\)\n +interactions.csv: interactions \\+200.0% against run 4\n.*"), text);
        assertTrue(text.matches("(?s).*\n  WARN +label-rate\\[test] +observed 0.0042, expected within \\[0.01, 0.95].*"), text);
        assertFalse(text.contains("schema[users]"), "passed checks are not listed: " + text);
        Map<String, Object> json = RunReportFormat.cliJson(r);
        assertEquals(false, ((Map<?, ?>) json.get("validation")).get("passed"));
    }
}
