package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.persistence.DataValidationRepository;
import dev.feedrank.validation.DataValidationFailedException;
import dev.feedrank.validation.DataValidator;
import dev.feedrank.validation.DatasetProfile;
import dev.feedrank.validation.ValidationReport;
import dev.feedrank.validation.ValidationSettings;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * validate-data: checks the prepared dataset before any training ({@link DataValidator}), against the settings and
 * against the last successful run on the same dataset spec. Records the dataset's profile (for the next run) and the
 * report; a failed check of severity error fails the run with a {@link DataValidationFailedException} listing every
 * failed check, warnings are recorded only.
 */
@ApplicationScoped
public class ValidateDataStage implements Stage {

    private final DatasetHandoff datasets;
    private final DataValidationRepository reports;

    public ValidateDataStage(DatasetHandoff datasets, DataValidationRepository reports) {
        this.datasets = datasets;
        this.reports = reports;
    }

    @Override
    public String name() {
        return DataValidationRepository.STAGE;
    }

    @Override
    public int order() {
        return 15;
    }

    @Override
    public void execute(StageContext ctx) throws Exception {
        ValidationSettings settings = ValidationSettings.from(ctx.config().validation());
        PreparedDataset ds = datasets.dataset(ctx);
        Map<String, Double> profile = DataValidator.profile(ds);
        for (var e : profile.entrySet()) {
            ctx.metric(DataValidationRepository.SUBJECT, DatasetProfile.name(e.getKey()), e.getValue(),
                    DatasetProfile.split(e.getKey()), null);
        }
        if (!settings.enabled()) {
            ctx.progress("data validation disabled (validation.enabled=false); dataset profile recorded");
            return;
        }
        Optional<DatasetProfile> previous = reports.previousProfile(ctx.runId(), ctx.dataset());
        ValidationReport report = new DataValidator(settings).validate(ds, previous.orElse(null), Instant.now());
        reports.save(ctx.runId(), report);
        ctx.progress(report.summary());
        if (!report.passed()) throw new DataValidationFailedException(report);
    }
}
