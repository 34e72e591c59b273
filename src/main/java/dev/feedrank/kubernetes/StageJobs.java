package dev.feedrank.kubernetes;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.orchestration.StageAttempt;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Kubernetes Job of one stage attempt: same image as the server, args {@code stage RUN_ID STAGE ATTEMPT}, the
 * server's configuration through envFrom, per-stage resources ({@code stages.resources.<stage>.*}), no Kubernetes
 * retries ({@code backoffLimit: 0}: feedrank owns retries), a deadline from the stage timeout, a TTL after it finished,
 * and labels naming the run, stage and attempt.
 */
public final class StageJobs {

    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_PIPELINE = "feedrank.dev/pipeline";
    public static final String LABEL_RUN = "feedrank.dev/run-id";
    public static final String LABEL_STAGE = "feedrank.dev/stage";
    public static final String LABEL_ATTEMPT = "feedrank.dev/attempt";
    public static final String ANNOTATION_EXECUTION = "feedrank.dev/stage-execution-id";
    public static final String CONTAINER = "stage";
    public static final String GPU_RESOURCE = "nvidia.com/gpu";
    /** Seconds the pod gets after the stage timeout (and after SIGTERM) to checkpoint and record its result. */
    static final int DEADLINE_MARGIN_SECONDS = 15;

    private StageJobs() {
    }

    /**
     * {@code feedrank-<run>-<stage>-<attempt>}: one name per attempt (creating it twice fails, so an attempt never runs
     * in two Jobs), DNS-1123, at most 63 characters (the stage part is shortened if it must be).
     */
    public static String jobName(long runId, String stage, int attempt) {
        String head = "feedrank-" + runId + "-";
        String tail = "-" + attempt;
        String s = dnsLabel(stage);
        int room = 63 - head.length() - tail.length();
        if (s.length() > room) s = trimDashes(s.substring(0, Math.max(0, room)));
        return head + (s.isEmpty() ? "stage" : s) + tail;
    }

