package dev.feedrank.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Loads input files into raw all-VARCHAR DuckDB tables (in file order, so {@code rowid + 1} is the 1-based data row)
 * and checks them with {@code TRY_CAST}, failing with a {@link DataValidationException} on the first offending row.
 */
final class InputValidator {
    /** Accepted timestamps: epoch seconds up to now + 1 day. */
    static final long MAX_FUTURE_SECONDS = 86_400;

    private final Connection db;
    private final long maxTimestamp = Instant.now().getEpochSecond() + MAX_FUTURE_SECONDS;

    InputValidator(Connection db) {
        this.db = db;
    }

    // ---- loading ---------------------------------------------------------------------------------------------

    /** A CSV with a header row (column names taken from it), every column VARCHAR. */
    void loadCsvWithHeader(String table, Path file, String encoding) throws SQLException {
        checkBytes(file, encoding, 1);
        List<String> header = readHeader(file, encoding);
        if (header.isEmpty()) {
            throw new DataValidationException(file.getFileName().toString(), null, null,
                    "empty dataset: expected a header row and data rows, found an empty file");
        }
        checkHeader(file.getFileName().toString(), header);
        load(table, file, "read_csv(" + Sql.path(file) + ", header = true, delim = ',', quote = '\"', "
                + "escape = '\"', " + options(header, encoding) + ")", 1, ",", header);
    }

    /** A header-less delimited text file with the given column names, every column VARCHAR, no quoting. */
    void loadDelimited(String table, Path file, String delimiter, List<String> columns, String encoding)
            throws SQLException {
        checkBytes(file, encoding, 0);
        load(table, file, "read_csv(" + Sql.path(file) + ", header = false, delim = " + Sql.str(delimiter)
                + ", quote = '', escape = '', " + options(columns, encoding) + ")", 0, delimiter, columns);
    }

