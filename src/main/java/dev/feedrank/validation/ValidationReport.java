package dev.feedrank.validation;

import java.util.List;
import java.util.stream.Collectors;

/** Every check of one run's data validation; it passes when no check of severity ERROR failed. */
public record ValidationReport(List<ValidationCheck> checks, Long previousRunId) {

    public boolean passed() {
        return checks.stream().noneMatch(ValidationCheck::blocking);
    }

    public List<ValidationCheck> errors() {
        return checks.stream().filter(ValidationCheck::blocking).toList();
    }

    public List<ValidationCheck> warnings() {
        return checks.stream().filter(ValidationCheck::warned).toList();
    }

    /** One line: the verdict, counts, and every failed check with its values. */
    public String summary() {
        List<ValidationCheck> errors = errors();
        List<ValidationCheck> warnings = warnings();
        StringBuilder sb = new StringBuilder("data validation ").append(passed() ? "passed" : "failed").append(": ");
        if (!errors.isEmpty()) {
            sb.append(errors.size()).append(" of ").append(checks.size()).append(" checks failed: ")
                    .append(errors.stream().map(ValidationCheck::describe).collect(Collectors.joining("; ")));
        } else {
            sb.append(checks.size()).append(" checks");
        }
        sb.append(previousRunId == null ? "; no earlier successful run on this dataset to compare with"
                : "; compared with run " + previousRunId);
        if (!warnings.isEmpty()) {
            sb.append("; warnings: ").append(warnings.stream().map(ValidationCheck::describe)
                    .collect(Collectors.joining("; ")));
        }
        return sb.toString();
    }
}
