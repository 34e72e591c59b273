package dev.feedrank.evaluation;

/** Scores every item for one user (a feature-table row): fills {@code out[0..items)}. */
public interface UserScorer {
    void score(int user, float[] out);
}
