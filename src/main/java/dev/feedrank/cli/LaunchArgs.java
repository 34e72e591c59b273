package dev.feedrank.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What must be known before Quarkus boots: the subcommand (one-shot commands run without HTTP and scheduler),
 * {@code --local} (embedded services must be up before the datasource starts) and the {@code --set} overrides
 * (they become {@code feedrank.*} system properties so every part of the process sees them).
 */
public record LaunchArgs(String command, boolean local, boolean json, String dataset, Map<String, String> sets) {

    private static final Set<String> VALUE_OPTIONS = Set.of("--dataset", "--set");

    public static LaunchArgs scan(String... args) {
        String command = null;
        boolean local = false;
        boolean json = false;
        String dataset = null;
        Map<String, String> sets = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--local")) {
                local = true;
            } else if (a.equals("--json")) {
                json = true;
            } else if (a.equals("--no-cache")) {
                sets.put("cache", "false");
            } else if (a.equals("--set") && i + 1 < args.length) {
                put(sets, args[++i]);
            } else if (a.startsWith("--set=")) {
                put(sets, a.substring("--set=".length()));
            } else if (a.equals("--dataset") && i + 1 < args.length) {
                dataset = args[++i];
            } else if (a.startsWith("--dataset=")) {
                dataset = a.substring("--dataset=".length());
            } else if (VALUE_OPTIONS.contains(a)) {
                i++;
            } else if (command == null && !a.startsWith("-")) {
                command = a;
            }
        }
        return new LaunchArgs(command == null ? "serve" : command, local, json, dataset, sets);
    }

    private static void put(Map<String, String> sets, String kv) {
        int eq = kv.indexOf('=');
        if (eq > 0) sets.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }

    public boolean oneShot() {
        return !command.equals("serve");
    }
}
