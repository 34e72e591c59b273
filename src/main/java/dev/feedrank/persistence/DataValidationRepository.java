package dev.feedrank.persistence;

import dev.feedrank.validation.DatasetProfile;
import dev.feedrank.validation.ValidationCheck;
import dev.feedrank.validation.ValidationReport;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Data-validation reports (one row per check) and the dataset profiles they compare: a profile is the run's
 * {@code run_metric} rows of stage {@code validate-data}, subject {@code dataset}.
 */
@ApplicationScoped
public class DataValidationRepository {

    public static final String STAGE = "validate-data";
    public static final String SUBJECT = "dataset";

    /** Stores the report of a run, replacing earlier rows (a retried stage reports again). */
    public void save(long runId, ValidationReport report) {
        QuarkusTransaction.requiringNew().run(() -> {
            DataValidationCheckEntity.delete("runId", runId);
            for (ValidationCheck c : report.checks()) {
                DataValidationCheckEntity e = new DataValidationCheckEntity();
                e.runId = runId;
                e.name = c.name();
                e.scope = c.scope();
                e.severity = c.severity().lower();
                e.passed = c.passed();
                e.observed = finiteOrNull(c.observed());
                e.expected = c.expected();
                e.previous = finiteOrNull(c.previous());
                e.previousRunId = c.previousRunId();
                e.detail = c.detail();
                e.persist();
            }
        });
    }

    /**
     * The profile of the last SUCCEEDED run on the same dataset spec, other than {@code runId}, that recorded one
     * (runs from before data validation existed have none and are passed over).
     */
    public Optional<DatasetProfile> previousProfile(long runId, String dataset) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Long> ids = PipelineRunEntity.getEntityManager().createQuery(
                            "select r.id from PipelineRunEntity r where r.status = 'SUCCEEDED' and r.dataset = ?1 "
                                    + "and r.id <> ?2 and exists (select 1 from RunMetricEntity m where m.runId = r.id "
                                    + "and m.stage = ?3 and m.subject = ?4) order by r.id desc", Long.class)
                    .setParameter(1, dataset).setParameter(2, runId).setParameter(3, STAGE).setParameter(4, SUBJECT)
                    .setMaxResults(1).getResultList();
            if (ids.isEmpty()) return Optional.<DatasetProfile>empty();
            long previous = ids.get(0);
            Map<String, Double> values = new LinkedHashMap<>();
            for (RunMetricEntity m : RunMetricEntity.<RunMetricEntity>list(
                    "runId = ?1 and stage = ?2 and subject = ?3 and epoch is null order by id", previous, STAGE, SUBJECT)) {
                values.put(DatasetProfile.key(m.name, m.split), m.value);
            }
            return Optional.of(new DatasetProfile(previous, values));
        });
    }

    private static Double finiteOrNull(Double d) {
        return d == null || !Double.isFinite(d) ? null : d;
    }
}