    /**
     * A header must name each column once, and a header that is one column holding another delimiter means the
     * file is not comma-separated.
     */
    static void checkHeader(String file, List<String> header) {
        if (header.size() == 1) {
            for (String d : List.of(";", "\t", "|")) {
                if (header.get(0).contains(d)) {
                    throw new DataValidationException(file, null, null, "wrong delimiter: expected ','-separated "
                            + "columns, but the header is one column containing '" + shown(d) + "': it looks '"
                            + shown(d) + "'-separated");
                }
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String name = header.get(i);
            if (name.isEmpty()) {
                throw new DataValidationException(file, null, null, "expected a name for every column of the header, "
                        + "column " + (i + 1) + " of " + header.size() + " has none");
            }
            Integer first = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), i);
            if (first != null) {
                throw new DataValidationException(file, null, name, "duplicate header: expected unique column names, "
                        + "found " + Ids.shown(name) + " as columns " + (first + 1) + " and " + (i + 1));
            }
        }
    }

    /**
     * Before DuckDB reads a text file: it must not be UTF-16/32 or binary when UTF-8 is expected (DuckDB would only
     * report a column count), and a gzip file must be complete (DuckDB stops silently at a truncated stream).
     */
    static void checkBytes(Path file, String encoding, int headerLines) {
        String name = file.getFileName().toString();
        boolean gzip = name.endsWith(".gz");
        if (encoding.equalsIgnoreCase("utf-8")) {
            byte[] head = new byte[4096];
            int n = 0;
            try (InputStream raw = Files.newInputStream(file);
                 InputStream in = gzip ? new GZIPInputStream(raw) : raw) {
                for (int r; n < head.length && (r = in.read(head, n, head.length - n)) > 0; ) n += r;
            } catch (IOException e) {
                // unreadable or truncated: reported below or by the reader
            }
            String bom = n >= 2 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE ? "FF FE"
                    : n >= 2 && (head[0] & 0xFF) == 0xFE && (head[1] & 0xFF) == 0xFF ? "FE FF" : null;
            if (bom != null) {
                throw new DataValidationException(name, null, null, "wrong encoding: expected UTF-8 text, found "
                        + "UTF-16 or UTF-32 (byte-order mark " + bom + ")");
            }
            for (int i = 0; i < n; i++) {
                if (head[i] == 0) {
                    throw new DataValidationException(name, null, null, "wrong encoding: expected UTF-8 text, found a "
                            + "NUL byte at offset " + i + " (UTF-16 without byte-order mark, or a binary file)");
                }
            }
        }
        if (gzip) {
            long lines = 0;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                byte[] buffer = new byte[1 << 16];
                for (int r; (r = in.read(buffer)) > 0; ) {
                    for (int i = 0; i < r; i++) if (buffer[i] == '\n') lines++;
                }
            } catch (IOException e) {
                long row = lines - headerLines + 1;
                throw new DataValidationException(name, row >= 1 ? row : null, null, "truncated file: expected a "
                        + "complete gzip stream, but it ends after " + lines + " complete lines (" + e.getMessage() + ")");
            }
        }
    }

    private static String shown(String delimiter) {
        return delimiter.replace("\t", "\\t");
    }

    /** Fixed columns, no sniffing (so a ragged row is an error rather than a different guess of the dialect). */
    private static String options(List<String> columns, String encoding) {
        StringBuilder cols = new StringBuilder("{");
        for (String c : columns) cols.append(cols.length() > 1 ? ", " : "").append(Sql.str(c)).append(": 'VARCHAR'");
        return "auto_detect = false, columns = " + cols.append('}') + ", encoding = " + Sql.str(encoding);
    }

    /**
     * A Parquet file with every column cast to VARCHAR, so it is validated like a CSV.
     *
     * @return the columns of a numeric Parquet type (their ids are integers: see {@link Ids})
     */
    Set<String> loadParquet(String table, Path file) throws SQLException {
        load(table + "_typed", file, "read_parquet(" + Sql.path(file) + ")", 0, null, null);
        Set<String> numeric = new HashSet<>(Sql.strings(db, "SELECT column_name FROM information_schema.columns "
                + "WHERE table_name = " + Sql.str(table + "_typed") + " AND regexp_full_match(data_type, "
                + "'(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)')"));
        StringBuilder select = new StringBuilder();
        for (String c : Sql.columns(db, table + "_typed")) {
            select.append(select.length() > 0 ? ", " : "").append("CAST(").append(Sql.id(c)).append(" AS VARCHAR) AS ")
                    .append(Sql.id(c));
        }
        Sql.exec(db, "CREATE TABLE " + table + " AS SELECT " + select + " FROM " + table + "_typed ORDER BY rowid");
        Sql.exec(db, "DROP TABLE " + table + "_typed");
        return numeric;
    }

    private void load(String table, Path file, String source, int headerLines, String delimiter, List<String> columns)
            throws SQLException {
        try {
            Sql.exec(db, "CREATE TABLE " + table + " AS SELECT * FROM " + source);
        } catch (SQLException e) {
            throw unreadable(file, e, headerLines, delimiter, columns);
        }
    }

    private static final Pattern CSV_LINE = Pattern.compile("CSV Error on Line: (\\d+)");
    private static final Pattern CSV_COLUMNS = Pattern.compile("Expected Number of Columns: (\\d+) Found: (\\d+)");

    private static DataValidationException unreadable(Path file, SQLException e, int headerLines, String delimiter,
                                                      List<String> columns) {
        String msg = String.valueOf(e.getMessage());
        String name = file.getFileName().toString();
        Matcher line = CSV_LINE.matcher(msg);
        Matcher columnCount = CSV_COLUMNS.matcher(msg);
        boolean hasLine = line.find();
        if (hasLine && msg.contains("Invalid unicode")) {
            long lineNo = Long.parseLong(line.group(1));
            return invalidUtf8(file, lineNo, lineNo - headerLines, delimiter, columns);
        }
        if (hasLine && columnCount.find()) {
            long lineNo = Long.parseLong(line.group(1));
            // the line itself is not quoted: an error message shows no data beyond an excerpt of one field
            String problem = "expected " + columnCount.group(1) + " '" + shown(delimiter) + "'-separated fields, found "
                    + columnCount.group(2);
            if (endsEarly(file, lineNo)) {
                problem = "truncated file: the last row ends early and the file does not end with a line break: "
                        + problem;
            }
            return new DataValidationException(name, lineNo - headerLines, null, problem);
        }
        String cause = duckDbMessage(msg);
        if (cause.contains("No magic bytes") || cause.contains("too small to be a Parquet file")) {
            return new DataValidationException(name, null, null, "truncated file: expected a complete Parquet file, "
                    + "but it has no Parquet footer (" + cause + ")");
        }
        return new DataValidationException(name, hasLine ? Long.parseLong(line.group(1)) - headerLines : null,
                null, "expected a readable file of the documented layout, but it could not be parsed: " + cause);
    }

    /**
     * The first line of DuckDB's own error, without the JDBC driver's wrapper line, made fit to show: quoted text in
     * it (a value, a line of the file) is cut to a short excerpt, and it is at most {@value #CAUSE_LENGTH} characters.
     */
    static String duckDbMessage(String msg) {
        String m = msg.replace("Invalid Input Error: Attempting to execute an unsuccessful or closed pending query "
                + "result", "").strip();
        if (m.startsWith("Error: ")) m = m.substring("Error: ".length());
        int nl = m.indexOf('\n');
        return shownCause(nl > 0 ? m.substring(0, nl).strip() : m);
    }

    static final int CAUSE_LENGTH = 160;
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"|'([^']*)'");

    /** A reader's message with every quoted part reduced to an excerpt ({@link Ids#shown}), control characters escaped. */
    static String shownCause(String cause) {
        Matcher q = QUOTED.matcher(cause);
        StringBuilder sb = new StringBuilder();
        while (q.find()) {
            String inner = q.group(1) != null ? q.group(1) : q.group(2);
            q.appendReplacement(sb, Matcher.quoteReplacement(Ids.shown(inner)));
        }
        q.appendTail(sb);
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < sb.length(); i++) {
            char ch = sb.charAt(i);
            shown.append(Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029' ? ' ' : ch);
        }
        return shown.length() > CAUSE_LENGTH ? shown.substring(0, CAUSE_LENGTH) + "..." : shown.toString();
    }

    /** Whether 1-based line {@code lineNo} is the file's last line and the file lacks a final line break. */
    private static boolean endsEarly(Path file, long lineNo) {
        if (file.getFileName().toString().endsWith(".gz")) return false;
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            long breaks = 0;
            int last = -1;
            for (int b; (b = in.read()) >= 0; last = b) if (b == '\n') breaks++;
            return last != '\n' && last != -1 && breaks + 1 == lineNo;
        } catch (IOException e) {
            return false;
        }
    }

    /** Locates the first byte of line {@code lineNo} that is not valid UTF-8, and the column it falls in. */
    private static DataValidationException invalidUtf8(Path file, long lineNo, long row, String delimiter,
                                                       List<String> columns) {
        String name = file.getFileName().toString();
        String expectation = "wrong encoding: expected UTF-8 text";
        byte[] bytes = lineBytes(file, lineNo);
        if (bytes == null) return new DataValidationException(name, row, null, expectation + ", found invalid bytes");
        var decoder = StandardCharsets.UTF_8.newDecoder();
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        int at = result.isError() ? in.position() : 0;
        String field = null;
        if (delimiter != null && columns != null && !columns.isEmpty()) {
            String prefix = new String(bytes, 0, at, StandardCharsets.ISO_8859_1);
            int index = prefix.split(Pattern.quote(delimiter), -1).length - 1;
            if (index < columns.size()) field = columns.get(index);
        }
        return new DataValidationException(name, row, field, expectation + ", found byte 0x"
                + String.format("%02X", bytes[at] & 0xFF) + " at byte " + (at + 1) + " of the line, which is not valid "
                + "UTF-8 (a Latin-1 or Windows-1252 file?)");
    }

    private static byte[] lineBytes(Path file, long lineNo) {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = new java.io.BufferedInputStream(file.getFileName().toString().endsWith(".gz")
                     ? new GZIPInputStream(raw) : raw)) {
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            long current = 1;
            for (int b; (b = in.read()) >= 0; ) {
                if (b == '\n') {
                    if (current == lineNo) return line.toByteArray();
                    current++;
                    line.reset();
                } else if (current == lineNo && b != '\r') {
                    line.write(b);
                }
            }
            return current == lineNo && line.size() > 0 ? line.toByteArray() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Column names from the first line of a CSV (UTF-8 BOM, quotes and CRLF handled; gzip by extension). */
    static List<String> readHeader(Path file, String encoding) {
        Charset charset = encoding.equalsIgnoreCase("latin-1") ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, charset))) {
            String first = reader.readLine();
            if (first == null || first.isBlank()) return List.of();
            if (first.startsWith("\uFEFF")) first = first.substring(1);
            List<String> names = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < first.length(); i++) {
                char ch = first.charAt(i);
                if (ch == '"') {
                    if (quoted && i + 1 < first.length() && first.charAt(i + 1) == '"') cell.append(first.charAt(++i));
                    else quoted = !quoted;
                } else if (ch == ',' && !quoted) {
                    names.add(cell.toString().trim());
                    cell.setLength(0);
                } else if (ch != '\r') {
                    cell.append(ch);
                }
            }
            names.add(cell.toString().trim());
            return names;
        } catch (IOException e) {
            throw new DataValidationException(file.getFileName().toString(), null, null,
                    "expected a readable file, but it could not be read: " + e.getMessage());
        }
    }

    // ---- file and column presence ----------------------------------------------------------------------------

    /** The first of the candidate file names that exists in the folder, or {@code null}. */
    static Path find(Path folder, String... names) {
        for (String name : names) {
            Path p = folder.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    /** The folder's other files are not listed: an error message names what was expected, not what a folder holds. */
    static DataValidationException missingFile(String file, Path folder, String expectation) {
        return new DataValidationException(file, null, null, "missing file: expected " + expectation + " in "
                + folder.toAbsolutePath() + ", found none");
    }

    void requireColumns(String table, String file, List<String> required) throws SQLException {
        List<String> present = Sql.columns(db, table);
        for (String c : required) {
            if (present.stream().noneMatch(p -> p.equalsIgnoreCase(c))) {
                // the header's names are not listed (no header dumps): their number says enough to look
                throw new DataValidationException(file, null, c, "missing column: expected a column '" + c
                        + "' (required: " + String.join(", ", required) + "), found " + present.size()
                        + " columns, none of that name");
            }
        }
    }

    boolean hasColumn(String table, String column) throws SQLException {
        return Sql.columns(db, table).stream().anyMatch(c -> c.equalsIgnoreCase(column));
    }

    void requireRows(String table, String file, String what) throws SQLException {
        if (Sql.queryLong(db, "SELECT count(*) FROM " + table) == 0) {
            throw new DataValidationException(file, null, null, "empty dataset: expected at least one " + what
                    + ", found no data rows");
        }
    }

    // ---- value checks ----------------------------------------------------------------------------------------

    /** Ids must be unique by their canonical value {@code idExpr} ({@link #textIdExpr} or {@link #intIdExpr}). */
    void requireUnique(String table, String file, String column, String idExpr) throws SQLException {
        String[] dup = Sql.firstRow(db, "SELECT r + 1, v FROM (SELECT rowid AS r, " + Sql.id(column) + " AS v, "
                + "row_number() OVER (PARTITION BY " + idExpr + " ORDER BY rowid) AS k FROM " + table
                + ") WHERE k = 2 ORDER BY r LIMIT 1");
        if (dup != null) {
            throw new DataValidationException(file, Long.parseLong(dup[0]), column,
                    "expected unique ids, got " + Ids.shown(dup[1]) + " a second time");
        }
    }

    /** Value checks of one raw table, run together in a single scan by {@link Checks#verify()}. */
    Checks values(String table, String file) {
        return new Checks(table, file);
    }

    final class Checks {
        private final String table;
        private final String file;
        private final List<String[]> checks = new ArrayList<>(); // column, bad-row condition, expectation

        private Checks(String table, String file) {
            this.table = table;
            this.file = file;
        }

        /**
         * Text ids (see {@link Ids}): non-empty, at most {@link Ids#MAX_LENGTH} characters, no control characters,
         * not the column's own name (a header repeated as a data row) and not a negative integer.
         */
        Checks textIds(String column) {
            String c = Sql.id(column);
            String t = "trim(" + c + ")";
            add(column, c + " IS NULL OR " + t + " = ''", "expected a non-empty id");
            add(column, "regexp_matches(" + c + ", '" + Ids.CONTROL_CHARACTERS + "')",
                    "expected an id without control characters (newline, tab, NUL, ...)");
            add(column, "length(" + t + ") > " + Ids.MAX_LENGTH, "expected an id of at most " + Ids.MAX_LENGTH
                    + " characters");
            add(column, "lower(" + t + ") = " + Sql.str(column.toLowerCase(Locale.ROOT)),
                    "expected an id other than the column's name");
            return add(column, "regexp_full_match(" + t + ", '-[0-9]+')", "expected an id that is not a negative "
                    + "integer (-1 usually marks a missing value)");
        }

        /**
         * Integer ids (MovieLens, numeric Parquet columns) must be non-negative integers of at most 18 digits (so they fit a 64-bit integer) in every format. An
         * id that is too long or negative gets its own message rather than the general one.
         */
        Checks integerIds(String column) {
            String c = Sql.id(column);
            add(column, "coalesce(regexp_full_match(" + c + ", '\\s*-?[0-9]{19,}(\\.0*)?\\s*'), false)",
                    "expected an integer id of at most 18 digits (it must fit a 64-bit integer)");
            add(column, "NOT coalesce(regexp_full_match(" + c + ", '\\s*-?[0-9]{1,18}(\\.0*)?\\s*'), false)",
                    "expected an integer id");
            return add(column, "coalesce(regexp_full_match(" + c + ", '\\s*-[0-9]+(\\.0*)?\\s*'), false)",
                    "expected a non-negative integer id");
        }

        /** Finite numbers; empty cells are allowed when {@code allowEmpty} (treated as missing). */
        Checks finiteNumbers(String column, boolean allowEmpty, String what) {
            String c = Sql.id(column);
            String d = "TRY_CAST(trim(" + c + ") AS DOUBLE)";
            String empty = c + " IS NULL OR trim(" + c + ") = ''";
            String bad = "(" + d + " IS NULL OR isnan(" + d + ") OR isinf(" + d + "))";
            return add(column, allowEmpty ? "NOT (" + empty + ") AND " + bad : "(" + empty + ") OR " + bad,
                    "expected " + what);
        }

        Checks labels(String column, String what) {
            String c = Sql.id(column);
            return add(column, "NOT coalesce(lower(trim(" + c + ")) IN ('0', '1', 'true', 'false') OR "
                    + "TRY_CAST(trim(" + c + ") AS DOUBLE) IN (0, 1), false)", "expected " + what);
        }

        Checks timestamps(String column) {
            String ts = timestampExpr(column);
            return add(column, ts + " IS NULL OR " + ts + " <= 0 OR " + ts + " > " + maxTimestamp,
                    "expected epoch seconds (or an ISO-8601 timestamp) between 1 and " + maxTimestamp
                            + " (now + 1 day)");
        }

        private Checks add(String column, String badCondition, String expectation) {
            checks.add(new String[] {column, badCondition, expectation});
            return this;
        }

        /** Fails on the first check (in the order added) that has an offending row, naming its first such row. */
        void verify() throws SQLException {
            if (checks.isEmpty()) return;
            StringBuilder sql = new StringBuilder("SELECT ");
            for (int i = 0; i < checks.size(); i++) {
                sql.append(i > 0 ? ", " : "").append("min(CASE WHEN ").append(checks.get(i)[1]).append(" THEN rowid END)");
            }
            String[] firstBad = Sql.firstRow(db, sql.append(" FROM ").append(table).toString());
            for (int i = 0; i < checks.size(); i++) {
                if (firstBad[i] == null) continue;
                String column = checks.get(i)[0];
                String[] value = Sql.firstRow(db, "SELECT " + Sql.id(column) + " FROM " + table + " WHERE rowid = "
                        + firstBad[i]);
                String got = value[0] == null ? "an empty value" : Ids.shown(value[0]);
                if (value[0] != null && value[0].trim().equalsIgnoreCase(column)) {
                    got += " (the header repeated as a data row, e.g. files concatenated with their headers?)";
                }
                throw new DataValidationException(file, Long.parseLong(firstBad[i]) + 1, column,
                        checks.get(i)[2] + ", got " + got);
            }
        }
    }

    // ---- conversions (only valid after the checks above) -----------------------------------------------------

    /**
     * The canonical text of an integer id: its decimal digits (integral decimals such as {@code 7.0}, e.g. from a
     * float Parquet column, are accepted and become {@code 7}).
     */
    static String intIdExpr(String column) {
        return "CAST(TRY_CAST(trim(" + Sql.id(column) + ") AS BIGINT) AS VARCHAR)";
    }

    /** The canonical text of a text id: as given, surrounding spaces trimmed. */
    static String textIdExpr(String column) {
        return "trim(" + Sql.id(column) + ")";
    }

    static String doubleExpr(String column) {
        String c = Sql.id(column);
        return "CASE WHEN trim(" + c + ") = '' THEN NULL ELSE TRY_CAST(trim(" + c + ") AS DOUBLE) END";
    }

    static String labelExpr(String column) {
        String c = Sql.id(column);
        return "CAST(CASE WHEN lower(trim(" + c + ")) IN ('1', 'true') OR TRY_CAST(trim(" + c
                + ") AS DOUBLE) = 1 THEN 1 ELSE 0 END AS INTEGER)";
    }

    /** Epoch seconds from an integer/decimal epoch-seconds value or an ISO-8601 timestamp (UTC unless offset). */
    static String timestampExpr(String column) {
        String c = "trim(" + Sql.id(column) + ")";
        return "(CASE WHEN regexp_full_match(" + c + ", '-?[0-9]+(\\.[0-9]*)?') THEN TRY_CAST(floor(TRY_CAST(" + c
                + " AS DOUBLE)) AS BIGINT) ELSE TRY_CAST(floor(epoch(TRY_CAST(" + c
                + " AS TIMESTAMPTZ))) AS BIGINT) END)";
    }
}
