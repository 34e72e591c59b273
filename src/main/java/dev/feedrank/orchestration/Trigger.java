package dev.feedrank.orchestration;

/** What started a run. */
public enum Trigger {
    SCHEDULE, API, CLI;

    public String dbValue() {
        return name().toLowerCase();
    }
}
