package dev.feedrank.data;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds both towers' feature tables in DuckDB from the canonical tables and {@code split_interactions}. Only the
 * train window (split 0) feeds anything learned from interactions (vocabulary, popularity, profile, activity);
 * catalog columns are scaled over the catalog: columns within [0,1] stay as they are, others are z-scored and clipped
 * to [-5, 5]; missing values become the column mean.
 *
 * <p>Rows are ordered by id ({@link Ids#order}: integer ids numerically, then other ids by text): users = users table plus interaction users, items = catalog plus interaction items.
 * Creates {@code user_rows(user_id, r)} and {@code item_rows(item_id, r)}.
 */
final class FeatureBuilder {
    static final String POPULARITY = "popularity";
    /** Clicks in the most recent tenth of the train window (by time): what is trending when training data ends. */
    static final String RECENT_POPULARITY = "recent_popularity";
    static final String ACTIVITY = "activity";
    static final String PREFERENCE_PREFIX = "pref:";
    private static final double CLIP = 5.0;

    private final Connection db;

    FeatureBuilder(Connection db) {
        this.db = db;
    }

    record Towers(FeatureTable users, FeatureTable items) {
    }

    Towers build(SourceTables src) throws SQLException {
        rowsAndVocabulary("user");
        rowsAndVocabulary("item");

        Sql.exec(db, "CREATE TABLE item_scaled AS SELECT r.item_id" + scaled(src.itemFeatures())
                + " FROM item_rows r LEFT JOIN items_raw USING (item_id)");
        Sql.exec(db, "CREATE TABLE user_scaled AS SELECT r.user_id" + scaled(src.userFeatures())
                + " FROM user_rows r LEFT JOIN users_raw USING (user_id)");
        Sql.exec(db, "CREATE TABLE item_train_clicks AS SELECT item_id, count(*) AS c FROM split_interactions "
                + "WHERE split = 0 AND click = 1 GROUP BY item_id");
        Sql.exec(db, "CREATE TABLE item_recent_clicks AS SELECT item_id, count(*) AS c FROM split_interactions "
                + "WHERE split = 0 AND click = 1 AND ts >= (SELECT quantile_disc(ts, 0.9) FROM split_interactions "
                + "WHERE split = 0 AND click = 1) GROUP BY item_id");
        StringBuilder profile = new StringBuilder();
        for (String f : src.profileFeatures()) {
            profile.append(", avg(").append(Sql.id(f)).append(") AS ").append(Sql.id(PREFERENCE_PREFIX + f));
        }
        Sql.exec(db, "CREATE TABLE user_train_profile AS SELECT s.user_id, count(*) AS c" + profile
                + " FROM split_interactions s JOIN item_scaled USING (item_id) WHERE s.split = 0 AND s.click = 1 "
                + "GROUP BY s.user_id");

        List<String> itemNames = new ArrayList<>(src.itemFeatures());
        itemNames.add(POPULARITY);
        itemNames.add(RECENT_POPULARITY);
        List<String> itemExprs = new ArrayList<>();
        for (String f : src.itemFeatures()) itemExprs.add("f." + Sql.id(f));
        itemExprs.add(log1pScaled("p.c", "item_train_clicks"));
        itemExprs.add(log1pScaled("q.c", "item_recent_clicks"));
        FeatureTable items = fetch("item", itemNames, itemExprs,
                "LEFT JOIN item_scaled f USING (item_id) LEFT JOIN item_train_clicks p USING (item_id) "
                        + "LEFT JOIN item_recent_clicks q USING (item_id)");

        List<String> userNames = new ArrayList<>(src.userFeatures());
        List<String> userExprs = new ArrayList<>();
        for (String f : src.userFeatures()) userExprs.add("f." + Sql.id(f));
        for (String f : src.profileFeatures()) {
            userNames.add(PREFERENCE_PREFIX + f);
            userExprs.add("coalesce(p." + Sql.id(PREFERENCE_PREFIX + f) + ", 0)");
        }
        userNames.add(ACTIVITY);
        userExprs.add(log1pScaled("p.c", "user_train_profile"));
        FeatureTable users = fetch("user", userNames, userExprs,
                "LEFT JOIN user_scaled f USING (user_id) LEFT JOIN user_train_profile p USING (user_id)");
        return new Towers(users, items);
    }

    private void rowsAndVocabulary(String entity) throws SQLException {
        String id = entity + "_id";
        Sql.exec(db, "CREATE TABLE " + entity + "_rows AS SELECT " + id + ", CAST(row_number() OVER (ORDER BY "
                + Ids.order(id) + ") - 1 AS INTEGER) AS r FROM (SELECT " + id + " FROM " + entity + "s_raw UNION SELECT " + id
                + " FROM interactions)");
        Sql.exec(db, "CREATE TABLE " + entity + "_vocab AS SELECT " + id + ", CAST(row_number() OVER (ORDER BY "
                + Ids.order(id) + ") AS INTEGER) AS v FROM (SELECT DISTINCT " + id + " FROM split_interactions WHERE split = 0 AND click = 1)");
    }

    /** Scaled copies of raw columns (statistics over the non-missing, i.e. catalog, values). */
    private static String scaled(List<String> columns) {
        StringBuilder sb = new StringBuilder();
        for (String name : columns) {
            String c = Sql.id(name);
            String mean = "avg(" + c + ") OVER ()";
            String std = "stddev_pop(" + c + ") OVER ()";
            sb.append(", coalesce(CASE WHEN min(").append(c).append(") OVER () >= 0 AND max(").append(c)
                    .append(") OVER () <= 1 THEN coalesce(").append(c).append(", ").append(mean)
                    .append(") WHEN ").append(std).append(" > 1e-9 * (abs(").append(mean).append(") + 1) THEN ")
                    .append("greatest(-").append(CLIP).append(", least(").append(CLIP).append(", coalesce((").append(c)
                    .append(" - ").append(mean).append(") / ").append(std).append(", 0))) END, 0) AS ").append(c);
        }
        return sb.toString();
    }

    /** log1p(count) / log1p(max count) in [0, 1]; 0 without counts. */
    private static String log1pScaled(String count, String table) {
        return "coalesce(ln(1 + " + count + ") / nullif(ln(1 + (SELECT max(c) FROM " + table + ")), 0), 0)";
    }

    private FeatureTable fetch(String entity, List<String> names, List<String> exprs, String joins)
            throws SQLException {
        int n = Math.toIntExact(Sql.queryLong(db, "SELECT count(*) FROM " + entity + "_rows"));
        int width = names.size();
        String[] ids = new String[n];
        int[] vocab = new int[n];
        float[] dense = new float[n * width];
        StringBuilder select = new StringBuilder("SELECT r." + entity + "_id, coalesce(v.v, 0)");
        for (String e : exprs) select.append(", ").append(e);
        select.append(" FROM ").append(entity).append("_rows r LEFT JOIN ").append(entity).append("_vocab v USING (")
                .append(entity).append("_id) ").append(joins).append(" ORDER BY r.r");
        int row = 0;
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(select.toString())) {
            while (rs.next()) {
                ids[row] = rs.getString(1);
                vocab[row] = rs.getInt(2);
                for (int j = 0; j < width; j++) {
                    float v = rs.getFloat(3 + j);
                    if (!Float.isFinite(v)) {
                        throw new IllegalStateException(entity + " feature " + names.get(j) + " is not finite for id "
                                + ids[row]);
                    }
                    dense[row * width + j] = v;
                }
                row++;
            }
        }
        int vocabSize = 1 + (int) Sql.queryLong(db, "SELECT count(*) FROM " + entity + "_vocab");
        return new FeatureTable(ids, vocab, vocabSize, dense, List.copyOf(names));
    }
}
