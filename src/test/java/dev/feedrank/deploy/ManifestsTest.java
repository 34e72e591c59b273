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
import io.smallrye.config.ConfigMapping;
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
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
                    assertEquals("Kustomization", text(doc, "kind"), where);
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
        assertTrue(kustomizations.size() >= 2, "expected k8s/base and k8s/overlays/dev");
        assertTrue(Files.isRegularFile(base.resolve("k8s/base/kustomization.yaml")));
        assertTrue(Files.isRegularFile(base.resolve("k8s/overlays/dev/kustomization.yaml")));

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

    @Test
    void everyPatchTargetsAResourceOfItsKustomization() throws IOException {
        for (Path k : k8sEntries().stream().map(Map.Entry::getKey)
                .filter(ManifestsTest::isKustomizationFile).collect(Collectors.toList())) {
            JsonNode doc = yamlFiles.get(k).get(0);
            Set<String> resources = new TreeSet<>();
            for (JsonNode r : collectResources(k)) {
                resources.add(text(r, "kind") + "/" + text(r.path("metadata"), "name"));
            }
            for (Path patch : patchFiles(k.getParent(), doc)) {
                for (JsonNode p : readDocuments(patch)) {
                    String id = text(p, "kind") + "/" + text(p.path("metadata"), "name");
                    assertTrue(resources.contains(id),
                            rel(patch) + " patches " + id + ", not among " + resources);
                }
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

        JsonNode deployment = appDeployment();
        JsonNode mount = null;
        for (JsonNode m : appContainer(deployment).path("volumeMounts")) {
            if (location.startsWith(text(m, "mountPath") + "/")) {
                mount = m;
            }
        }
        assertNotNull(mount, location + " is in no volume mounted into the container");
        assertTrue(mount.path("readOnly").asBoolean(), "the key volume must be mounted read-only");
        String file = location.substring(text(mount, "mountPath").length() + 1);
        JsonNode volume = null;
        for (JsonNode v : deployment.path("spec").path("template").path("spec").path("volumes")) {
            if (text(mount, "name").equals(text(v, "name"))) {
                volume = v;
            }
        }
        assertNotNull(volume, "no volume " + text(mount, "name"));
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

        // Kubernetes
        Map<String, String> podEnv = new LinkedHashMap<>();
        for (JsonNode e : appContainer(appDeployment()).path("env")) {
            podEnv.put(text(e, "name"), e.path("value").asText(null));
        }
        assertEquals("true", podEnv.get("DJL_OFFLINE"), "Deployment env DJL_OFFLINE");
        assertEquals(libPath, podEnv.get("PYTORCH_LIBRARY_PATH"), "Deployment PYTORCH_LIBRARY_PATH");

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
    // Valid FEEDRANK_* names: reflection over the @ConfigMapping interface + application.properties
    // ------------------------------------------------------------------------------------------

    private static List<Pattern> validFeedrankEnvNames() throws Exception {
        Class<?> config = Class.forName(CONFIG_CLASS);
        ConfigMapping mapping = config.getAnnotation(ConfigMapping.class);
        assertNotNull(mapping, CONFIG_CLASS + " is not a @ConfigMapping");
        Set<String> keys = new TreeSet<>();
        collectKeys(config, mapping.prefix(), mapping.namingStrategy(), keys, new LinkedHashSet<>());
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
            Set<String> keys, Set<Class<?>> path) {
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
            addKeys(m.getGenericReturnType(), key, naming, keys, path);
        }
        path.remove(type);
    }

    private static void addKeys(Type type, String key, ConfigMapping.NamingStrategy naming, Set<String> keys,
            Set<Class<?>> path) {
        Class<?> raw = rawClass(type);
        if (type instanceof ParameterizedType pt) {
            Type[] args = pt.getActualTypeArguments();
            if (Optional.class.equals(raw)) {
                addKeys(args[0], key, naming, keys, path);
                return;
            }
            if (Map.class.isAssignableFrom(raw)) {
                addKeys(args[1], key + ".*", naming, keys, path);
                return;
            }
            if (Collection.class.isAssignableFrom(raw) && isGroup(rawClass(args[0]))) {
                addKeys(args[0], key + "[*]", naming, keys, path);
                return;
            }
        }
        if (isGroup(raw)) {
            collectKeys(raw, key, naming, keys, path);
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

    /** The objects a kustomization builds before its patches: its resources, recursively. */
    private static List<JsonNode> collectResources(Path kustomization) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Path dir = kustomization.getParent();
        JsonNode k = readDocuments(kustomization).get(0);
        for (JsonNode r : k.path("resources")) {
            if (isRemote(r.asText())) {
                continue;
            }
            Path target = dir.resolve(r.asText()).normalize();
            Path nested = Files.isDirectory(target) ? kustomizationIn(target) : null;
            if (nested != null) {
                out.addAll(collectResources(nested));
            } else if (Files.isRegularFile(target)) {
                out.addAll(readDocuments(target));
            }
        }
        for (String gen : List.of("configMapGenerator", "secretGenerator")) {
            for (JsonNode g : k.path(gen)) {
                out.add(YAML.createObjectNode()
                        .put("kind", gen.startsWith("config") ? "ConfigMap" : "Secret")
                        .set("metadata", YAML.createObjectNode().put("name", text(g, "name"))));
            }
        }
        return out;
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

    private static List<JsonNode> containers(JsonNode doc) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode pod = doc.path("spec").path("template").path("spec");
        if (pod.isMissingNode()) {
            pod = doc.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
        }
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
