package dev.feedrank.gating;

import java.util.List;

/** The gate's verdict with every check; {@code summary} says how it was reached. */
public record GateDecision(boolean passed, String productionVersion, String summary, List<GateCheck> checks) {
}
