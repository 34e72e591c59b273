package dev.feedrank.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.orchestration.RunLauncher;
import dev.feedrank.orchestration.RunStateException;
import dev.feedrank.orchestration.RunSummary;
import dev.feedrank.reporting.RunReportService;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** Continues a failed, cancelled or interrupted run from its first unfinished stage; exit codes as {@code run}. */
@Dependent
@Unremovable
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Resume a FAILED, CANCELLED or interrupted run from its first unfinished stage and wait for it.")
public class ResumeCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Parameters(index = "0", paramLabel = "RUN_ID")
    long runId;

    @Option(names = "--json", description = "print exactly one JSON object on stdout instead of the summary")
    boolean json;

    private final RunLauncher launcher;
    private final RunReportService reports;
    private final ObjectMapper mapper;

    public ResumeCommand(RunLauncher launcher, RunReportService reports, ObjectMapper mapper) {
        this.launcher = launcher;
        this.reports = reports;
        this.mapper = mapper;
    }

    @Override
    public Integer call() throws Exception {
        RunSummary summary;
        try {
            summary = launcher.resume(runId, true);
        } catch (RunStateException e) {
            System.err.println("feedrank resume: " + e.getMessage());
            return 2;
        }
        return RunReportFormat.print(reports.report(summary.runId()).orElseThrow(), json, mapper);
    }
}
