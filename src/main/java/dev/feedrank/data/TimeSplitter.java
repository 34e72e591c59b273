package dev.feedrank.data;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * Splits interactions by time: sorted by (ts, user_id, item_id, file row), the first {@code trainFraction} go to
 * train, the next {@code validationFraction} to validation, the rest to test. Creates the table
 * {@code split_interactions} (canonical columns plus {@code rn} and {@code split} 0/1/2).
 */
final class TimeSplitter {
    static final int TRAIN = 0;
    static final int VALIDATION = 1;
    static final int TEST = 2;
    static final String[] NAMES = {"train", "validation", "test"};

    private TimeSplitter() {
    }

    /** Row counts per split. */
    static long[] split(Connection db, double trainFraction, double validationFraction) throws SQLException {
        long n = Sql.queryLong(db, "SELECT count(*) FROM interactions");
        long train = (long) Math.floor(n * trainFraction);
        long validation = Math.min(n - train, (long) Math.floor(n * validationFraction));
        Sql.exec(db, "CREATE TABLE split_interactions AS SELECT *, CAST(CASE WHEN rn <= " + train + " THEN 0 WHEN rn <= "
                + (train + validation) + " THEN 1 ELSE 2 END AS INTEGER) AS split FROM (SELECT *, row_number() OVER "
                + "(ORDER BY ts, " + Ids.order("user_id") + ", " + Ids.order("item_id") + ", src_row) AS rn FROM interactions)");
        return new long[] {train, validation, n - train - validation};
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
