package dev.feedrank.reporting;

import java.util.Locale;
import java.util.Map;

/** One line per strong baseline saying what evaluate fitted: the chosen hyperparameter and the items it covers. */
public final class BaselineFits {

    private BaselineFits() {
    }

    /**
     * E.g. {@code ease: lambda 3000 on the 5,792 most popular of 100,000 items, fitted in 47.5 s} or
     * {@code puresvd: rank 16 over all 1,000 items, fitted in 0.4 s}, from the numbers of
     * {@link RunReport#baselineFits()}; the parts it lacks are left out.
     */
    public static String describe(String name, Map<String, Double> fit) {
        StringBuilder sb = new StringBuilder(name).append(':');
        Double rank = fit.get("rank");
        Double lambda = fit.get("lambda");
        if (rank != null) sb.append(" rank ").append(plain(rank));
        if (lambda != null) sb.append(" lambda ").append(plain(lambda));
        Double items = fit.get("fit_items");
        Double catalogue = fit.get("catalogue_items");
        if (items != null && catalogue != null && items < catalogue) {
            sb.append(" on the ").append(number(items)).append(" most popular of ").append(number(catalogue)).append(" items");
        } else if (items != null) {
            sb.append(" over all ").append(number(items)).append(" items");
        }
        Double seconds = fit.get("fit_seconds");
        if (seconds != null) sb.append(String.format(Locale.ROOT, ", fitted in %.1f s", seconds));
        return sb.toString();
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) v) : String.valueOf(v);
    }
}
