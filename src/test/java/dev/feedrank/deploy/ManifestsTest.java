package dev.feedrank.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Static checks of the deployment files: k8s/ (kustomize), docker-compose.yml and
 * src/main/docker/Dockerfile.jvm. Pure file parsing plus reflection over {@code FeedrankConfig}:
 * no cluster, no Docker engine, no Quarkus boot.
 */
class ManifestsTest {

    private static final String CONFIG_CLASS = "dev.feedrank.config.FeedrankConfig";
    private static final String APP_NAME = "feedrank";
    private static final String CRONJOB_NAME = "feedrank-retrain";

    /** Shared configuration of both variants (no workload). */
    private static final String BASE_DIR = "k8s/base";
    /** Server variant: Deployment (API + cron), Service, PodDisruptionBudget. */
    private static final String DEPLOYMENT_DIR = "k8s/deployment";
    /** CronJob variant: "feedrank run" once per schedule. */
    private static final String CRONJOB_DIR = "k8s/cronjob";
    private static final String DEV_DIR = "k8s/overlays/dev";
    private static final String DEV_CRONJOB_DIR = "k8s/overlays/dev-cronjob";
    /** Server variant with the kubernetes stage executor (each stage attempt a Job), train on a GPU node. */
    private static final String JOB_EXECUTOR_DIR = "k8s/overlays/job-executor";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Path base;
    /** Every YAML file under k8s/ and docker-compose.yml, with its documents (non-empty only). */
    private static Map<Path, List<JsonNode>> yamlFiles;
    /** The files that kustomizations use as patches: partial objects, not resources. */
    private static Set<Path> patchPaths;

    @BeforeAll
    static void load() throws IOException {
        base = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        assertTrue(Files.isDirectory(base.resolve("k8s")), "no k8s/ under " + base);
        yamlFiles = new LinkedHashMap<>();
        for (Path file : k8sYamlFiles()) {
            yamlFiles.put(file, readDocuments(file));
        }
        Path compose = base.resolve("docker-compose.yml");
        assertTrue(Files.isRegularFile(compose), "docker-compose.yml missing");
        yamlFiles.put(compose, readDocuments(compose));
        patchPaths = new LinkedHashSet<>();
        for (Path file : yamlFiles.keySet()) {
            if (isKustomizationFile(file)) {
                patchPaths.addAll(patchFiles(file.getParent(), yamlFiles.get(file).get(0)));
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Tests
    // ------------------------------------------------------------------------------------------

    @Test
    void everyYamlFileParsesToAtLeastOneDocument() {
        assertTrue(yamlFiles.size() > 2, "expected k8s YAML files, got " + yamlFiles.keySet());
        yamlFiles.forEach((file, docs) -> {
            assertFalse(docs.isEmpty(), rel(file) + " has no YAML document");
            for (JsonNode doc : docs) {
                assertTrue(doc.isObject(), rel(file) + ": a document is not a mapping");
            }
        });
    }

    @Test
    void everyKubernetesDocumentHasApiVersionKindAndName() {
        for (Map.Entry<Path, List<JsonNode>> e : k8sEntries()) {
            boolean kustomization = isKustomizationFile(e.getKey());
            for (JsonNode doc : e.getValue()) {
                String where = rel(e.getKey()) + " (" + doc.path("kind").asText("?") + ")";
                assertFalse(text(doc, "apiVersion").isBlank(), where + ": apiVersion missing");
                assertFalse(text(doc, "kind").isBlank(), where + ": kind missing");
                if (kustomization) {
                    assertTrue(Set.of("Kustomization", "Component").contains(text(doc, "kind")),
                            where + ": a kustomization file holds a Kustomization or a Component");
                } else {
                    assertFalse(text(doc.path("metadata"), "name").isBlank(),
                            where + ": metadata.name missing");
                }
            }
        }
    }

    @Test
    void everyFileNamedByAKustomizationExists() throws IOException {
        List<Path> kustomizations = k8sEntries().stream().map(Map.Entry::getKey)
                .filter(ManifestsTest::isKustomizationFile).collect(Collectors.toList());
        for (String dir : List.of(BASE_DIR, DEPLOYMENT_DIR, CRONJOB_DIR, DEV_DIR, DEV_CRONJOB_DIR)) {
            assertNotNull(kustomizationIn(base.resolve(dir)), "no kustomization in " + dir);
        }

        for (Path k : kustomizations) {
            Path dir = k.getParent();
            JsonNode doc = yamlFiles.get(k).get(0);
            for (String ref : references(doc)) {
                if (isRemote(ref)) {
                    continue;
                }
                Path target = dir.resolve(ref).normalize();
                assertTrue(Files.isRegularFile(target) || kustomizationIn(target) != null,
                        rel(k) + " names " + ref + ", which is neither a file nor a kustomization dir");
            }
        }
    }

    /**
     * Builds every Kustomization (not Component) statically, as kustomize would: its resources (files parsed,
     * directories built recursively), then its components (their resources and patches), then its own patches,
     * images, labels and namespace. A patch whose target is not among the objects built so far, a resource that
     * does not parse, a Component used as a resource (or the reverse), or a kustomize feature this model does not
     * know fails here.
     */
    @Test
    void everyKustomizationBuildsAndEveryPatchFindsItsTarget() {
        Map<Path, List<ObjectNode>> all = builds();
        assertTrue(all.keySet().containsAll(List.of(base.resolve(DEPLOYMENT_DIR), base.resolve(CRONJOB_DIR),
                base.resolve(DEV_DIR), base.resolve(DEV_CRONJOB_DIR))), "builds: " + all.keySet());
        for (Map.Entry<Path, List<ObjectNode>> b : all.entrySet()) {
            Set<String> ids = new TreeSet<>();
            for (ObjectNode o : b.getValue()) {
                assertTrue(ids.add(id(o)), rel(b.getKey()) + " builds " + id(o) + " twice");
            }
        }
        // every component is used by some kustomization
        Set<Path> used = new TreeSet<>();
        for (Path k : kustomizationFiles()) {
            for (JsonNode c : yamlFiles.get(k).get(0).path("components")) {
                used.add(k.getParent().resolve(c.asText()).normalize());
            }
        }
        for (Path k : kustomizationFiles()) {
            if ("Component".equals(text(yamlFiles.get(k).get(0), "kind"))) {
                assertTrue(used.contains(k.getParent()), rel(k) + " is a Component that no kustomization includes");
            }
        }
    }

    /** A manifest no kustomization names is never applied: it is a mistake (forgotten in resources) or dead. */
    @Test
    void everyManifestUnderK8sBelongsToAKustomization() {
        Set<Path> named = new TreeSet<>();
        for (Path k : kustomizationFiles()) {
            for (String ref : references(yamlFiles.get(k).get(0))) {
                if (!isRemote(ref)) {
                    named.add(k.getParent().resolve(ref).normalize());
                }
            }
        }
        for (Path file : yamlFiles.keySet()) {
            if (file.startsWith(base.resolve("k8s")) && !isKustomizationFile(file)) {
                assertTrue(named.contains(file), rel(file) + " is named by no kustomization (resources, patches)");
            }
        }
    }

    @Test
    void appDeploymentProbesUseQuarkusHealthEndpoints() {
        JsonNode deployment = appDeployment();
        JsonNode container = appContainer(deployment);

        assertEquals("/q/health/ready", text(container.path("readinessProbe").path("httpGet"), "path"),
                "readinessProbe must call /q/health/ready");
        assertEquals("/q/health/live", text(container.path("livenessProbe").path("httpGet"), "path"),
                "livenessProbe must call /q/health/live");
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            JsonNode httpGet = container.path(probe).path("httpGet");
            if (container.path(probe).isMissingNode()) {
                continue;
            }
            assertTrue(text(httpGet, "path").startsWith("/q/health/"), probe + " must use /q/health/*");
            assertEquals(8080, resolvePort(container, httpGet.path("port")), probe + " port");
        }
    }

    @Test
    void appDeploymentIsWiredAsDocumented() {
        JsonNode deployment = appDeployment();
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        JsonNode container = appContainer(deployment);

        Set<String> envFrom = new TreeSet<>();
        for (JsonNode from : container.path("envFrom")) {
            if (from.has("configMapRef")) {
                envFrom.add("ConfigMap/" + text(from.path("configMapRef"), "name"));
            }
            if (from.has("secretRef")) {
                envFrom.add("Secret/" + text(from.path("secretRef"), "name"));
            }
        }
        assertEquals(Set.of("ConfigMap/feedrank-config", "Secret/feedrank-secrets"), envFrom);
        Set<String> baseObjects = new TreeSet<>();
        yamlFiles.forEach((file, docs) -> {
            if (file.startsWith(base.resolve("k8s/base"))) {
                docs.forEach(d -> baseObjects.add(text(d, "kind") + "/" + text(d.path("metadata"), "name")));
            }
        });
        assertTrue(baseObjects.containsAll(envFrom), "base must define " + envFrom + ": " + baseObjects);

        assertEquals(60, pod.path("terminationGracePeriodSeconds").asInt(), "terminationGracePeriodSeconds");
        assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), "pod runAsNonRoot");
        assertTrue(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean(),
                "readOnlyRootFilesystem");
        assertEquals(8080, resolvePort(container, container.path("ports").path(0).path("containerPort")));

        String tmpVolume = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if ("/tmp".equals(text(m, "mountPath"))) {
                tmpVolume = text(m, "name");
            }
        }
        assertNotNull(tmpVolume, "/tmp must be mounted");
        boolean emptyDir = false;
        for (JsonNode v : pod.path("volumes")) {
            if (tmpVolume.equals(text(v, "name")) && v.has("emptyDir")) {
                emptyDir = true;
            }
        }
        assertTrue(emptyDir, "/tmp must be an emptyDir");

