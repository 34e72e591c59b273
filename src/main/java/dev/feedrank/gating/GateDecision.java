package dev.feedrank.gating;

import java.util.ArrayList;
import java.util.List;

/**
 * The gate's verdict with every check; {@code summary} says how it was reached. {@code championVersion} is the
 * version aliased {@code production} when the decision was made (null on the first run).
 */
public record GateDecision(boolean passed, String championVersion, String summary, List<GateCheck> checks) {

    /** This decision with one more check appended (e.g. servability at export); a failed check fails the decision. */
    public GateDecision with(GateCheck extra) {
        List<GateCheck> all = new ArrayList<>(checks);
        all.add(extra);
        boolean ok = passed && extra.passed();
        String s = summary;
        if (!extra.passed()) {
            s = s + "; but the " + extra.kind() + " check failed: " + extra.detail();
        } else {
            // keep the count in "all N checks passed" / "k of N checks failed" true
            s = s.replace("all " + checks.size() + " checks passed", "all " + all.size() + " checks passed")
                    .replace(" of " + checks.size() + " checks failed", " of " + all.size() + " checks failed");
        }
        return new GateDecision(ok, championVersion, s, List.copyOf(all));
    }
}
