package dev.feedrank.orchestration;

/**
 * One step of the pipeline. The runner knows stages only through this interface: it executes them in
 * {@link #order()} and records every transition. A stage reads what earlier stages produced through the
 * {@link StageContext} (in-memory handoff or artifact keys in object storage) and reports outputs and metrics.
 */
public interface Stage {

    /** Stable name, recorded in stage executions (e.g. {@code prepare-data}). */
    String name();

    /** Position in the pipeline; lower runs first. */
    int order();

    void execute(StageContext context) throws Exception;
}
