package dev.feedrank.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package order of docs/architecture.md holds in the production sources: a package refers (by import or by a
 * qualified name in code; comments and string literals aside) only to packages below it in that table.
 */
class PackageArrowsTest {

    /** Top to bottom, as in docs/architecture.md. */
    static final List<String> ORDER = List.of("cli", "ui", "rest", "kubernetes", "stages", "serving", "registry",
            "reporting", "persistence", "orchestration", "training", "evaluation", "ann", "model", "validation",
            "gating", "data", "storage", "config", "errors");

    private static final Path MAIN = Path.of("src/main/java/dev/feedrank");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.feedrank\\.([a-z]+)\\.[A-Za-z]");

    @Test
    void noPackageRefersToOneAboveIt() throws IOException {
        Map<String, TreeSet<String>> wrong = new TreeMap<>();
        List<String> packages = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(MAIN)) {
            dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(ORDER), new TreeSet<>(packages),
                "every production package has its row in docs/architecture.md and in ORDER");
        for (String pkg : packages) {
            int level = ORDER.indexOf(pkg);
            try (Stream<Path> files = Files.walk(MAIN.resolve(pkg))) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    Matcher m = REFERENCE.matcher(code(Files.readString(f)));
                    while (m.find()) {
                        String target = m.group(1);
                        int to = ORDER.indexOf(target);
                        if (!target.equals(pkg) && to >= 0 && to < level) {
                            wrong.computeIfAbsent(pkg + " -> " + target, k -> new TreeSet<>()).add(f.getFileName().toString());
                        }
                    }
                }
            }
        }
        assertTrue(wrong.isEmpty(), "references to a package above: " + wrong);
    }

    @Test
    void theArchitecturePageListsThePackagesInThisOrder() throws IOException {
        String page = Files.readString(Path.of("docs/architecture.md"));
        List<String> rows = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z]+)` \\|").matcher(page);
        while (m.find()) rows.add(m.group(1));
        assertEquals(ORDER, rows);
    }

    /** The source without comments, string and character literals. */
    static String code(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
                while (i < n && src.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
                int end = src.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && src.charAt(i) != c) i += src.charAt(i) == '\\' ? 2 : 1;
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
