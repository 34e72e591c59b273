package dev.feedrank.orchestration;

import java.time.Instant;

/** A CDI event fired on every tick of the schedule (before the tick is claimed), e.g. to keep serving's TTLs fresh. */
public record ScheduleTick(String pipeline, Instant at) {
}
