package dev.feedrank.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a MovieLens folder; the layout is auto-detected: 100K ({@code u.data}, {@code u.item}, {@code u.user}),
 * 1M ({@code ratings.dat}, {@code movies.dat}, {@code users.dat}) or latest ({@code ratings.csv}, {@code movies.csv}).
 * A rating is an interaction: click = 1, like = rating >= 4, share = rating == 5. Ids are integers, kept as their
 * decimal text (see {@link Ids}).
 */
final class MovieLensReader {
    static final List<String> ML100K_GENRES = List.of("unknown", "Action", "Adventure", "Animation", "Children's",
            "Comedy", "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
            "Romance", "Sci-Fi", "Thriller", "War", "Western");
    private static final String LATIN1 = "latin-1";
    private static final String UTF8 = "utf-8";

    private final Connection db;
    private final InputValidator check;
    private final List<Path> inputs = new ArrayList<>();

    MovieLensReader(Connection db) {
        this.db = db;
        this.check = new InputValidator(db);
    }

    SourceTables load(Path folder) throws SQLException {
        if (!Files.isDirectory(folder)) {
            throw InputValidator.missingFile(folder.getFileName().toString(), folder.getParent() == null ? folder
                    : folder.getParent(), "a MovieLens folder " + folder.getFileName());
        }
        Path f;
        if ((f = InputValidator.find(folder, "ratings.csv")) != null) return latest(folder, f);
        if ((f = InputValidator.find(folder, "ratings.dat")) != null) return ml1m(folder, f);
        if ((f = InputValidator.find(folder, "u.data")) != null) return ml100k(folder, f);
        throw InputValidator.missingFile("ratings.csv", folder,
                "a MovieLens ratings file (u.data for 100K, ratings.dat for 1M, ratings.csv for latest)");
    }

    // ---- layouts ---------------------------------------------------------------------------------------------

    private SourceTables ml100k(Path folder, Path ratings) throws SQLException {
        check.loadDelimited("raw_ratings", ratings, "\t", List.of("user_id", "item_id", "rating", "timestamp"), UTF8);
        ratings(ratings, "user_id", "item_id", "rating", "timestamp");

        Path movies = require(folder, "u.item", "the 100K item file u.item");
        List<String> cols = new ArrayList<>(List.of("movie_id", "title", "release_date", "video_release_date",
                "imdb_url"));
        for (int g = 0; g < ML100K_GENRES.size(); g++) cols.add("genre_" + g);
        check.loadDelimited("raw_movies", movies, "|", cols, LATIN1);
        String file = name(movies);
        InputValidator.Checks checks = check.values("raw_movies", file).integerIds("movie_id");
        for (int g = 0; g < ML100K_GENRES.size(); g++) {
            checks.labels("genre_" + g, "a 0/1 genre flag (" + ML100K_GENRES.get(g) + ")");
        }
        checks.verify();
        check.requireUnique("raw_movies", file, "movie_id", InputValidator.intIdExpr("movie_id"));
        List<String> features = new ArrayList<>();
        StringBuilder select = new StringBuilder(InputValidator.intIdExpr("movie_id") + " AS item_id");
        for (int g = 0; g < ML100K_GENRES.size(); g++) {
            String feature = "genre:" + ML100K_GENRES.get(g);
            features.add(feature);
            select.append(", CAST(").append(InputValidator.labelExpr("genre_" + g)).append(" AS DOUBLE) AS ")
                    .append(Sql.id(feature));
        }
        select.append(", TRY_CAST(right(trim(release_date), 4) AS DOUBLE) AS year");
        Sql.exec(db, "CREATE TABLE items_raw AS SELECT " + select + " FROM raw_movies");
        inputs.add(movies);
        List<String> itemFeatures = new ArrayList<>(features);
        itemFeatures.add("year");

        Path users = InputValidator.find(folder, "u.user");
        List<String> userFeatures = users == null ? noUsers()
                : users(users, "|", List.of("user_id", "age", "gender", "occupation", "zip_code"), "user_id");
        return new SourceTables("movielens-100k", inputs, name(ratings), itemFeatures, features, userFeatures);
    }

    private SourceTables ml1m(Path folder, Path ratings) throws SQLException {
        check.loadDelimited("raw_ratings", ratings, "::", List.of("UserID", "MovieID", "Rating", "Timestamp"), UTF8);
        ratings(ratings, "UserID", "MovieID", "Rating", "Timestamp");
        Path movies = require(folder, "movies.dat", "the 1M movie file movies.dat");
        check.loadDelimited("raw_movies", movies, "::", List.of("MovieID", "Title", "Genres"), LATIN1);
        List<String> genres = movies(movies, "MovieID", "Title", "Genres");
        Path users = InputValidator.find(folder, "users.dat");
        List<String> userFeatures = users == null ? noUsers()
                : users(users, "::", List.of("UserID", "Gender", "Age", "Occupation", "Zip-code"), "UserID");
        return new SourceTables("movielens-1m", inputs, name(ratings), withYear(genres), genres, userFeatures);
    }

