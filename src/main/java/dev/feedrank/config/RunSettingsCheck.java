package dev.feedrank.config;

/**
 * What the domain packages check of a run's settings before it is recorded: a value that would only fail at its
 * stage (a gate threshold, a loss name, a device, an ANN parameter, a dataset location outside the allow-list) is
 * refused up front, naming the key. Implemented where every domain is known ({@code stages.RunSettingsChecks}), so
 * that {@code config} imports none of them.
 */
public interface RunSettingsCheck {

    /** @throws IllegalArgumentException naming the key, when a value would fail the run later */
    void check(FeedrankConfig config);

    /**
     * The dataset spec a trigger asked for, checked against {@code data.allowed-locations} before any run is
     * recorded.
     *
     * @throws IllegalArgumentException for an unknown spec or a location outside the list (a symlink in the dataset
     *                                  folder leading out included)
     */
    String checkDataset(String spec, FeedrankConfig config);
}
