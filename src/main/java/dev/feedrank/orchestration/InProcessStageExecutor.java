package dev.feedrank.orchestration;

import jakarta.enterprise.context.ApplicationScoped;

/** The default: the stage runs in this JVM, sharing in-memory results with the stages after it. */
@ApplicationScoped
public class InProcessStageExecutor implements StageExecutor {

    @Override
    public String name() {
        return IN_PROCESS;
    }

    @Override
    public boolean remote() {
        return false;
    }

    @Override
    public void execute(Stage stage, StageAttempt attempt, StageContext ctx, RunControl control) throws Exception {
        stage.execute(ctx);
    }
}