    private SourceTables latest(Path folder, Path ratings) throws SQLException {
        check.loadCsvWithHeader("raw_ratings", ratings, UTF8);
        check.requireColumns("raw_ratings", name(ratings), List.of("userId", "movieId", "rating", "timestamp"));
        ratings(ratings, "userId", "movieId", "rating", "timestamp");
        Path movies = require(folder, "movies.csv", "the movie file movies.csv");
        check.loadCsvWithHeader("raw_movies", movies, UTF8);
        check.requireColumns("raw_movies", name(movies), List.of("movieId", "title", "genres"));
        List<String> genres = movies(movies, "movieId", "title", "genres");
        return new SourceTables("movielens-latest", inputs, name(ratings), withYear(genres), genres, noUsers());
    }

    // ---- tables ----------------------------------------------------------------------------------------------

    private void ratings(Path ratings, String user, String item, String rating, String ts) throws SQLException {
        String file = name(ratings);
        check.requireRows("raw_ratings", file, "rating");
        check.values("raw_ratings", file).integerIds(user).integerIds(item)
                .finiteNumbers(rating, false, "a numeric rating").timestamps(ts).verify();
        String r = "TRY_CAST(trim(" + Sql.id(rating) + ") AS DOUBLE)";
        Sql.exec(db, "CREATE TABLE interactions AS SELECT " + InputValidator.intIdExpr(user) + " AS user_id, "
                + InputValidator.intIdExpr(item) + " AS item_id, " + InputValidator.timestampExpr(ts) + " AS ts, "
                + "1 AS click, CAST(" + r + " >= 4 AS INTEGER) AS \"like\", CAST(" + r + " = 5 AS INTEGER) AS \"share\", "
                + "rowid AS src_row FROM raw_ratings");
        inputs.add(ratings);
    }

    /** 1M / latest movies: {@code Title (Year)} and {@code Genre|Genre}; returns the genre feature names. */
    private List<String> movies(Path movies, String id, String title, String genresColumn) throws SQLException {
        String file = name(movies);
        check.values("raw_movies", file).integerIds(id).verify();
        check.requireUnique("raw_movies", file, id, InputValidator.intIdExpr(id));
        List<String> genres = Sql.strings(db, "SELECT DISTINCT g FROM (SELECT unnest(string_split(trim("
                + Sql.id(genresColumn) + "), '|')) AS g FROM raw_movies) WHERE g <> '' AND g <> '(no genres listed)' "
                + "ORDER BY g");
        List<String> features = new ArrayList<>();
        StringBuilder select = new StringBuilder(InputValidator.intIdExpr(id) + " AS item_id");
        for (String g : genres) {
            features.add("genre:" + g);
            select.append(", CAST(list_contains(string_split(trim(").append(Sql.id(genresColumn)).append("), '|'), ")
                    .append(Sql.str(g)).append(") AS DOUBLE) AS ").append(Sql.id("genre:" + g));
        }
        select.append(", TRY_CAST(regexp_extract(").append(Sql.id(title))
                .append(", '\\((\\d{4})[^)]*\\)\\s*$', 1) AS DOUBLE) AS year");
        Sql.exec(db, "CREATE TABLE items_raw AS SELECT " + select + " FROM raw_movies");
        inputs.add(movies);
        return features;
    }

    /** 100K / 1M users: id, age (numeric), gender and occupation (one-hot); the zip code is not used. */
    private List<String> users(Path users, String delimiter, List<String> columns, String id) throws SQLException {
        String file = name(users);
        String age = columns.stream().filter(c -> c.equalsIgnoreCase("age")).findFirst().orElseThrow();
        String gender = columns.stream().filter(c -> c.equalsIgnoreCase("gender")).findFirst().orElseThrow();
        String occupation = columns.stream().filter(c -> c.equalsIgnoreCase("occupation")).findFirst().orElseThrow();
        check.loadDelimited("raw_users", users, delimiter, columns, LATIN1);
        check.values("raw_users", file).integerIds(id).finiteNumbers(age, false, "a numeric age").verify();
        check.requireUnique("raw_users", file, id, InputValidator.intIdExpr(id));
        List<String> features = new ArrayList<>(List.of("age"));
        StringBuilder select = new StringBuilder(InputValidator.intIdExpr(id) + " AS user_id, "
                + InputValidator.doubleExpr(age) + " AS age");
        for (String[] categorical : new String[][] {{gender, "gender"}, {occupation, "occupation"}}) {
            String col = "trim(" + Sql.id(categorical[0]) + ")";
            for (String v : Sql.strings(db, "SELECT DISTINCT " + col + " FROM raw_users WHERE " + col
                    + " <> '' ORDER BY 1")) {
                String feature = categorical[1] + ":" + v;
                features.add(feature);
                select.append(", CAST(").append(col).append(" = ").append(Sql.str(v)).append(" AS DOUBLE) AS ")
                        .append(Sql.id(feature));
            }
        }
        Sql.exec(db, "CREATE TABLE users_raw AS SELECT " + select + " FROM raw_users");
        inputs.add(users);
        return features;
    }

    private List<String> noUsers() throws SQLException {
        SourceTables.createEmptyEntityTables(db, false, true);
        return List.of();
    }

    private static List<String> withYear(List<String> genres) {
        List<String> out = new ArrayList<>(genres);
        out.add("year");
        return out;
    }

    private static Path require(Path folder, String file, String description) {
        Path p = InputValidator.find(folder, file);
        if (p == null) throw InputValidator.missingFile(file, folder, description);
        return p;
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }
}
