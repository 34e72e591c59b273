package dev.feedrank.registry;

import dev.feedrank.data.FeatureTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle's id file ({@code user_ids.csv}, {@code item_ids.csv}): UTF-8 CSV (RFC 4180) with the header
 * {@code row,id,vocab_index}; row i is row i of the embedding and feature matrices. Ids are text exactly as prepared
 * (e.g. {@code item:123}, {@code 42}); an id holding a comma, a double quote, a line break or surrounding spaces is
 * quoted, with its quotes doubled.
 */
final class IdCsv {
    static final String HEADER = "row,id,vocab_index";

    /** One row of an id file. */
    record Row(String id, int vocabIndex) {
    }

    private IdCsv() {
    }

    static byte[] write(FeatureTable t) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (int r = 0; r < t.rows(); r++) {
            sb.append(r).append(',').append(field(t.ids()[r])).append(',').append(t.vocabIndex()[r]).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String field(String value) {
        boolean quote = value.isEmpty() || !value.equals(value.strip()) || value.chars().anyMatch(ch -> ch == ','
                || ch == '"' || ch == '\n' || ch == '\r');
        return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }

    /** The rows of an id file, in order; fails on anything but three fields per row with an integer first and last. */
    static List<Row> read(byte[] bytes, String name) throws IOException {
        List<List<String>> records = parse(new String(bytes, StandardCharsets.UTF_8), name);
        if (records.isEmpty() || !String.join(",", records.get(0)).equals(HEADER)) {
            throw new IOException(name + ": expected the header " + HEADER);
        }
        List<Row> rows = new ArrayList<>(records.size() - 1);
        for (int i = 1; i < records.size(); i++) {
            List<String> rec = records.get(i);
            try {
                if (rec.size() != 3 || Integer.parseInt(rec.get(0).trim()) != i - 1) throw new NumberFormatException();
                rows.add(new Row(rec.get(1), Integer.parseInt(rec.get(2).trim())));
            } catch (NumberFormatException e) {
                throw new IOException(name + " line " + (i + 1) + ": expected row " + (i - 1) + ",id,vocab_index, found "
                        + rec.size() + " fields " + (rec.size() <= 3 ? rec : rec.subList(0, 3) + "..."));
            }
        }
        return rows;
    }

    /** RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF). */
    private static List<List<String>> parse(String text, String name) throws IOException {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch != '"') field.append(ch);
                else if (i + 1 < text.length() && text.charAt(i + 1) == '"') field.append(text.charAt(++i));
                else quoted = false;
            } else if (ch == '"' && field.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (ch == ',') {
                record.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                record.add(field.toString());
                records.add(record);
                record = new ArrayList<>();
                field.setLength(0);
                wasQuoted = false;
            } else {
                field.append(ch);
            }
        }
        if (quoted) throw new IOException(name + ": a quoted field is not closed");
        if (field.length() > 0 || !record.isEmpty() || wasQuoted) {
            record.add(field.toString());
            records.add(record);
        }
        return records;
    }
}
