package dev.feedrank.cli;

import dev.feedrank.orchestration.StageWorker;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code feedrank stage RUN_ID STAGE ATTEMPT}: executes one attempt of a stage that an orchestrator started (the
 * {@code process} and {@code kubernetes} executors), then exits: 0 succeeded, 1 failed, 3 stopped, 2 refused.
 */
@Dependent
@Unremovable
@Command(name = "stage", mixinStandardHelpOptions = true,
        description = "Execute one stage attempt of a run (started by the process or kubernetes executor) and exit.")
public class StageCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "the run")
    long runId;

    @Parameters(index = "1", paramLabel = "STAGE", description = "the stage, e.g. train")
    String stage;

    @Parameters(index = "2", paramLabel = "ATTEMPT", description = "the attempt number the orchestrator recorded")
    int attempt;

    private final StageWorker worker;

    public StageCommand(StageWorker worker) {
        this.worker = worker;
    }

    @Override
    public Integer call() {
        return worker.run(runId, stage, attempt);
    }
}
