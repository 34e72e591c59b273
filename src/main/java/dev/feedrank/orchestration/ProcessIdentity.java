package dev.feedrank.orchestration;

import java.lang.management.ManagementFactory;
import java.util.UUID;

/** Identifies this process as the owner of the runs it executes. */
public final class ProcessIdentity {
    private static final String ID = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);

    private ProcessIdentity() {
    }

    public static String id() {
        return ID;
    }
}