        JsonNode limits = container.path("resources").path("limits");
        JsonNode requests = container.path("resources").path("requests");
        assertFalse(text(limits, "cpu").isBlank() || text(limits, "memory").isBlank(), "limits");
        assertFalse(text(requests, "cpu").isBlank() || text(requests, "memory").isBlank(), "requests");

        // the image's user is the one Kubernetes is told to run as
        String dockerUser = dockerInstructions().stream().filter(i -> i.startsWith("USER "))
                .reduce((a, b) -> b).orElseThrow().substring(5).trim().split(":")[0];
        assertEquals(dockerUser, pod.path("securityContext").path("runAsUser").asText(),
                "Dockerfile USER vs runAsUser");

        // the Service reaches the container's http port
        JsonNode service = k8sDocs().filter(d -> "Service".equals(text(d, "kind"))
                && APP_NAME.equals(text(d.path("metadata"), "name"))).findFirst().orElseThrow();
        assertEquals(8080, service.path("spec").path("ports").path(0).path("port").asInt());
        assertEquals(8080, resolvePort(container, service.path("spec").path("ports").path(0).path("targetPort")));
    }

    @Test
    void everyFeedrankEnvVarMapsToADeclaredConfigKey() throws Exception {
        List<Pattern> valid = validFeedrankEnvNames();
        Map<String, String> used = envNamesInUse();

        List<String> checked = new ArrayList<>();
        used.forEach((name, where) -> {
            if (!name.startsWith("FEEDRANK_")) {
                return;
            }
            checked.add(name);
            assertTrue(valid.stream().anyMatch(p -> p.matcher(name).matches()),
                    where + ": " + name + " matches no feedrank.* key of " + CONFIG_CLASS
                            + " or application.properties");
        });
        assertTrue(checked.contains("FEEDRANK_STORAGE_ENDPOINT"), "expected FEEDRANK_* variables, got " + checked);
    }

    /**
     * The keys of MicroProfile JWT (spec 2.1, section "Configuration"), which smallrye-jwt reads. They are not part of
     * {@code FeedrankConfig}, so the MP_JWT_* variables are checked against this list instead: a misspelt one would
     * be ignored silently and leave feedrank without its verification key, refusing every token.
     */
    static final List<String> MP_JWT_KEYS = List.of("mp.jwt.verify.publickey", "mp.jwt.verify.publickey.location",
            "mp.jwt.verify.publickey.algorithm", "mp.jwt.verify.issuer", "mp.jwt.verify.audiences",
            "mp.jwt.verify.token.age", "mp.jwt.verify.clock.skew", "mp.jwt.token.header", "mp.jwt.token.cookie",
            "mp.jwt.decrypt.key.location", "mp.jwt.decrypt.key.algorithm");

    @Test
    void everyMicroProfileJwtEnvVarIsAKeyOfTheSpecification() {
        Set<String> valid = MP_JWT_KEYS.stream().map(k -> k.replaceAll("[^A-Za-z0-9]", "_").toUpperCase())
                .collect(Collectors.toSet());
        assertFalse(valid.contains("MP_JWT_VERIFY_PUBLIC_KEY_LOCATION"), "a misspelt key must not be accepted");
        List<String> checked = new ArrayList<>();
        envNamesInUse().forEach((name, where) -> {
            if (name.startsWith("MP_JWT")) {
                checked.add(name);
                assertTrue(valid.contains(name), where + ": " + name + " is no MicroProfile JWT key " + MP_JWT_KEYS);
            }
        });
        assertTrue(checked.contains("MP_JWT_VERIFY_PUBLICKEY_LOCATION") && checked.contains("MP_JWT_VERIFY_ISSUER"),
                "the app must be told where its JWT key is and which issuer to trust: " + checked);
    }

    @Test
    void theJwtPublicKeyIsMountedWhereFeedrankConfigSays() {
        JsonNode config = k8sDocs().filter(d -> "ConfigMap".equals(text(d, "kind"))
                && "feedrank-config".equals(text(d.path("metadata"), "name"))).findFirst().orElseThrow().path("data");
        assertFalse(text(config, "MP_JWT_VERIFY_ISSUER").isBlank(), "MP_JWT_VERIFY_ISSUER");
        if (config.has("FEEDRANK_AUTH_READ_POLICY")) {
            assertTrue(Set.of("viewer", "permit").contains(text(config, "FEEDRANK_AUTH_READ_POLICY")),
                    "FEEDRANK_AUTH_READ_POLICY must be viewer or permit");
        }
        String location = text(config, "MP_JWT_VERIFY_PUBLICKEY_LOCATION");
        if (location.startsWith("file:")) {
            location = location.substring("file:".length());
        }
        assertTrue(location.startsWith("/"), "MP_JWT_VERIFY_PUBLICKEY_LOCATION must be an absolute path: " + location);

        for (JsonNode workload : List.of(appDeployment(), appCronJob())) {
            assertJwtKeyMounted(workload, location);
        }
    }

    private static void assertJwtKeyMounted(JsonNode workload, String location) {
        String what = text(workload, "kind") + "/" + text(workload.path("metadata"), "name") + ": ";
        JsonNode mount = null;
        for (JsonNode m : appContainer(workload).path("volumeMounts")) {
            if (location.startsWith(text(m, "mountPath") + "/")) {
                mount = m;
            }
        }
        assertNotNull(mount, what + location + " is in no volume mounted into the container");
        assertTrue(mount.path("readOnly").asBoolean(), what + "the key volume must be mounted read-only");
        String file = location.substring(text(mount, "mountPath").length() + 1);
        JsonNode volume = null;
        for (JsonNode v : podSpec(workload).path("volumes")) {
            if (text(mount, "name").equals(text(v, "name"))) {
                volume = v;
            }
        }
        assertNotNull(volume, what + "no volume " + text(mount, "name"));
        boolean fromConfigMap = volume.has("configMap");
        JsonNode source = fromConfigMap ? volume.path("configMap") : volume.path("secret");
        String object = text(source, fromConfigMap ? "name" : "secretName");
        assertFalse(object.isBlank(), "the key volume must come from a ConfigMap or a Secret");
        String key = file;
        for (JsonNode item : source.path("items")) {
            if (file.equals(text(item, "path"))) {
                key = text(item, "key");
            }
        }
        String kind = fromConfigMap ? "ConfigMap" : "Secret";
        JsonNode holder = k8sDocs().filter(d -> kind.equals(text(d, "kind"))
                && object.equals(text(d.path("metadata"), "name"))).findFirst().orElse(null);
        assertNotNull(holder, "the base defines no " + kind + "/" + object);
        String k = key;
        assertTrue(holder.path("data").has(k) || holder.path("stringData").has(k),
                kind + "/" + object + " has no key " + k + " (mounted as " + location + ")");
    }

    /** Every environment variable name set anywhere (k8s ConfigMaps, Secrets, containers; compose; Dockerfile) and where. */
    private static Map<String, String> envNamesInUse() {
        Map<String, String> used = new LinkedHashMap<>(); // name -> where
        for (Map.Entry<Path, List<JsonNode>> e : k8sEntries()) {
            for (JsonNode doc : e.getValue()) {
                String where = rel(e.getKey()) + " " + text(doc, "kind") + "/" + text(doc.path("metadata"), "name");
                switch (text(doc, "kind")) {
                    case "ConfigMap" -> doc.path("data").fieldNames().forEachRemaining(n -> used.put(n, where));
                    case "Secret" -> {
                        doc.path("data").fieldNames().forEachRemaining(n -> used.put(n, where));
                        doc.path("stringData").fieldNames().forEachRemaining(n -> used.put(n, where));
                    }
                    default -> {
                        for (JsonNode c : containers(doc)) {
                            for (JsonNode env : c.path("env")) {
                                used.put(text(env, "name"), where);
                            }
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, JsonNode> svc : composeServices().entrySet()) {
            composeEnvironment(svc.getValue()).keySet()
                    .forEach(n -> used.put(n, "docker-compose.yml service " + svc.getKey()));
        }
        dockerEnv().keySet().forEach(n -> used.put(n, "Dockerfile.jvm"));
        return used;
    }

    @Test
    void configKeysAreDerivedFromTheConfigInterface() throws Exception {
        List<Pattern> valid = validFeedrankEnvNames();
        for (String expected : List.of("FEEDRANK_STORAGE_ENDPOINT", "FEEDRANK_STORAGE_ACCESS_KEY",
                "FEEDRANK_STORAGE_SECRET_KEY", "FEEDRANK_STORAGE_BUCKET", "FEEDRANK_SCHEDULE_CRON",
                "FEEDRANK_WORK_DIR", "FEEDRANK_GATE_BEAT_BASELINE", "FEEDRANK_AUTH_READ_POLICY")) {
            assertTrue(valid.stream().anyMatch(p -> p.matcher(expected).matches()), expected);
        }
        assertFalse(valid.stream().anyMatch(p -> p.matcher("FEEDRANK_STORAGE_ENDPIONT").matches()),
                "a misspelt key must not be accepted");
    }

    @Test
    void djlIsOfflineAndNativesPreExtractedEverywhere() {
        // Dockerfile
        Map<String, String> env = dockerEnv();
        assertEquals("true", env.get("DJL_OFFLINE"), "Dockerfile ENV DJL_OFFLINE");
        assertTrue(env.getOrDefault("JAVA_OPTS", "").contains("-Dai.djl.offline=true"),
                "Dockerfile JAVA_OPTS must contain -Dai.djl.offline=true");
        String libPath = env.get("PYTORCH_LIBRARY_PATH");
        assertNotNull(libPath, "Dockerfile ENV PYTORCH_LIBRARY_PATH");
        List<String> instructions = dockerInstructions();
        assertTrue(instructions.stream().anyMatch(i -> i.startsWith("COPY ") && i.contains("--from=")
                && i.contains(libPath)), "the runtime stage must copy the pre-extracted natives into " + libPath);
        assertTrue(instructions.stream().anyMatch(i -> i.startsWith("RUN ") && i.contains("DJL_OFFLINE=true")),
                "the extraction step must run offline too");
        assertTrue(Files.isRegularFile(base.resolve("src/main/docker/DjlExtract.java")));

        // Kubernetes, both variants
        for (JsonNode workload : List.of(appDeployment(), appCronJob())) {
            Map<String, String> podEnv = new LinkedHashMap<>();
            for (JsonNode e : appContainer(workload).path("env")) {
                podEnv.put(text(e, "name"), e.path("value").asText(null));
            }
            assertEquals("true", podEnv.get("DJL_OFFLINE"), text(workload, "kind") + " env DJL_OFFLINE");
            assertEquals(libPath, podEnv.get("PYTORCH_LIBRARY_PATH"), text(workload, "kind") + " PYTORCH_LIBRARY_PATH");
        }
        // the natives stay owned by root: the runtime user (USER) cannot write them
        assertTrue(instructions.stream().filter(i -> i.startsWith("COPY ") && i.contains(libPath))
                .noneMatch(i -> i.contains("--chown") || i.contains("--chmod")),
                "the natives must be copied root-owned (no --chown/--chmod): read-only for the runtime user");

        // docker-compose
        JsonNode app = composeApp();
        Map<String, String> composeEnv = composeEnvironment(app);
        assertEquals("true", composeEnv.get("DJL_OFFLINE"), "compose DJL_OFFLINE");
        if (composeEnv.containsKey("PYTORCH_LIBRARY_PATH")) {
            assertEquals(libPath, composeEnv.get("PYTORCH_LIBRARY_PATH"), "compose PYTORCH_LIBRARY_PATH");
        }
    }

    @Test
    void composeAppIsBuiltFromTheDockerfileAndWaitsForHealthyDependencies() {
        Map<String, JsonNode> services = composeServices();
        JsonNode app = composeApp();
        JsonNode build = app.path("build");
        String dockerfile = build.isTextual() ? "Dockerfile" : build.path("dockerfile").asText("Dockerfile");
        String context = build.isTextual() ? build.asText() : build.path("context").asText(".");
        assertTrue(Files.isRegularFile(base.resolve(context).resolve(dockerfile).normalize()),
                "compose builds from " + context + "/" + dockerfile);
        assertEquals("src/main/docker/Dockerfile.jvm", base.relativize(
                base.resolve(context).resolve(dockerfile).normalize()).toString().replace('\\', '/'));

        Map<String, String> env = composeEnvironment(app);
        for (String name : List.of("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME",
                "QUARKUS_DATASOURCE_PASSWORD", "FEEDRANK_STORAGE_ENDPOINT", "FEEDRANK_STORAGE_ACCESS_KEY",
                "FEEDRANK_STORAGE_SECRET_KEY", "FEEDRANK_STORAGE_BUCKET", "FEEDRANK_SCHEDULE_CRON")) {
            assertTrue(env.containsKey(name), "compose app environment lacks " + name);
        }
        assertTrue(env.get("QUARKUS_DATASOURCE_JDBC_URL").startsWith("jdbc:postgresql://"));
        // S3 credentials come from the environment: the built-in default must not be written here (issue 11)
        for (String name : List.of("FEEDRANK_STORAGE_ACCESS_KEY", "FEEDRANK_STORAGE_SECRET_KEY")) {
            assertTrue(env.get(name).startsWith("${" + name + ":?"), "compose takes " + name + " from the environment");
        }
        assertFalse(composeServices().toString().matches("(?s).*feedrank-secret(?!s).*"), "no default S3 secret key in compose");

        JsonNode dependsOn = app.path("depends_on");
        assertTrue(dependsOn.isObject(), "depends_on must use the long form with conditions");
        Set<String> deps = new TreeSet<>();
        dependsOn.fieldNames().forEachRemaining(deps::add);
        assertEquals(services.keySet().stream().filter(n -> services.get(n) != app).collect(Collectors.toSet()),
                deps, "the app depends on every other service");
        for (String dep : deps) {
            assertEquals("service_healthy", text(dependsOn.path(dep), "condition"), dep);
            assertTrue(services.get(dep).has("healthcheck"), dep + " needs a healthcheck");
        }
        assertTrue(app.has("healthcheck"), "the app needs a healthcheck");
        assertTrue(app.path("healthcheck").path("test").toString().contains("/q/health/"),
                "the app healthcheck must use /q/health");
        boolean postgres = services.values().stream().anyMatch(s -> text(s, "image").startsWith("postgres:16")
                && "feedrank".equals(composeEnvironment(s).get("POSTGRES_DB")));
        assertTrue(postgres, "a postgres:16 service with database feedrank");
    }

    // ------------------------------------------------------------------------------------------
    // The two variants of k8s/: the server Deployment and the CronJob, as each kustomization builds them
    // ------------------------------------------------------------------------------------------

    /** Seconds of terminationGracePeriodSeconds left after the preStop hook and the app's shutdown grace. */
    static final int SHUTDOWN_MARGIN_SECONDS = 10;

    @Test
    void eachBuildHoldsOneVariantOnly() {
        for (Map.Entry<Path, List<ObjectNode>> b : builds().entrySet()) {
            assertFalse(findDeployment(b.getValue()) != null && findCronJob(b.getValue()) != null,
                    rel(b.getKey()) + " builds both the server Deployment and the CronJob: one variant per pipeline");
        }
        for (String dir : List.of(DEPLOYMENT_DIR, DEV_DIR)) {
            assertNotNull(findDeployment(build(dir)), dir + " must build Deployment/" + APP_NAME);
        }
        for (String dir : List.of(CRONJOB_DIR, DEV_CRONJOB_DIR)) {
            assertNotNull(findCronJob(build(dir)), dir + " must build CronJob/" + CRONJOB_NAME);
            assertTrue(build(dir).stream().noneMatch(o -> "Service".equals(text(o, "kind"))
                    && APP_NAME.equals(text(o.path("metadata"), "name"))),
                    dir + ": the CronJob variant serves no API, so it has no Service " + APP_NAME);
        }
        assertTrue(build(BASE_DIR).stream().noneMatch(o -> !podSpec(o).isMissingNode()),
                BASE_DIR + " is shared by both variants: no workload in it");
    }

    @Test
    void serverVariantRunsSeveralReplicasSafely() {
        for (Map.Entry<Path, List<ObjectNode>> b : serverBuilds().entrySet()) {
            String where = rel(b.getKey()) + ": ";
            List<ObjectNode> objects = b.getValue();
            ObjectNode deployment = findDeployment(objects);
            JsonNode spec = deployment.path("spec");
            int replicas = spec.path("replicas").asInt(1);
            assertTrue(replicas >= 2, where + "replicas " + replicas + ": the server variant runs at least 2 "
                    + "(the pipeline lease makes several schedulers safe)");
            assertEquals("RollingUpdate", spec.path("strategy").path("type").asText("RollingUpdate"), where + "strategy");
            assertEquals("0", spec.path("strategy").path("rollingUpdate").path("maxUnavailable").asText(),
                    where + "maxUnavailable must be 0: a new pod is ready before an old one stops");
            Map<String, String> podLabels = labels(spec.path("template").path("metadata").path("labels"));
            assertTrue(selects(spec.path("selector"), podLabels), where + "the selector must select the pod template");

            List<ObjectNode> pdbs = objects.stream().filter(o -> "PodDisruptionBudget".equals(text(o, "kind"))
                    && selects(o.path("spec").path("selector"), podLabels)).collect(Collectors.toList());
            assertEquals(1, pdbs.size(), where + "exactly one PodDisruptionBudget must select the server pods " + podLabels);
            JsonNode pdb = pdbs.get(0).path("spec");
            if (pdb.has("minAvailable")) {
                assertTrue(pdb.path("minAvailable").isInt(), where + "PDB minAvailable as a number of pods");
                int min = pdb.path("minAvailable").asInt();
                assertTrue(min >= 1 && min < replicas, where + "PDB minAvailable " + min + " of " + replicas
                        + " replicas: keep one pod, yet let a drain evict one");
            } else {
                assertTrue(pdb.path("maxUnavailable").isInt(), where + "PDB needs minAvailable or maxUnavailable (number)");
                int max = pdb.path("maxUnavailable").asInt();
                assertTrue(max >= 1 && max < replicas, where + "PDB maxUnavailable " + max + " of " + replicas);
            }

            boolean spread = false;
            JsonNode antiAffinity = podSpec(deployment).path("affinity").path("podAntiAffinity");
            for (JsonNode t : antiAffinity.path("preferredDuringSchedulingIgnoredDuringExecution")) {
                JsonNode term = t.path("podAffinityTerm");
                spread |= "kubernetes.io/hostname".equals(text(term, "topologyKey"))
                        && selects(term.path("labelSelector"), podLabels);
            }
            assertTrue(spread, where + "a preferred pod anti-affinity on kubernetes.io/hostname must spread the replicas");

            JsonNode container = appContainer(deployment);
            String cron = setting(objects, container, "schedule.cron");
            assertTrue(cron != null && quartzFields(cron) != null,
                    where + "FEEDRANK_SCHEDULE_CRON must be a Quartz cron (6 or 7 fields) in the server variant: " + cron);
            assertEquals("true", setting(objects, container, "runs.resume-interrupted"),
                    where + "FEEDRANK_RUNS_RESUME_INTERRUPTED: a replica resumes runs left by a pod that died");
            assertGraceCoversShutdown(where, objects, deployment, container);
        }
    }

    @Test
    void cronJobVariantRunsThePipelineOncePerSchedule() {
        for (Map.Entry<Path, List<ObjectNode>> b : cronJobBuilds().entrySet()) {
            String where = rel(b.getKey()) + ": ";
            List<ObjectNode> objects = b.getValue();
            ObjectNode cronJob = findCronJob(objects);
            JsonNode spec = cronJob.path("spec");
            assertEquals(5, text(spec, "schedule").trim().split("\\s+").length,
                    where + "schedule must be a standard 5-field cron: " + text(spec, "schedule"));
            assertEquals("Forbid", text(spec, "concurrencyPolicy"), where + "concurrencyPolicy");
            assertTrue(spec.path("startingDeadlineSeconds").asInt() >= 60,
                    where + "startingDeadlineSeconds must be set (and >= 60: below 10 s schedules can be missed)");
            assertTrue(spec.has("successfulJobsHistoryLimit"), where + "successfulJobsHistoryLimit");
            assertTrue(spec.path("failedJobsHistoryLimit").asInt() >= 1,
                    where + "failedJobsHistoryLimit >= 1: a failed Job keeps its pod, and so its log");
            JsonNode job = spec.path("jobTemplate").path("spec");
            assertTrue(job.has("backoffLimit") && job.path("backoffLimit").asInt() <= 2,
                    where + "backoffLimit must be set and small (default 6): feedrank retries transient errors itself");
            assertTrue(job.path("activeDeadlineSeconds").asInt() > 0, where + "activeDeadlineSeconds");
            JsonNode pod = podSpec(cronJob);
            assertEquals("Never", text(pod, "restartPolicy"), where + "restartPolicy");

            JsonNode container = appContainer(cronJob);
            assertFalse(container.has("command"), where + "no command: the image's ENTRYPOINT runs, with the args");
            List<String> args = new ArrayList<>();
            container.path("args").forEach(a -> args.add(a.asText()));
            assertFalse(args.isEmpty(), where + "args must start with run");
            assertEquals("run", args.get(0), where + "args must start with run: " + args);
            assertEquals("off", setting(objects, container, "schedule.cron"),
                    where + "FEEDRANK_SCHEDULE_CRON must be off in the Job: the CronJob is the schedule");
            assertFalse("true".equals(setting(objects, container, "runs.resume-interrupted")),
                    where + "FEEDRANK_RUNS_RESUME_INTERRUPTED must not be true in a one-shot process");
            assertGraceCoversShutdown(where, objects, cronJob, container);

            // Job pods must not look like server pods to the server variant's Service and PDB (same namespace)
            Map<String, String> podLabels = labels(spec.path("jobTemplate").path("spec").path("template")
                    .path("metadata").path("labels"));
            String ns = namespaceOf(cronJob);
            for (Map.Entry<Path, List<ObjectNode>> other : builds().entrySet()) {
                for (ObjectNode o : other.getValue()) {
                    if (!ns.equals(namespaceOf(o))) {
                        continue;
                    }
                    JsonNode selector = "Service".equals(text(o, "kind")) ? o.path("spec").path("selector")
                            : "PodDisruptionBudget".equals(text(o, "kind")) ? o.path("spec").path("selector") : null;
                    if (selector != null) {
                        assertFalse(selects(selector, podLabels), where + "the Job pods " + podLabels + " are selected by "
                                + id(o) + " of " + rel(other.getKey()));
                    }
                }
            }
        }
    }

    /** Variant-specific settings: present in both containers, with different values. Every other env var is shared. */
    static final Set<String> VARIANT_ENV = Set.of("FEEDRANK_SCHEDULE_CRON", "FEEDRANK_RUNS_RESUME_INTERRUPTED");

    @Test
    void bothVariantsRunTheSameImageWithTheSamePodSetup() {
        int pairs = 0;
        for (Map.Entry<Path, List<ObjectNode>> job : cronJobBuilds().entrySet()) {
            ObjectNode cronJob = findCronJob(job.getValue());
            for (Map.Entry<Path, List<ObjectNode>> server : serverBuilds().entrySet()) {
                ObjectNode deployment = findDeployment(server.getValue());
                if (!namespaceOf(deployment).equals(namespaceOf(cronJob))) {
                    continue; // pairs: k8s/deployment with k8s/cronjob, overlays/dev with overlays/dev-cronjob
                }
                pairs++;
                String where = rel(server.getKey()) + " vs " + rel(job.getKey()) + ": ";
                JsonNode d = appContainer(deployment);
                JsonNode c = appContainer(cronJob);
                assertFalse(text(d, "image").isBlank(), where + "image");
                assertEquals(text(d, "image"), text(c, "image"), where + "both variants run the same image");
                for (String field : List.of("imagePullPolicy", "envFrom", "resources", "securityContext")) {
                    assertEquals(d.path(field), c.path(field), where + "container " + field);
                }
                for (String field : List.of("securityContext", "automountServiceAccountToken")) {
                    assertEquals(podSpec(deployment).path(field), podSpec(cronJob).path(field), where + "pod " + field);
                }
                Map<String, JsonNode> dEnv = envEntries(d);
                Map<String, JsonNode> cEnv = envEntries(c);
                assertEquals(dEnv.keySet(), cEnv.keySet(), where + "the same env var names (variant-specific ones: "
                        + VARIANT_ENV + ")");
                for (String name : dEnv.keySet()) {
                    if (!VARIANT_ENV.contains(name)) {
                        assertEquals(dEnv.get(name), cEnv.get(name), where + "env " + name);
                    }
                }
                assertEquals(tmpEmptyDir(deployment), tmpEmptyDir(cronJob), where + "the /tmp emptyDir");
            }
        }
        assertTrue(pairs >= 2, "expected a server and a CronJob build in each of two namespaces, got " + pairs);
    }

    /**
     * The executor variant: the server Deployment creates the stage Jobs through the Kubernetes API, as a ServiceAccount
     * whose namespaced Role allows exactly batch/jobs and pods/log; the Jobs run the server's image with its
     * configuration, as a ServiceAccount without API access; train asks for a GPU.
     */
    @Test
    void theJobExecutorVariantLetsTheServerManageStageJobsAndNothingElse() {
        List<ObjectNode> objects = build(JOB_EXECUTOR_DIR);
        ObjectNode deployment = findDeployment(objects);
        assertNotNull(deployment, JOB_EXECUTOR_DIR + " builds the server Deployment");
        String namespace = namespaceOf(deployment);
        assertFalse(namespace.isBlank(), "the Role and the Jobs live in the overlay's namespace");
        JsonNode pod = podSpec(deployment);
        JsonNode container = appContainer(deployment);
        Map<String, String> env = new TreeMap<>();
        envEntries(container).forEach((k, v) -> env.put(k, text(v, "value")));

        assertEquals("kubernetes", env.get("FEEDRANK_STAGES_EXECUTOR"));
        assertEquals(text(container, "image"), env.get("FEEDRANK_STAGES_KUBERNETES_IMAGE"),
                "the stage Jobs run the server's own image (keep the env value equal to the images entry)");
        Set<String> envFrom = new TreeSet<>();
        for (JsonNode from : container.path("envFrom")) {
            if (from.has("configMapRef")) envFrom.add("ConfigMap/" + text(from.path("configMapRef"), "name"));
            if (from.has("secretRef")) envFrom.add("Secret/" + text(from.path("secretRef"), "name"));
        }
        Set<String> jobEnvFrom = new TreeSet<>();
        for (String n : env.getOrDefault("FEEDRANK_STAGES_KUBERNETES_ENV_FROM_CONFIG_MAPS", "").split(",")) {
            if (!n.isBlank()) jobEnvFrom.add("ConfigMap/" + n.trim());
        }
        for (String n : env.getOrDefault("FEEDRANK_STAGES_KUBERNETES_ENV_FROM_SECRETS", "").split(",")) {
            if (!n.isBlank()) jobEnvFrom.add("Secret/" + n.trim());
        }
        assertEquals(envFrom, jobEnvFrom, "the stage Jobs get the server's configuration and credentials");

        String serverAccount = text(pod, "serviceAccountName");
        assertFalse(serverAccount.isBlank(), "the server runs as its own ServiceAccount");
        assertTrue(pod.path("automountServiceAccountToken").asBoolean(false), "the server needs its API token");
        assertEquals(1, objects.stream().filter(o -> "ServiceAccount".equals(text(o, "kind"))
                && serverAccount.equals(text(o.path("metadata"), "name"))).count(), "ServiceAccount " + serverAccount);
        assertTrue(objects.stream().noneMatch(o -> Set.of("ClusterRole", "ClusterRoleBinding").contains(text(o, "kind"))),
                "no cluster-wide rights");

        List<ObjectNode> roles = objects.stream().filter(o -> "Role".equals(text(o, "kind"))).collect(Collectors.toList());
        assertEquals(1, roles.size(), "one Role");
        ObjectNode role = roles.get(0);
        assertEquals(namespace, namespaceOf(role), "the Role is in the server's namespace");
        Map<String, Set<String>> rules = new TreeMap<>();
        for (JsonNode rule : role.path("rules")) {
            assertFalse(rule.has("nonResourceURLs") || rule.has("resourceNames"), "plain resource rules: " + rule);
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    Set<String> verbs = rules.computeIfAbsent(group.asText() + "/" + resource.asText(), k -> new TreeSet<>());
                    rule.path("verbs").forEach(v -> verbs.add(v.asText()));
                }
            }
        }
        assertEquals(Set.of("batch/jobs", "/pods/log"), rules.keySet(), "exactly jobs (batch) and pods/log");
        assertTrue(Set.of("create", "get", "list", "watch", "delete").containsAll(rules.get("batch/jobs")),
                "jobs: create, get, list, watch, delete at most: " + rules.get("batch/jobs"));
        assertTrue(rules.get("batch/jobs").containsAll(Set.of("create", "get", "watch", "delete")),
                "the executor creates, reads, watches and deletes Jobs: " + rules.get("batch/jobs"));
        assertEquals(Set.of("get"), rules.get("/pods/log"));

        List<ObjectNode> bindings = objects.stream().filter(o -> "RoleBinding".equals(text(o, "kind"))).collect(Collectors.toList());
        assertEquals(1, bindings.size(), "one RoleBinding");
        JsonNode binding = bindings.get(0);
        assertEquals(namespace, namespaceOf(binding));
        assertEquals("Role", text(binding.path("roleRef"), "kind"));
        assertEquals(text(role.path("metadata"), "name"), text(binding.path("roleRef"), "name"));
        assertEquals(1, binding.path("subjects").size(), "bound to the server only");
        JsonNode subject = binding.path("subjects").path(0);
        assertEquals("ServiceAccount", text(subject, "kind"));
        assertEquals(serverAccount, text(subject, "name"));
        assertEquals(namespace, text(subject, "namespace"));

        String stageAccount = env.get("FEEDRANK_STAGES_KUBERNETES_SERVICE_ACCOUNT");
        assertNotNull(stageAccount, "the stage pods' ServiceAccount");
        assertFalse(stageAccount.equals(serverAccount), "the stage pods do not get the server's API rights");
        JsonNode stageSa = objects.stream().filter(o -> "ServiceAccount".equals(text(o, "kind"))
                && stageAccount.equals(text(o.path("metadata"), "name"))).findFirst().orElse(null);
        assertNotNull(stageSa, "ServiceAccount " + stageAccount + " is built");
        assertFalse(stageSa.path("automountServiceAccountToken").asBoolean(true), "the stage pods mount no API token");

        // train on a GPU node: an nvidia.com/gpu limit and the GPU nodes' taint tolerated
        assertTrue(Integer.parseInt(env.getOrDefault("FEEDRANK_STAGES_RESOURCES_TRAIN_GPU", "0")) >= 1, "train asks for a GPU");
        assertTrue(env.getOrDefault("FEEDRANK_STAGES_RESOURCES_TRAIN_TOLERATIONS", "").contains("nvidia.com/gpu"),
                "train tolerates the GPU taint");
        assertFalse(env.getOrDefault("FEEDRANK_STAGES_RESOURCES_TRAIN_NODE_SELECTOR", "").isBlank(), "train selects GPU nodes");

        // the other builds keep the in-process executor and get no API rights
        for (String dir : List.of(DEPLOYMENT_DIR, CRONJOB_DIR, DEV_DIR, DEV_CRONJOB_DIR)) {
            List<ObjectNode> other = build(dir);
            assertTrue(other.stream().noneMatch(o -> text(o, "kind").contains("Role")), dir + " has no RBAC");
            ObjectNode workload = dir.contains("cronjob") ? findCronJob(other) : findDeployment(other);
            assertFalse(podSpec(workload).path("automountServiceAccountToken").asBoolean(true), dir + ": no API token");
        }
    }

    @Test
    void everyResourceFieldRefNamesAContainerOfItsPod() {
        for (Map.Entry<Path, List<ObjectNode>> b : builds().entrySet()) {
            for (ObjectNode o : b.getValue()) {
                Set<String> names = containers(o).stream().map(c -> text(c, "name")).collect(Collectors.toSet());
                for (JsonNode c : containers(o)) {
                    for (JsonNode e : c.path("env")) {
                        JsonNode ref = e.path("valueFrom").path("resourceFieldRef");
                        if (ref.has("containerName")) {
                            assertTrue(names.contains(text(ref, "containerName")), rel(b.getKey()) + " " + id(o)
                                    + ": env " + text(e, "name") + " refers to container " + text(ref, "containerName"));
                        }
                    }
                }
            }
        }
    }

    /** A ConfigMap key that a container's env also sets is dead configuration there (env wins over envFrom). */
    @Test
    void noConfigMapSettingIsShadowedByAContainerEnvVar() {
        for (Map.Entry<Path, List<ObjectNode>> b : builds().entrySet()) {
            for (ObjectNode o : b.getValue()) {
                for (JsonNode c : containers(o)) {
                    Set<String> env = envEntries(c).keySet();
                    for (JsonNode from : c.path("envFrom")) {
                        String name = text(from.path("configMapRef"), "name");
                        for (ObjectNode cm : b.getValue()) {
                            if ("ConfigMap".equals(text(cm, "kind")) && name.equals(text(cm.path("metadata"), "name"))) {
                                cm.path("data").fieldNames().forEachRemaining(key -> assertFalse(env.contains(key),
                                        rel(b.getKey()) + ": " + key + " of ConfigMap/" + name + " is shadowed by the env of "
                                                + id(o) + " (set it in one place)"));
                            }
                        }
                    }
                }
            }
        }
    }

    /** The CronJob's args reach the CLI only through an exec-form ENTRYPOINT that forwards "$@", and with no CMD. */
    @Test
    void theImageEntrypointPassesContainerArgsToTheCli() throws IOException {
        List<String> instructions = dockerInstructions();
        int lastFrom = 0;
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).startsWith("FROM ")) {
                lastFrom = i;
            }
        }
        List<String> runtime = instructions.subList(lastFrom, instructions.size());
        assertTrue(runtime.stream().noneMatch(i -> i.startsWith("CMD ")), "no CMD: container args would replace it");
        List<String> entrypoints = runtime.stream().filter(i -> i.startsWith("ENTRYPOINT ")).collect(Collectors.toList());
        assertEquals(1, entrypoints.size(), "one ENTRYPOINT in the runtime stage");
        JsonNode exec = new ObjectMapper().readTree(entrypoints.get(0).substring("ENTRYPOINT ".length()));
        assertTrue(exec.isArray(), "ENTRYPOINT must use the exec (JSON) form");
        assertTrue(exec.toString().contains("exec java") && exec.toString().contains("\\\"$@\\\""),
                "ENTRYPOINT must exec java (PID 1 gets SIGTERM) and pass \"$@\": " + exec);
        String user = runtime.stream().filter(i -> i.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root")
                .substring(5).trim().split(":")[0];
        assertTrue(user.matches("\\d+") && Integer.parseInt(user) > 0, "the image runs as a non-root numeric USER: " + user);
    }

    @Test
    void composeStopGracePeriodCoversTheShutdownGrace() {
        JsonNode app = composeApp();
        String period = text(app, "stop_grace_period");
        int stop = period.isBlank() ? 10 : durationSeconds(period);
        String grace = composeEnvironment(app).get("FEEDRANK_RUNS_SHUTDOWN_GRACE_SECONDS");
        int shutdown = Integer.parseInt(grace != null ? grace : configDefault("runs.shutdown-grace-seconds"));
        assertTrue(stop >= shutdown + SHUTDOWN_MARGIN_SECONDS, "compose stop_grace_period " + stop
                + " s must exceed FEEDRANK_RUNS_SHUTDOWN_GRACE_SECONDS " + shutdown + " s by " + SHUTDOWN_MARGIN_SECONDS);
    }

    /**
     * Cross-check of the static build against kustomize itself, where a binary is at hand (kustomize, or kubectl's
     * built-in "kubectl kustomize"; skipped otherwise): every Kustomization renders, to exactly the objects the
     * static build has.
     */
    @Test
    void kustomizeRendersWhatTheStaticBuildModels() throws Exception {
        List<String> command = kustomizeCommand();
        Assumptions.assumeTrue(command != null, "no kustomize or kubectl binary found");
        for (Map.Entry<Path, List<ObjectNode>> b : builds().entrySet()) {
            List<String> cmd = new ArrayList<>(command);
            cmd.add(b.getKey().toString());
            Path out = Files.createTempFile("kustomize", ".yaml");
            Path err = Files.createTempFile("kustomize", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail(String.join(" ", cmd) + " did not finish");
                }
                assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + Files.readString(err));
                Map<String, JsonNode> rendered = new TreeMap<>();
                for (JsonNode d : readDocuments(out)) {
                    rendered.put(id(d), d);
                }
                Map<String, JsonNode> modelled = new TreeMap<>();
                b.getValue().forEach(o -> modelled.put(id(o), o));
                assertEquals(modelled.keySet(), rendered.keySet(), rel(b.getKey()) + ": objects");
                for (String id : modelled.keySet()) {
                    assertEquals(rendered.get(id), modelled.get(id), rel(b.getKey()) + " " + id
                            + ": the static build differs from kustomize's");
                }
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }

    private static void assertGraceCoversShutdown(String where, List<ObjectNode> objects, JsonNode workload,
            JsonNode container) {
        int grace = podSpec(workload).path("terminationGracePeriodSeconds").asInt(30);
        String value = setting(objects, container, "runs.shutdown-grace-seconds");
        assertNotNull(value, where + "no value for FEEDRANK_RUNS_SHUTDOWN_GRACE_SECONDS");
        int shutdown = Integer.parseInt(value);
        int preStop = preStopSeconds(container, where);
        assertTrue(shutdown > 0, where + "FEEDRANK_RUNS_SHUTDOWN_GRACE_SECONDS " + shutdown);
        assertTrue(grace >= preStop + shutdown + SHUTDOWN_MARGIN_SECONDS, where + "terminationGracePeriodSeconds "
                + grace + " must cover the preStop hook (" + preStop + " s), FEEDRANK_RUNS_SHUTDOWN_GRACE_SECONDS ("
                + shutdown + " s) and " + SHUTDOWN_MARGIN_SECONDS + " s for the JVM to exit");
    }

    /** How long the preStop hook takes: a "sleep N" exec or the sleep action; 0 without a hook. */
    private static int preStopSeconds(JsonNode container, String where) {
        JsonNode preStop = container.path("lifecycle").path("preStop");
        if (preStop.isMissingNode()) {
            return 0;
        }
        if (preStop.has("sleep")) {
            return preStop.path("sleep").path("seconds").asInt();
        }
        List<String> words = new ArrayList<>();
        preStop.path("exec").path("command").forEach(w -> words.add(w.asText()));
        java.util.regex.Matcher m = Pattern.compile("(?:^|\\s)sleep\\s+(\\d+)\\s*$").matcher(String.join(" ", words));
        assertTrue(m.find(), where + "cannot tell how long the preStop hook takes (only \"sleep N\" is understood): " + preStop);
        return Integer.parseInt(m.group(1));
    }

    /**
     * The value a feedrank.* key gets in this container: its env, else its envFrom ConfigMaps (of the same build),
     * else application.properties, else the {@code @WithDefault} of the config interface. Null if none.
     */
    private static String setting(List<ObjectNode> objects, JsonNode container, String key) {
        String env = "FEEDRANK_" + key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
        for (JsonNode e : container.path("env")) {
            if (env.equals(text(e, "name"))) {
                return e.has("value") ? e.path("value").asText() : null;
            }
        }
        String fromConfigMap = null;
        for (JsonNode from : container.path("envFrom")) {
            String name = text(from.path("configMapRef"), "name");
            for (ObjectNode o : objects) {
                if ("ConfigMap".equals(text(o, "kind")) && name.equals(text(o.path("metadata"), "name"))
                        && o.path("data").has(env)) {
                    fromConfigMap = text(o.path("data"), env); // a later source wins
                }
            }
        }
        return fromConfigMap != null ? fromConfigMap : configDefault(key);
    }

    private static String configDefault(String key) {
        String full = "feedrank." + key;
        Path props = base.resolve("src/main/resources/application.properties");
        try {
            if (Files.isRegularFile(props)) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(props)) {
                    p.load(r);
                }
                if (p.getProperty(full) != null) {
                    return p.getProperty(full);
                }
            }
            Class<?> config = Class.forName(CONFIG_CLASS);
            ConfigMapping mapping = config.getAnnotation(ConfigMapping.class);
            Map<String, String> defaults = new LinkedHashMap<>();
            collectKeys(config, mapping.prefix(), mapping.namingStrategy(), new TreeSet<>(), defaults, new LinkedHashSet<>());
            return defaults.get(full);
        } catch (IOException | ClassNotFoundException e) {
            return fail(e);
        }
    }

    /** Quartz: seconds minutes hours day-of-month month day-of-week [year]; null if not that shape. */
    private static String[] quartzFields(String cron) {
        String[] f = cron.trim().split("\\s+");
        return (f.length == 6 || f.length == 7) && !cron.equalsIgnoreCase("off") ? f : null;
    }

    private static Map<String, JsonNode> envEntries(JsonNode container) {
        Map<String, JsonNode> out = new TreeMap<>();
        container.path("env").forEach(e -> out.put(text(e, "name"), e));
        return out;
    }

    /** The emptyDir mounted at /tmp (the only writable place), or fails. */
    private static JsonNode tmpEmptyDir(JsonNode workload) {
        for (JsonNode m : appContainer(workload).path("volumeMounts")) {
            if ("/tmp".equals(text(m, "mountPath"))) {
                for (JsonNode v : podSpec(workload).path("volumes")) {
                    if (text(m, "name").equals(text(v, "name")) && v.has("emptyDir")) {
                        return v.path("emptyDir");
                    }
                }
            }
        }
        return fail(text(workload, "kind") + ": /tmp must be an emptyDir");
    }

    private static int durationSeconds(String s) {
        java.util.regex.Matcher m = Pattern.compile("(\\d+)(h|m|s|ms|us)").matcher(s);
        double total = 0;
        while (m.find()) {
            double n = Double.parseDouble(m.group(1));
            total += switch (m.group(2)) {
                case "h" -> n * 3600;
                case "m" -> n * 60;
                case "s" -> n;
                case "ms" -> n / 1000;
                default -> n / 1_000_000;
            };
        }
        return (int) total;
    }

    private static List<String> kustomizeCommand() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isBlank() && Files.isExecutable(Path.of(dir, "kustomize"))) {
                return List.of(Path.of(dir, "kustomize").toString(), "build");
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isBlank() && Files.isExecutable(Path.of(dir, "kubectl"))) {
                return List.of(Path.of(dir, "kubectl").toString(), "kustomize");
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------
    // Valid FEEDRANK_* names: reflection over the @ConfigMapping interface + application.properties
    // ------------------------------------------------------------------------------------------

    private static List<Pattern> validFeedrankEnvNames() throws Exception {
        Class<?> config = Class.forName(CONFIG_CLASS);
        ConfigMapping mapping = config.getAnnotation(ConfigMapping.class);
        assertNotNull(mapping, CONFIG_CLASS + " is not a @ConfigMapping");
        Set<String> keys = new TreeSet<>();
        collectKeys(config, mapping.prefix(), mapping.namingStrategy(), keys, new LinkedHashMap<>(), new LinkedHashSet<>());
        assertTrue(keys.size() > 5, "too few keys from " + CONFIG_CLASS + ": " + keys);

        Path props = base.resolve("src/main/resources/application.properties");
        if (Files.isRegularFile(props)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(props)) {
                p.load(r);
            }
            for (String key : p.stringPropertyNames()) {
                String k = key.startsWith("%") && key.contains(".") ? key.substring(key.indexOf('.') + 1) : key;
                if (k.startsWith("feedrank.")) {
                    keys.add(k);
                }
            }
        }
        List<Pattern> patterns = new ArrayList<>();
        for (String key : keys) {
            // SmallRye's environment source: every non-alphanumeric character becomes '_', upper case.
            StringBuilder regex = new StringBuilder();
            for (String part : key.split("\\*", -1)) {
                if (regex.length() > 0) {
                    regex.append("[A-Z0-9_]+");
                }
                regex.append(Pattern.quote(part.replaceAll("[^A-Za-z0-9]", "_").toUpperCase()));
            }
            patterns.add(Pattern.compile(regex.toString()));
        }
        return patterns;
    }

    private static void collectKeys(Class<?> type, String prefix, ConfigMapping.NamingStrategy naming,
            Set<String> keys, Map<String, String> defaults, Set<Class<?>> path) {
        if (!path.add(type)) {
            return; // recursive group
        }
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault() || Modifier.isStatic(m.getModifiers())
                    || m.isSynthetic() || m.getDeclaringClass() == Object.class) {
                continue;
            }
            String name;
            if (m.isAnnotationPresent(WithParentName.class)) {
                name = null;
            } else if (m.isAnnotationPresent(WithName.class)) {
                name = m.getAnnotation(WithName.class).value();
            } else {
                name = applyNaming(m.getName(), naming);
            }
            String key = name == null ? prefix : prefix + "." + name;
            if (m.isAnnotationPresent(WithDefault.class)) {
                defaults.put(key, m.getAnnotation(WithDefault.class).value());
            }
            addKeys(m.getGenericReturnType(), key, naming, keys, defaults, path);
        }
        path.remove(type);
    }

    private static void addKeys(Type type, String key, ConfigMapping.NamingStrategy naming, Set<String> keys,
            Map<String, String> defaults, Set<Class<?>> path) {
        Class<?> raw = rawClass(type);
        if (type instanceof ParameterizedType pt) {
            Type[] args = pt.getActualTypeArguments();
            if (Optional.class.equals(raw)) {
                addKeys(args[0], key, naming, keys, defaults, path);
                return;
            }
            if (Map.class.isAssignableFrom(raw)) {
                addKeys(args[1], key + ".*", naming, keys, defaults, path);
                return;
            }
            if (Collection.class.isAssignableFrom(raw) && isGroup(rawClass(args[0]))) {
                addKeys(args[0], key + "[*]", naming, keys, defaults, path);
                return;
            }
        }
        if (isGroup(raw)) {
            collectKeys(raw, key, naming, keys, defaults, path);
        } else {
            keys.add(key);
        }
    }

    private static boolean isGroup(Class<?> c) {
        return c != null && c.isInterface() && !c.getName().startsWith("java.")
                && !Optional.class.equals(c) && !OptionalInt.class.equals(c)
                && !OptionalLong.class.equals(c) && !OptionalDouble.class.equals(c);
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType pt) {
            return (Class<?>) pt.getRawType();
        }
        return Object.class;
    }

    private static String applyNaming(String method, ConfigMapping.NamingStrategy naming) {
        return switch (naming) {
            case VERBATIM -> method;
            case SNAKE_CASE -> method.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
            default -> method.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
        };
    }

    // ------------------------------------------------------------------------------------------
    // Kubernetes helpers
    // ------------------------------------------------------------------------------------------

    private static List<Path> k8sYamlFiles() throws IOException {
        try (Stream<Path> s = Files.walk(base.resolve("k8s"))) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().collect(Collectors.toList());
        }
    }

    private static List<Map.Entry<Path, List<JsonNode>>> k8sEntries() {
        return yamlFiles.entrySet().stream().filter(e -> e.getKey().startsWith(base.resolve("k8s")))
                .collect(Collectors.toList());
    }

    private static Stream<JsonNode> k8sDocs() {
        return k8sEntries().stream()
                .filter(e -> !isKustomizationFile(e.getKey()) && !patchPaths.contains(e.getKey()))
                .flatMap(e -> e.getValue().stream());
    }

    private static boolean isKustomizationFile(Path p) {
        String n = p.getFileName().toString();
        return n.equals("kustomization.yaml") || n.equals("kustomization.yml") || n.equals("Kustomization");
    }

    private static Path kustomizationIn(Path dir) {
        for (String n : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            if (Files.isRegularFile(dir.resolve(n))) {
                return dir.resolve(n);
            }
        }
        return null;
    }

    private static boolean isRemote(String ref) {
        return ref.contains("://") || ref.startsWith("github.com/") || ref.startsWith("git@");
    }

    /** Every local path a kustomization names: resources, components, patches, generators' files. */
    private static List<String> references(JsonNode k) {
        List<String> refs = new ArrayList<>();
        for (String field : List.of("resources", "components", "patchesStrategicMerge", "crds")) {
            for (JsonNode n : k.path(field)) {
                if (n.isTextual()) {
                    refs.add(n.asText());
                }
            }
        }
        for (String field : List.of("patches", "patchesJson6902")) {
            for (JsonNode n : k.path(field)) {
                if (n.isTextual()) {
                    refs.add(n.asText());
                } else if (n.has("path")) {
                    refs.add(text(n, "path"));
                }
            }
        }
        for (String field : List.of("configMapGenerator", "secretGenerator")) {
            for (JsonNode g : k.path(field)) {
                for (String list : List.of("files", "envs")) {
                    for (JsonNode f : g.path(list)) {
                        String s = f.asText();
                        refs.add(s.contains("=") ? s.substring(s.indexOf('=') + 1) : s);
                    }
                }
                if (g.has("env")) {
                    refs.add(text(g, "env"));
                }
            }
        }
        return refs;
    }

    private static List<Path> patchFiles(Path dir, JsonNode k) {
        List<Path> out = new ArrayList<>();
        for (JsonNode n : k.path("patchesStrategicMerge")) {
            out.add(dir.resolve(n.asText()).normalize());
        }
        for (JsonNode n : k.path("patches")) {
            // patches with an explicit target may be JSON6902 lists; those name their target there
            if (n.has("path") && !n.has("target")) {
                out.add(dir.resolve(text(n, "path")).normalize());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Static kustomize build: the objects a kustomization produces, without a kustomize binary
    // ------------------------------------------------------------------------------------------

    /** Fields of a Kustomization/Component this model applies; any other field fails the build loudly. */
    private static final Set<String> MODELLED_FIELDS = Set.of("apiVersion", "kind", "metadata", "resources",
            "components", "patches", "patchesStrategicMerge", "images", "namespace", "labels");
    /** Kinds kustomize leaves without namespace. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass");
    /** Strategic-merge keys of the lists patches touch here; other lists are replaced. */
    private static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
            "env", "name", "volumes", "name", "volumeMounts", "mountPath", "ports", "containerPort");

    private static Map<Path, List<ObjectNode>> builds;

    /** Every kustomization of kind Kustomization (base, variants, overlays) built, by directory. */
    private static synchronized Map<Path, List<ObjectNode>> builds() {
        if (builds == null) {
            Map<Path, List<ObjectNode>> all = new TreeMap<>();
            for (Path k : kustomizationFiles()) {
                if ("Kustomization".equals(text(yamlFiles.get(k).get(0), "kind"))) {
                    all.put(k.getParent(), buildDir(k.getParent()));
                }
            }
            builds = all;
        }
        return builds;
    }

    private static List<ObjectNode> build(String dir) {
        List<ObjectNode> b = builds().get(base.resolve(dir).normalize());
        assertNotNull(b, "no Kustomization in " + dir);
        return b;
    }

    private static Map<Path, List<ObjectNode>> serverBuilds() {
        Map<Path, List<ObjectNode>> out = new TreeMap<>();
        builds().forEach((dir, objects) -> {
            if (findDeployment(objects) != null) {
                out.put(dir, objects);
            }
        });
        assertTrue(out.containsKey(base.resolve(DEPLOYMENT_DIR)), "server builds: " + out.keySet());
        return out;
    }

    private static Map<Path, List<ObjectNode>> cronJobBuilds() {
        Map<Path, List<ObjectNode>> out = new TreeMap<>();
        builds().forEach((dir, objects) -> {
            if (findCronJob(objects) != null) {
                out.put(dir, objects);
            }
        });
        assertTrue(out.containsKey(base.resolve(CRONJOB_DIR)), "CronJob builds: " + out.keySet());
        return out;
    }

    private static ObjectNode findDeployment(List<ObjectNode> objects) {
        return objects.stream().filter(o -> "Deployment".equals(text(o, "kind"))
                && APP_NAME.equals(text(o.path("metadata"), "name"))).findFirst().orElse(null);
    }

    private static ObjectNode findCronJob(List<ObjectNode> objects) {
        return objects.stream().filter(o -> "CronJob".equals(text(o, "kind"))
                && CRONJOB_NAME.equals(text(o.path("metadata"), "name"))).findFirst().orElse(null);
    }

    private static List<Path> kustomizationFiles() {
        return k8sEntries().stream().map(Map.Entry::getKey).filter(ManifestsTest::isKustomizationFile)
                .collect(Collectors.toList());
    }

    private static List<ObjectNode> buildDir(Path dir) {
        Path k = kustomizationIn(dir);
        assertNotNull(k, rel(dir) + " holds no kustomization");
        JsonNode doc = documents(k).get(0);
        assertEquals("Kustomization", text(doc, "kind"), rel(k) + " is used as a resource, so it must be a Kustomization");
        List<ObjectNode> objects = new ArrayList<>();
        applyKustomization(k, doc, objects);
        return objects;
    }

    private static void applyComponent(Path dir, List<ObjectNode> objects) {
        Path k = kustomizationIn(dir);
        assertNotNull(k, rel(dir) + " holds no kustomization");
        JsonNode doc = documents(k).get(0);
        assertEquals("Component", text(doc, "kind"), rel(k) + " is used as a component, so it must be a Component");
        applyKustomization(k, doc, objects);
    }

    /** kustomize's order: resources, then components, then this kustomization's patches and transformers. */
    private static void applyKustomization(Path k, JsonNode doc, List<ObjectNode> objects) {
        Path dir = k.getParent();
        doc.fieldNames().forEachRemaining(f -> assertTrue(MODELLED_FIELDS.contains(f),
                rel(k) + ": \"" + f + "\" is not modelled by ManifestsTest's static build: extend it"));
        for (JsonNode r : doc.path("resources")) {
            assertFalse(isRemote(r.asText()), rel(k) + ": remote resource " + r.asText() + " cannot be checked");
            Path target = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(target)) {
                objects.addAll(buildDir(target));
            } else {
                assertTrue(Files.isRegularFile(target), rel(k) + " names " + r.asText() + ", which does not exist");
                assertWithinRoot(k, target);
                for (JsonNode d : documents(target)) {
                    objects.add((ObjectNode) d.deepCopy());
                }
            }
        }
        for (JsonNode c : doc.path("components")) {
            applyComponent(dir.resolve(c.asText()).normalize(), objects);
        }
        List<Path> patches = new ArrayList<>();
        for (JsonNode p : doc.path("patchesStrategicMerge")) {
            patches.add(dir.resolve(p.asText()).normalize());
        }
        for (JsonNode p : doc.path("patches")) {
            Set<String> fields = new TreeSet<>();
            p.fieldNames().forEachRemaining(fields::add);
            assertEquals(Set.of("path"), fields, rel(k) + ": only file patches (path, no target) are modelled: " + p);
            patches.add(dir.resolve(text(p, "path")).normalize());
        }
        for (Path patch : patches) {
            assertTrue(Files.isRegularFile(patch), rel(k) + ": patch " + rel(patch) + " does not exist");
            assertWithinRoot(k, patch);
            for (JsonNode p : documents(patch)) {
                List<ObjectNode> targets = objects.stream().filter(o -> text(o, "kind").equals(text(p, "kind"))
                        && text(o.path("metadata"), "name").equals(text(p.path("metadata"), "name")))
                        .collect(Collectors.toList());
                assertEquals(1, targets.size(), rel(patch) + " patches " + text(p, "kind") + "/"
                        + text(p.path("metadata"), "name") + ", found " + targets.size() + " among "
                        + objects.stream().map(ManifestsTest::id).collect(Collectors.toList()));
                merge(targets.get(0), p, rel(patch));
            }
        }
        for (JsonNode image : doc.path("images")) {
            for (ObjectNode o : objects) {
                for (JsonNode c : containers(o)) {
                    ((ObjectNode) c).put("image", transformImage(text(c, "image"), image));
                }
            }
        }
        for (JsonNode l : doc.path("labels")) {
            assertFalse(l.path("includeSelectors").asBoolean() || l.path("includeTemplates").asBoolean()
                    || l.has("fields"), rel(k) + ": only metadata labels are modelled (no includeSelectors/Templates)");
            for (ObjectNode o : objects) {
                JsonNode meta = o.path("metadata");
                ObjectNode labels = meta.has("labels") ? (ObjectNode) meta.get("labels")
                        : ((ObjectNode) meta).putObject("labels");
                l.path("pairs").fields().forEachRemaining(e -> labels.set(e.getKey(), e.getValue().deepCopy()));
            }
        }
        if (doc.has("namespace")) {
            for (ObjectNode o : objects) {
                if (!CLUSTER_SCOPED.contains(text(o, "kind"))) {
                    ((ObjectNode) o.path("metadata")).put("namespace", text(doc, "namespace"));
                }
                // kustomize's namespace transformer also moves a binding's ServiceAccount subjects into the namespace
                if (Set.of("RoleBinding", "ClusterRoleBinding").contains(text(o, "kind"))) {
                    for (JsonNode subject : o.path("subjects")) {
                        if ("ServiceAccount".equals(text(subject, "kind"))) {
                            ((ObjectNode) subject).put("namespace", text(doc, "namespace"));
                        }
                    }
                }
            }
        }
    }

    /** kustomize's default load restriction: files (not kustomization directories) must be in or below its directory. */
    private static void assertWithinRoot(Path kustomization, Path file) {
        assertTrue(file.startsWith(kustomization.getParent()), rel(kustomization) + " names " + rel(file)
                + ", outside its directory: kustomize refuses that; include the other directory's kustomization instead");
    }

    /** Strategic merge, simplified: maps merge, the lists of MERGE_KEYS merge by key, other values are replaced. */
    private static void merge(ObjectNode target, JsonNode patch, String where) {
        patch.fields().forEachRemaining(e -> {
            String field = e.getKey();
            JsonNode value = e.getValue();
            assertFalse(field.startsWith("$"), where + ": directive " + field + " is not modelled");
            JsonNode current = target.get(field);
            if (value.isObject() && current != null && current.isObject()) {
                merge((ObjectNode) current, value, where);
            } else if (value.isArray() && current != null && current.isArray() && MERGE_KEYS.containsKey(field)) {
                String key = MERGE_KEYS.get(field);
                // kustomize (kyaml's strategic merge) puts the patch's new items first, in the patch's order
                List<JsonNode> added = new ArrayList<>();
                for (JsonNode item : value) {
                    ObjectNode match = null;
                    for (JsonNode existing : current) {
                        if (existing.path(key).equals(item.path(key))) {
                            match = (ObjectNode) existing;
                        }
                    }
                    if (match != null) {
                        merge(match, item, where);
                    } else {
                        added.add(item.deepCopy());
                    }
                }
                for (int i = added.size() - 1; i >= 0; i--) {
                    ((ArrayNode) current).insert(0, added.get(i));
                }
            } else if (value.isNull()) {
                target.remove(field);
            } else {
                target.set(field, value.deepCopy());
            }
        });
    }

    /** kustomize's images transformer on one image reference (name[:tag][@digest]). */
    private static String transformImage(String image, JsonNode entry) {
        String name = image;
        String tag = null;
        String digest = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            digest = name.substring(at + 1);
            name = name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
        }
        if (!name.equals(text(entry, "name"))) {
            return image;
        }
        if (entry.has("newName")) {
            name = text(entry, "newName");
        }
        if (entry.has("newTag")) {
            tag = text(entry, "newTag");
            digest = null;
        }
        if (entry.has("digest")) {
            digest = text(entry, "digest");
            tag = null;
        }
        return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    private static List<JsonNode> documents(Path file) {
        List<JsonNode> docs = yamlFiles.get(file);
        if (docs != null) {
            return docs;
        }
        try {
            return readDocuments(file);
        } catch (IOException e) {
            return fail("cannot parse " + rel(file), e);
        }
    }

    private static String id(JsonNode o) {
        String ns = text(o.path("metadata"), "namespace");
        return text(o, "kind") + "/" + (ns.isEmpty() ? "" : ns + "/") + text(o.path("metadata"), "name");
    }

    private static String namespaceOf(JsonNode o) {
        return text(o.path("metadata"), "namespace");
    }

    private static Map<String, String> labels(JsonNode labels) {
        Map<String, String> out = new TreeMap<>();
        labels.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /**
     * Whether a selector (a label selector with matchLabels, or a Service's plain map) selects these labels.
     * matchExpressions are not modelled (fail). An empty selector selects nothing here: none of ours is empty.
     */
    private static boolean selects(JsonNode selector, Map<String, String> labels) {
        assertFalse(selector.has("matchExpressions"), "matchExpressions are not modelled: " + selector);
        JsonNode match = selector.has("matchLabels") ? selector.path("matchLabels") : selector;
        Map<String, String> wanted = labels(match);
        return !wanted.isEmpty() && labels.entrySet().containsAll(wanted.entrySet());
    }

    private static JsonNode appDeployment() {
        List<JsonNode> found = k8sDocs().filter(d -> "Deployment".equals(text(d, "kind"))
                && APP_NAME.equals(text(d.path("metadata"), "name"))
                && d.path("spec").has("template")).collect(Collectors.toList());
        assertEquals(1, found.size(), "exactly one full Deployment named " + APP_NAME);
        return found.get(0);
    }

    private static JsonNode appContainer(JsonNode deployment) {
        for (JsonNode c : containers(deployment)) {
            if (APP_NAME.equals(text(c, "name"))) {
                return c;
            }
        }
        return fail("no container named " + APP_NAME);
    }

    private static JsonNode appCronJob() {
        List<JsonNode> found = k8sDocs().filter(d -> "CronJob".equals(text(d, "kind"))
                && CRONJOB_NAME.equals(text(d.path("metadata"), "name"))
                && d.path("spec").has("jobTemplate")).collect(Collectors.toList());
        assertEquals(1, found.size(), "exactly one full CronJob named " + CRONJOB_NAME);
        return found.get(0);
    }

    /** The pod spec of a Deployment/StatefulSet/Job (spec.template) or a CronJob (spec.jobTemplate...); missing otherwise. */
    private static JsonNode podSpec(JsonNode doc) {
        JsonNode pod = doc.path("spec").path("template").path("spec");
        if (pod.isMissingNode()) {
            pod = doc.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
        }
        return pod;
    }

    private static List<JsonNode> containers(JsonNode doc) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode pod = podSpec(doc);
        pod.path("containers").forEach(out::add);
        pod.path("initContainers").forEach(out::add);
        return out;
    }

    private static int resolvePort(JsonNode container, JsonNode port) {
        if (port.isInt() || (port.isTextual() && port.asText().matches("\\d+"))) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (port.asText().equals(text(p, "name"))) {
                return p.path("containerPort").asInt();
            }
        }
        return fail("unknown container port " + port);
    }

    // ------------------------------------------------------------------------------------------
    // docker-compose helpers
    // ------------------------------------------------------------------------------------------

    private static Map<String, JsonNode> composeServices() {
        JsonNode compose = yamlFiles.get(base.resolve("docker-compose.yml")).get(0);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        compose.path("services").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        assertFalse(out.isEmpty(), "docker-compose.yml has no services");
        return out;
    }

    private static JsonNode composeApp() {
        List<JsonNode> built = composeServices().values().stream().filter(s -> s.has("build"))
                .collect(Collectors.toList());
        assertEquals(1, built.size(), "exactly one compose service is built from source");
        return built.get(0);
    }

    /** A service's environment, in either the mapping or the list ("K=V") form. */
    private static Map<String, String> composeEnvironment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isObject()) {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().isNull() ? null : f.getValue().asText()));
        } else if (e.isArray()) {
            for (JsonNode item : e) {
                String s = item.asText();
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
            }
        }
        return env;
    }

    // ------------------------------------------------------------------------------------------
    // Dockerfile helpers
    // ------------------------------------------------------------------------------------------

    /** Instructions of Dockerfile.jvm, continuation lines joined, comments dropped. */
    private static List<String> dockerInstructions() {
        Path dockerfile = base.resolve("src/main/docker/Dockerfile.jvm");
        List<String> lines;
        try {
            lines = Files.readAllLines(dockerfile);
        } catch (IOException e) {
            return fail("cannot read " + dockerfile, e);
        }
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("#")) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            if (current.toString().isBlank()) {
                current.setLength(0);
                continue;
            }
            out.add(current.toString().strip());
            current.setLength(0);
        }
        return out;
    }

    /** ENV of the last stage (the runtime image), KEY=VALUE form, double quotes honoured. */
    private static Map<String, String> dockerEnv() {
        List<String> instructions = dockerInstructions();
        int lastFrom = 0;
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).startsWith("FROM ")) {
                lastFrom = i;
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String ins : instructions.subList(lastFrom, instructions.size())) {
            if (!ins.startsWith("ENV ")) {
                continue;
            }
            Iterator<String> words = splitWords(ins.substring(4)).iterator();
            while (words.hasNext()) {
                String w = words.next();
                int eq = w.indexOf('=');
                assertTrue(eq > 0, "ENV must use KEY=VALUE: " + ins);
                env.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return env;
    }

    private static List<String> splitWords(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    words.add(w.toString());
                    w.setLength(0);
                    any = false;
                }
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(w.toString());
        }
        return words;
    }

    // ------------------------------------------------------------------------------------------
    // YAML
    // ------------------------------------------------------------------------------------------

    private static List<JsonNode> readDocuments(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()
                        && !(doc.isObject() && doc.isEmpty())) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isValueNode() ? v.asText() : "";
    }

    private static String rel(Path p) {
        return base.relativize(p).toString();
    }
}
