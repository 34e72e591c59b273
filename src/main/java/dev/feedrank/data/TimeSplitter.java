package dev.feedrank.data;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * Splits interactions into train / validation / test and creates the table {@code split_interactions} (canonical
 * columns plus {@code rn}, the global time order, and {@code split} 0/1/2). Strategies ({@code split.strategy}):
 * <ul>
 *   <li>{@code global-time}: sorted by (ts, user_id, item_id, file row), the first {@code trainFraction} go to train,
 *       the next {@code validationFraction} to validation, the rest to test (scheduled retraining: the model is
 *       judged on the newest interactions of everyone).</li>
 *   <li>{@code per-user-time}: each user's interactions sorted by (ts, item_id, file row); the last
 *       {@code max(1, floor(n * testFraction))} go to test (users with at least 2 interactions), the last
 *       {@code max(1, floor(m * validationFraction))} of the remaining m to validation (when m >= 2 and the fraction
 *       is > 0); the rest to train. Every user with 2 or more interactions is judged, and none of a user's test
 *       interactions precedes one of its train interactions.</li>
 *   <li>{@code leave-last-out}: each user's last click (and everything of that user at or after it) is test, the
 *       click before it (and what lies between) validation, the rest train; users with 2 clicks have no validation
 *       interaction, users with 1 click only train.</li>
 *   <li>{@code all} (internal, the refit dataset): every interaction in train; validation and test are empty.</li>
 * </ul>
 */
final class TimeSplitter {
    static final int TRAIN = 0;
    static final int VALIDATION = 1;
    static final int TEST = 2;
    static final String[] NAMES = {"train", "validation", "test"};

    private TimeSplitter() {
    }

    /** Row counts per split. */
    static long[] split(Connection db, PreparationSettings settings) throws SQLException {
        String item = Ids.order("item_id");
        String ordered = "SELECT *, row_number() OVER (ORDER BY ts, " + Ids.order("user_id") + ", " + item
                + ", src_row) AS rn FROM interactions";
        switch (settings.splitStrategy()) {
            case PreparationSettings.ALL ->
                    Sql.exec(db, "CREATE TABLE split_interactions AS SELECT *, CAST(0 AS INTEGER) AS split FROM (" + ordered + ")");
            case PreparationSettings.PER_USER_TIME -> {
                double tf = settings.testFraction();
                double vf = settings.validationFraction();
                // p: 1-based position in the user's own time order, n: the user's interactions
                Sql.exec(db, "CREATE TABLE split_interactions AS SELECT * EXCLUDE (p, n, nt, m), CAST(CASE "
                        + "WHEN p > n - nt THEN 2 WHEN p > m - (CASE WHEN m >= 2 AND " + vf + " > 0 THEN greatest(1, "
                        + "CAST(floor(m * " + vf + ") AS BIGINT)) ELSE 0 END) THEN 1 ELSE 0 END AS INTEGER) AS split FROM ("
                        + "SELECT *, n - nt AS m FROM (SELECT *, CASE WHEN n >= 2 THEN greatest(1, CAST(floor(n * " + tf
                        + ") AS BIGINT)) ELSE 0 END AS nt FROM (SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY "
                        + "ts, " + item + ", src_row) AS p, count(*) OVER (PARTITION BY user_id) AS n FROM (" + ordered + "))))");
            }
            case PreparationSettings.LEAVE_LAST_OUT -> {
                // c: the click's rank from the user's end among its clicks; test from the last click, validation from
                // the one before (users with >= 3 / >= 2 clicks)
                Sql.exec(db, "CREATE TABLE split_interactions AS SELECT * EXCLUDE (p, tp, vp), CAST(CASE "
                        + "WHEN tp IS NOT NULL AND p >= tp THEN 2 WHEN vp IS NOT NULL AND p >= vp THEN 1 ELSE 0 END AS INTEGER) "
                        + "AS split FROM (SELECT o.*, k.tp, k.vp FROM (SELECT *, row_number() OVER (PARTITION BY user_id "
                        + "ORDER BY ts, " + item + ", src_row) AS p FROM (" + ordered + ")) o LEFT JOIN (SELECT user_id, "
                        + "max(CASE WHEN c = 1 AND clicks >= 2 THEN p END) AS tp, max(CASE WHEN c = 2 AND clicks >= 3 THEN p END) AS vp "
                        + "FROM (SELECT user_id, p, row_number() OVER (PARTITION BY user_id ORDER BY p DESC) AS c, "
                        + "count(*) OVER (PARTITION BY user_id) AS clicks FROM (SELECT user_id, click, row_number() OVER "
                        + "(PARTITION BY user_id ORDER BY ts, " + item + ", src_row) AS p FROM interactions) WHERE click = 1) "
                        + "GROUP BY user_id) k USING (user_id))");
            }
            default -> {
                long n = Sql.queryLong(db, "SELECT count(*) FROM interactions");
                long train = (long) Math.floor(n * settings.trainFraction());
                long validation = Math.min(n - train, (long) Math.floor(n * settings.validationFraction()));
                Sql.exec(db, "CREATE TABLE split_interactions AS SELECT *, CAST(CASE WHEN rn <= " + train + " THEN 0 WHEN rn <= "
                        + (train + validation) + " THEN 1 ELSE 2 END AS INTEGER) AS split FROM (" + ordered + ")");
            }
        }
        long[] counts = new long[3];
        for (int s = 0; s < 3; s++) counts[s] = Sql.queryLong(db, "SELECT count(*) FROM split_interactions WHERE split = " + s);
        return counts;
    }

    /**
     * The observed examples of each split in time order, with user/item mapped to feature-table rows (needs the
     * {@code user_rows} / {@code item_rows} tables of {@link FeatureBuilder}).
     */
    static Examples[] observed(Connection db, long[] counts) throws SQLException {
        Examples[] out = new Examples[3];
        for (int s = 0; s < 3; s++) {
            int n = Math.toIntExact(counts[s]);
            out[s] = new Examples(new int[n], new int[n], new float[n], new float[n], new float[n], new boolean[n],
                    new long[n]);
        }
        int[] fill = new int[3];
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT s.split, u.r, i.r, s.ts, "
                + "s.click, s.\"like\", s.\"share\" FROM split_interactions s JOIN user_rows u USING (user_id) "
                + "JOIN item_rows i USING (item_id) ORDER BY s.rn")) {
            while (rs.next()) {
                int s = rs.getInt(1);
                Examples e = out[s];
                int k = fill[s]++;
                e.user()[k] = rs.getInt(2);
                e.item()[k] = rs.getInt(3);
                e.ts()[k] = rs.getLong(4);
                e.click()[k] = rs.getInt(5);
                e.like()[k] = rs.getInt(6);
                e.share()[k] = rs.getInt(7);
            }
        }
        if (!Arrays.equals(fill, new int[] {(int) counts[0], (int) counts[1], (int) counts[2]})) {
            throw new IllegalStateException("split row counts changed while reading: " + Arrays.toString(fill));
        }
        return out;
    }
}
