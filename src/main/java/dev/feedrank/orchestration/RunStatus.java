package dev.feedrank.orchestration;

public enum RunStatus { QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED }
