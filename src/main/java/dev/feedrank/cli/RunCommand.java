package dev.feedrank.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.orchestration.RunLauncher;
import dev.feedrank.orchestration.RunSummary;
import dev.feedrank.orchestration.Trigger;
import dev.feedrank.reporting.RunReportService;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** One pipeline run, then exit: 0 when the run completed (promoted or rejected), 1 when it failed. */
@Dependent
@Unremovable
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the pipeline once and exit.")
public class RunCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Option(names = "--json", description = "print exactly one JSON object on stdout instead of the summary")
    boolean json;

    private final RunLauncher launcher;
    private final RunReportService reports;
    private final ObjectMapper mapper;

    public RunCommand(RunLauncher launcher, RunReportService reports, ObjectMapper mapper) {
        this.launcher = launcher;
        this.reports = reports;
        this.mapper = mapper;
    }

    @Override
    public Integer call() throws Exception {
        RunSummary summary;
        try {
            summary = launcher.runNow(Trigger.CLI, options.dataset, options.sets);
        } catch (IllegalArgumentException e) {
            System.err.println("feedrank run: " + e.getMessage());
            return 2;
        }
        return RunReportFormat.print(reports.report(summary.runId()).orElseThrow(), json, mapper);
    }
}
