package dev.feedrank.data;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What a reader loaded into DuckDB. The canonical tables are
 * {@code interactions(user_id VARCHAR, item_id VARCHAR, ts BIGINT, click INTEGER, "like" INTEGER, share INTEGER,
 * src_row BIGINT)}, {@code items_raw(item_id VARCHAR, <itemFeatures> DOUBLE...)} and
 * {@code users_raw(user_id VARCHAR, <userFeatures> DOUBLE...)}; raw feature values may be NULL (missing). Ids are
 * their canonical text (see {@link Ids}).
 *
 * @param layout           detected source layout, e.g. {@code movielens-100k}
 * @param inputFiles       the files actually read (the content hash covers exactly these)
 * @param interactionsFile file name of the interactions, for messages
 * @param itemFeatures     raw item feature columns of {@code items_raw}, in order
 * @param profileFeatures  the item features averaged into the user's preference profile (genres, or all content)
 * @param userFeatures     raw user feature columns of {@code users_raw}, in order
 */
record SourceTables(String layout, List<Path> inputFiles, String interactionsFile, List<String> itemFeatures,
                    List<String> profileFeatures, List<String> userFeatures) {

    /** Creates the canonical tables empty, for sources without item or user tables. */
    static void createEmptyEntityTables(Connection db, boolean items, boolean users) throws SQLException {
        if (items) Sql.exec(db, "CREATE TABLE items_raw (item_id VARCHAR)");
        if (users) Sql.exec(db, "CREATE TABLE users_raw (user_id VARCHAR)");
    }
}