    /** The labels of an attempt's Job and pod; the run, stage and attempt select it. */
    public static Map<String, String> labels(StageAttempt a) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put(LABEL_NAME, "feedrank-stage");
        l.put(LABEL_COMPONENT, "stage-worker");
        l.put(LABEL_MANAGED_BY, "feedrank");
        l.put(LABEL_PIPELINE, labelValue(a.pipeline()));
        l.put(LABEL_RUN, Long.toString(a.runId()));
        l.put(LABEL_STAGE, labelValue(a.stage()));
        l.put(LABEL_ATTEMPT, Integer.toString(a.attempt()));
        return l;
    }

    /** The Job of the attempt under the given settings. */
    public static Job job(StageAttempt a, FeedrankConfig.Stages stages, int shutdownGraceSeconds) {
        FeedrankConfig.Stages.Kubernetes k = stages.kubernetes();
        Optional<FeedrankConfig.Stages.Resources> res = Optional.ofNullable(stages.resources().get(a.stage()));
        String image = res.flatMap(FeedrankConfig.Stages.Resources::image).filter(s -> !s.isBlank())
                .or(() -> k.image().filter(s -> !s.isBlank()))
                .orElseThrow(() -> new IllegalStateException("stages.kubernetes.image is not set: the stage Jobs run the "
                        + "server's image (e.g. FEEDRANK_STAGES_KUBERNETES_IMAGE)"));
        Map<String, String> labels = labels(a);
        int grace = Math.max(1, shutdownGraceSeconds) + DEADLINE_MARGIN_SECONDS;

        List<EnvFromSource> envFrom = new ArrayList<>();
        k.envFromConfigMaps().orElse(List.of()).forEach(n -> envFrom.add(new EnvFromSourceBuilder()
                .withNewConfigMapRef().withName(n).endConfigMapRef().build()));
        k.envFromSecrets().orElse(List.of()).forEach(n -> envFrom.add(new EnvFromSourceBuilder()
                .withNewSecretRef().withName(n).endSecretRef().build()));
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("DJL_OFFLINE", "true", null)); // DJL never downloads, in the Job as in the server
        if (res.flatMap(FeedrankConfig.Stages.Resources::cpu).isPresent()) {
            // libtorch sizes its thread pool by the node's cores unless told otherwise: the CPU limit, whole cores
            env.add(new EnvVarBuilder().withName("OMP_NUM_THREADS").withNewValueFrom().withNewResourceFieldRef()
                    .withContainerName(CONTAINER).withResource("limits.cpu").withDivisor(new Quantity("1"))
                    .endResourceFieldRef().endValueFrom().build());
        }

        ContainerBuilder container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withImagePullPolicy(k.imagePullPolicy())
                .withArgs(a.workerArguments())
                .withEnv(env)
                .withEnvFrom(envFrom)
                .withResources(resources(res))
                .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(false)
                    .withReadOnlyRootFilesystem(true)
                    .withRunAsNonRoot(true)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount();
        k.command().filter(c -> !c.isEmpty()).ifPresent(container::withCommand);
        Container c = container.build();

        Map<String, String> nodeSelector = keyValues(res.flatMap(FeedrankConfig.Stages.Resources::nodeSelector)
                .orElse(List.of()), "stages.resources." + a.stage() + ".node-selector");
        List<Toleration> tolerations = res.flatMap(FeedrankConfig.Stages.Resources::tolerations).orElse(List.of())
                .stream().map(StageJobs::toleration).toList();
        List<LocalObjectReference> pullSecrets = k.imagePullSecrets().orElse(List.of()).stream()
                .map(n -> new LocalObjectReference(n)).toList();

        JobBuilder job = new JobBuilder()
                .withNewMetadata()
                    .withName(jobName(a.runId(), a.stage(), a.attempt()))
                    .withLabels(labels)
                    .addToAnnotations(ANNOTATION_EXECUTION, Long.toString(a.stageExecutionId()))
                .endMetadata()
                .withNewSpec()
                    .withBackoffLimit(0)
                    .withTtlSecondsAfterFinished(k.ttlSecondsAfterFinished())
                    .withActiveDeadlineSeconds(a.timeoutSeconds() > 0 ? a.timeoutSeconds() + grace : null)
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withServiceAccountName(k.serviceAccount().filter(s -> !s.isBlank()).orElse(null))
                            .withAutomountServiceAccountToken(false)
                            .withTerminationGracePeriodSeconds((long) grace)
                            .withNewSecurityContext()
                                .withRunAsNonRoot(true)
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                            .endSecurityContext()
                            .withContainers(c)
                            .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
                            .withTolerations(tolerations.isEmpty() ? null : tolerations)
                            .withImagePullSecrets(pullSecrets.isEmpty() ? null : pullSecrets)
                            .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                        .endSpec()
                    .endTemplate()
                .endSpec();
        return job.build();
    }

    private static ResourceRequirements resources(Optional<FeedrankConfig.Stages.Resources> res) {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        Map<String, Quantity> limits = new LinkedHashMap<>();
        res.flatMap(FeedrankConfig.Stages.Resources::cpu).filter(s -> !s.isBlank()).ifPresent(cpu -> {
            requests.put("cpu", new Quantity(cpu));
            limits.put("cpu", new Quantity(cpu));
        });
        res.flatMap(FeedrankConfig.Stages.Resources::memory).filter(s -> !s.isBlank()).ifPresent(m -> {
            requests.put("memory", new Quantity(m));
            limits.put("memory", new Quantity(m));
        });
        res.ifPresent(r -> r.gpu().ifPresent(g -> {
            if (g > 0) limits.put(GPU_RESOURCE, new Quantity(Integer.toString(g))); // extended resource: limit only
        }));
        ResourceRequirementsBuilder b = new ResourceRequirementsBuilder();
        if (!requests.isEmpty()) b.withRequests(requests);
        if (!limits.isEmpty()) b.withLimits(limits);
        return b.build();
    }

    /** {@code key[=value][:effect]}; without a value the operator is Exists. */
    static Toleration toleration(String spec) {
        String s = spec.trim();
        String effect = null;
        int colon = s.lastIndexOf(':');
        if (colon >= 0) {
            effect = s.substring(colon + 1).trim();
            s = s.substring(0, colon).trim();
            if (!List.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
                throw new IllegalArgumentException("toleration '" + spec + "': effect must be NoSchedule, PreferNoSchedule or NoExecute");
            }
        }
        int eq = s.indexOf('=');
        TolerationBuilder t = new TolerationBuilder().withEffect(effect);
        if (eq < 0) {
            t.withKey(s.isEmpty() ? null : s).withOperator("Exists");
        } else {
            t.withKey(s.substring(0, eq).trim()).withOperator("Equal").withValue(s.substring(eq + 1).trim());
        }
        return t.build();
    }

    private static Map<String, String> keyValues(List<String> items, String what) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException(what + ": '" + item + "' is not key=value");
            out.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
        }
        return out;
    }

    /** Whether the Job has ended: a Complete or Failed condition, or a succeeded or failed pod (backoffLimit 0). */
    public static boolean finished(Job job) {
        return succeeded(job) || failed(job);
    }

    public static boolean succeeded(Job job) {
        return condition(job, "Complete") || (job.getStatus() != null && job.getStatus().getSucceeded() != null
                && job.getStatus().getSucceeded() > 0);
    }

    public static boolean failed(Job job) {
        return condition(job, "Failed") || (job.getStatus() != null && job.getStatus().getFailed() != null
                && job.getStatus().getFailed() > 0);
    }

    /** The Failed condition's reason and message (e.g. DeadlineExceeded), or the pod count. */
    public static String failure(Job job) {
        if (job.getStatus() != null && job.getStatus().getConditions() != null) {
            for (JobCondition c : job.getStatus().getConditions()) {
                if ("Failed".equals(c.getType()) && "True".equals(c.getStatus())) {
                    return (c.getReason() == null ? "Failed" : c.getReason()) + (c.getMessage() == null ? "" : ": " + c.getMessage());
                }
            }
        }
        return "failed pods: " + (job.getStatus() == null ? 0 : job.getStatus().getFailed());
    }

    private static boolean condition(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) return false;
        return job.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static String dnsLabel(String s) {
        String out = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
        return trimDashes(out);
    }

    /** A valid label value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
    static String labelValue(String s) {
        String out = s.replaceAll("[^A-Za-z0-9._-]+", "-");
        if (out.length() > 63) out = out.substring(0, 63);
        return out.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }

    private static String trimDashes(String s) {
        return s.replaceAll("^-+", "").replaceAll("-+$", "");
    }
}
