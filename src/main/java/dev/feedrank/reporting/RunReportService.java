package dev.feedrank.reporting;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.persistence.GateCheckEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.persistence.RunMetricEntity;
import dev.feedrank.persistence.StageExecutionEntity;
import dev.feedrank.reporting.RunReport.CheckView;
import dev.feedrank.reporting.RunReport.CurvePoint;
import dev.feedrank.reporting.RunReport.GateView;
import dev.feedrank.reporting.RunReport.ModelView;
import dev.feedrank.reporting.RunReport.StageView;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Reads runs back from PostgreSQL into {@link RunReport}s. */
@ApplicationScoped
public class RunReportService {

    private final ObjectMapper json;

    public RunReportService(ObjectMapper json) {
        this.json = json;
    }

    public Optional<RunReport> report(long runId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            PipelineRunEntity run = PipelineRunEntity.findById(runId);
            return run == null ? Optional.<RunReport>empty() : Optional.of(toReport(run));
        });
    }

    public record Page(List<RunReport> items, int page, int size, long total) {
    }

    public Page list(String status, int page, int size) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = status == null || status.isBlank()
                    ? PipelineRunEntity.find("order by id desc")
                    : PipelineRunEntity.find("status = ?1 order by id desc", status.toUpperCase());
            long total = query.count();
            List<PipelineRunEntity> rows = query.page(page, size).list();
            List<RunReport> items = new ArrayList<>();
            for (PipelineRunEntity r : rows) items.add(toReport(r));
            return new Page(items, page, size, total);
        });
    }

    /** All metric rows of a run and the per-epoch training curve. */
    public Optional<Map<String, Object>> metrics(long runId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (PipelineRunEntity.findById(runId) == null) return Optional.<Map<String, Object>>empty();
            List<RunMetricEntity> rows = RunMetricEntity.list("runId = ?1 order by id", runId);
            Map<Integer, Map<String, Double>> byEpoch = new TreeMap<>();
            List<Map<String, Object>> flat = new ArrayList<>();
            for (RunMetricEntity m : rows) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("stage", m.stage);
                row.put("subject", m.subject);
                row.put("name", m.name);
                row.put("value", m.value);
                row.put("split", m.split);
                row.put("epoch", m.epoch);
                flat.add(row);
                if (m.epoch != null) byEpoch.computeIfAbsent(m.epoch, e -> new LinkedHashMap<>()).put(m.name, m.value);
            }
            List<CurvePoint> curve = new ArrayList<>();
            byEpoch.forEach((epoch, v) -> curve.add(new CurvePoint(epoch, v.get("train_loss"), v.get("val_auc"), v.get("learning_rate"))));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("runId", runId);
            out.put("curve", curve);
            out.put("metrics", flat);
            return Optional.of(out);
        });
    }

    private RunReport toReport(PipelineRunEntity run) {
        List<StageView> stages = new ArrayList<>();
        for (StageExecutionEntity s : StageExecutionEntity.<StageExecutionEntity>list("runId = ?1 order by id", run.id)) {
            stages.add(new StageView(s.stage, s.attempt, s.status, s.startedAt, s.finishedAt, s.durationMs, s.error,
                    readMap(s.outputs), s.progress));
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> baseline = new LinkedHashMap<>();
        for (RunMetricEntity m : RunMetricEntity.<RunMetricEntity>list("runId = ?1 and split = 'test' and epoch is null order by id", run.id)) {
            if ("model".equals(m.subject)) metrics.put(m.name, m.value);
            else if ("baseline".equals(m.subject)) baseline.put(m.name, m.value);
        }
        List<CheckView> checks = new ArrayList<>();
        for (GateCheckEntity c : GateCheckEntity.<GateCheckEntity>list("runId = ?1 order by id", run.id)) {
            checks.add(new CheckView(c.kind, c.metric, c.op, c.threshold, c.value, c.reference, c.passed, c.detail));
        }
        GateView gate = run.gatePassed == null ? null : new GateView(run.gatePassed, run.gateSummary, checks);
        ModelView model = null;
        if (run.modelVersion != null) {
            ModelVersionEntity v = ModelVersionEntity.findById(run.modelVersion);
            List<String> artifacts = new ArrayList<>();
            for (StageView s : stages) if (s.outputs() != null && "SUCCEEDED".equals(s.status())) artifacts.addAll(s.outputs().values());
            model = new ModelView(run.modelVersion, "PROMOTED".equals(run.outcome), v == null ? null : v.status, artifacts);
        }
        return new RunReport(run.id, run.trigger, run.status, run.dataset, run.outcome, run.error, run.createdAt,
                run.startedAt, run.finishedAt, stages, metrics, baseline, gate, model, readConfig(run.configSnapshot));
    }

    private Map<String, String> readMap(String text) {
        if (text == null) return null;
        try {
            return json.readValue(text, new TypeReference<LinkedHashMap<String, String>>() { });
        } catch (IOException e) {
            return Map.of("unreadable", text);
        }
    }

    private Map<String, Object> readConfig(String text) {
        if (text == null) return null;
        try {
            return json.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            return Map.of("unreadable", text);
        }
    }
}
