package dev.feedrank.serving;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** Start-up says when the serving TTL could run out between two scheduled retrains (TTL < 2 × the longest gap). */
class TtlWarningTest {

    @Test
    void aTtlShorterThanTwiceTheScheduleIntervalIsWarnedAbout() {
        String daily = "0 0 3 * * ?";
        String w = EmbeddingPublisher.ttlWarning(Duration.ofHours(24), daily).orElseThrow(
                () -> new AssertionError("24 h TTL with a daily schedule: a warning"));
        assertTrue(w.contains("PT24H") && w.contains("cron " + daily) && w.contains("raise the TTL"), w);
        assertTrue(EmbeddingPublisher.ttlWarning(Duration.ofHours(48), daily).isEmpty(), "exactly twice the interval is enough");
        assertTrue(EmbeddingPublisher.ttlWarning(Duration.ofHours(72), daily).isEmpty());
        // the longest gap counts: weekdays only leaves 3 days from Friday to Monday
        assertTrue(EmbeddingPublisher.ttlWarning(Duration.ofHours(72), "0 0 3 ? * MON-FRI").isPresent());
        assertTrue(EmbeddingPublisher.ttlWarning(Duration.ofHours(144), "0 0 3 ? * MON-FRI").isEmpty());
        assertTrue(EmbeddingPublisher.ttlWarning(Duration.ofMinutes(30), "0 0/15 * * * ?").isEmpty(), "every 15 minutes, 30 min TTL");
        assertTrue(EmbeddingPublisher.ttlWarning(Duration.ofMinutes(29), "0 0/15 * * * ?").isPresent());
        assertTrue(EmbeddingPublisher.ttlWarning(Duration.ofMinutes(1), "off").isEmpty(), "no schedule: nothing to outlive");
    }
}
