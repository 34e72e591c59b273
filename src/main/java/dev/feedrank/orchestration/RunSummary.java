package dev.feedrank.orchestration;

/** What the launcher tells its caller about a trigger. */
public record RunSummary(long runId, RunStatus status, String outcome, String modelVersion, String error) {
}
