package dev.feedrank.cli;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** Options every command takes (applied before boot by {@link LaunchArgs}; declared here for parsing and help). */
public class CommonOptions {

    @Option(names = "--dataset", paramLabel = "SPEC",
            description = "synthetic (default), movielens:PATH, csv:PATH or parquet:PATH (PATH may be s3://bucket/prefix)")
    String dataset;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override any feedrank.* setting, without the prefix, e.g. --set train.epochs=3 (repeatable)")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--no-cache", description = "recompute the prepared dataset even when its content hash is unchanged (= --set cache=false)")
    boolean noCache;

    @Option(names = "--local", description = "start an embedded PostgreSQL and S3 server under ./.feedrank when none is configured")
    boolean local;
}
