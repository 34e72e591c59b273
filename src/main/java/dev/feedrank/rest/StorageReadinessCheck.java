package dev.feedrank.rest;

import dev.feedrank.storage.ObjectStorage;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import jakarta.enterprise.context.ApplicationScoped;

/** Readiness covers the S3 store (PostgreSQL is covered by the datasource's own check). */
@Readiness
@ApplicationScoped
public class StorageReadinessCheck implements HealthCheck {

    private final ObjectStorage storage;

    public StorageReadinessCheck(ObjectStorage storage) {
        this.storage = storage;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            storage.ping();
            return HealthCheckResponse.named("object-storage").up().withData("bucket", storage.bucket()).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("object-storage").down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
