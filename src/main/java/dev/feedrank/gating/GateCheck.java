package dev.feedrank.gating;

/**
 * One check of a gate decision.
 *
 * @param kind      {@code min} / {@code max} (value bounds), {@code beat-baseline}, {@code max-regression} /
 *                  {@code max-relative-regression} (change against the champion), {@code champion-comparison} (the
 *                  champion could not be evaluated), {@code servability} (the exported bundle reloads and scores)
 * @param metric    the metric name, e.g. {@code auc}, {@code ndcg@10}, or a task's metric such as {@code like.auc}
 * @param direction {@code higher} or {@code lower}: which way is better for this metric
 * @param op        how {@code candidate} is compared with {@code threshold}: {@code >=}, {@code <=}, {@code >}, {@code <}
 * @param threshold the bound the candidate had to meet (NaN when there is none)
 * @param candidate the candidate's value (null when it is missing)
 * @param champion  the champion's value on the same split, for change checks
 * @param baseline  the popularity baseline's value on the same split, for the baseline check
 */
public record GateCheck(String kind, String metric, String direction, String op, double threshold, Double candidate,
                        Double champion, Double baseline, boolean passed, String detail) {
}
