package dev.feedrank.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the generic layout ({@code csv:PATH}, {@code parquet:PATH} and the synthetic generator's output): a folder with
 * {@code interactions.csv|parquet} ({@code user_id, item_id, timestamp} plus optional 0/1 {@code click, like, share};
 * missing labels mean click = 1, like = 0, share = 0) and optional {@code users.*} / {@code items.*} tables
 * ({@code user_id} / {@code item_id} plus numeric feature columns), or PATH is the interactions file itself.
 * Ids are text (string or integer, see {@link Ids}); a numeric Parquet id column must hold non-negative integers.
 */
final class GenericTableReader {
    static final List<String> LABELS = List.of("click", "like", "share");
    /** Names of derived features and stored columns; a raw feature column may not take them. */
    static final Set<String> RESERVED = Set.of("popularity", "recent_popularity", "activity", "id", "vocab_index");

    private final Connection db;
    private final InputValidator check;
    private final boolean parquet;

    GenericTableReader(Connection db, boolean parquet) {
        this.db = db;
        this.check = new InputValidator(db);
        this.parquet = parquet;
    }

    SourceTables load(Path path, String layout) throws SQLException {
        List<Path> inputs = new ArrayList<>();
        Path interactions;
        Path items = null;
        Path users = null;
        if (Files.isRegularFile(path)) {
            interactions = path;
        } else {
            interactions = InputValidator.find(path, names("interactions"));
            if (interactions == null) {
                throw InputValidator.missingFile(names("interactions")[0], path, names("interactions")[0]
                        + " (or PATH naming the interactions file itself)");
            }
            items = InputValidator.find(path, names("items"));
            users = InputValidator.find(path, names("users"));
        }
        loadInteractions(interactions);
        inputs.add(interactions);

        List<String> itemFeatures = List.of();
        if (items != null) {
            itemFeatures = loadEntities(items, "items_raw", "item_id");
            inputs.add(items);
        } else {
            SourceTables.createEmptyEntityTables(db, true, false);
        }
        List<String> userFeatures = List.of();
        if (users != null) {
            userFeatures = loadEntities(users, "users_raw", "user_id");
            inputs.add(users);
        } else {
            SourceTables.createEmptyEntityTables(db, false, true);
        }
        return new SourceTables(layout, inputs, name(interactions), itemFeatures, itemFeatures, userFeatures);
    }

    private String[] names(String base) {
        return parquet ? new String[] {base + ".parquet"} : new String[] {base + ".csv", base + ".csv.gz"};
    }

    /** Loads a raw table; returns its columns of a numeric type (none for CSV). */
    private Set<String> load(String table, Path file) throws SQLException {
        if (parquet) return check.loadParquet(table, file);
        check.loadCsvWithHeader(table, file, "utf-8");
        return Set.of();
    }

    /** An id column: integer checks for a numeric Parquet column, text-id checks otherwise; its canonical text. */
    private static String ids(InputValidator.Checks checks, String column, Set<String> numeric) {
        if (numeric.contains(column)) {
            checks.integerIds(column);
            return InputValidator.intIdExpr(column);
        }
        checks.textIds(column);
        return InputValidator.textIdExpr(column);
    }

    /** The table's own spelling of a column (names match case-insensitively). */
    private String column(String table, String name) throws SQLException {
        return Sql.columns(db, table).stream().filter(c -> c.equalsIgnoreCase(name)).findFirst().orElse(name);
    }

    private void loadInteractions(Path file) throws SQLException {
        String name = name(file);
        Set<String> numeric = load("raw_interactions", file);
        check.requireColumns("raw_interactions", name, List.of("user_id", "item_id", "timestamp"));
        check.requireRows("raw_interactions", name, "interaction");
        InputValidator.Checks checks = check.values("raw_interactions", name);
        String userId = ids(checks, column("raw_interactions", "user_id"), numeric);
        String itemId = ids(checks, column("raw_interactions", "item_id"), numeric);
        checks.timestamps("timestamp");
        for (String label : LABELS) {
            if (check.hasColumn("raw_interactions", label)) checks.labels(label, "a 0/1 label");
        }
        checks.verify();
        StringBuilder select = new StringBuilder(userId + " AS user_id, " + itemId + " AS item_id, "
                + InputValidator.timestampExpr("timestamp") + " AS ts");
        for (String label : LABELS) {
            String expr;
            if (check.hasColumn("raw_interactions", label)) expr = InputValidator.labelExpr(label);
            else expr = label.equals("click") ? "1" : "0";
            select.append(", ").append(expr).append(" AS ").append(Sql.id(label));
        }
        Sql.exec(db, "CREATE TABLE interactions AS SELECT " + select + ", rowid AS src_row FROM raw_interactions");
    }

    /** An entity table: the id column plus numeric features (empty cells are missing values). */
    private List<String> loadEntities(Path file, String table, String idColumn) throws SQLException {
        String name = name(file);
        String raw = "raw_" + table;
        Set<String> numeric = load(raw, file);
        check.requireColumns(raw, name, List.of(idColumn));
        InputValidator.Checks checks = check.values(raw, name);
        String idExpr = ids(checks, column(raw, idColumn), numeric);
        List<String> features = new ArrayList<>();
        StringBuilder select = new StringBuilder(idExpr + " AS " + idColumn);
        for (String column : Sql.columns(db, raw)) {
            if (column.equalsIgnoreCase(idColumn)) continue;
            String lower = column.toLowerCase(Locale.ROOT);
            if (RESERVED.contains(lower) || lower.startsWith(FeatureBuilder.PREFERENCE_PREFIX)) {
                throw new DataValidationException(name, null, column, "expected feature column names other than "
                        + RESERVED + " and pref:*, which name derived features");
            }
            checks.finiteNumbers(column, true, "a finite number");
            features.add(column);
            select.append(", ").append(InputValidator.doubleExpr(column)).append(" AS ").append(Sql.id(column));
        }
        checks.verify();
        requireSomeValues(raw, name, features);
        check.requireUnique(raw, name, idColumn, idExpr);
        Sql.exec(db, "CREATE TABLE " + table + " AS SELECT " + select + " FROM " + raw);
        return features;
    }

    /** A feature column whose every cell is empty carries nothing (it would silently become a constant). */
    private void requireSomeValues(String raw, String file, List<String> features) throws SQLException {
        if (features.isEmpty()) return;
        StringBuilder sql = new StringBuilder("SELECT count(*)");
        for (String f : features) sql.append(", count(CASE WHEN trim(").append(Sql.id(f)).append(") <> '' THEN 1 END)");
        String[] counts = Sql.firstRow(db, sql.append(" FROM ").append(raw).toString());
        for (int i = 0; i < features.size(); i++) {
            if (Long.parseLong(counts[i + 1]) == 0) {
                throw new DataValidationException(file, null, features.get(i), "all-null column: expected at least "
                        + "one value, found all " + counts[0] + " rows empty");
            }
        }
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }
}
