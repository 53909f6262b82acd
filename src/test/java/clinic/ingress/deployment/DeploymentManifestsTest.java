package clinic.ingress.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The deployment files against what the service needs: a shutdown that fits in the grace period,
 * a container that asks for nothing it does not use, a management port kept off the internet,
 * migrations apart from the service, and docs/deployment.md listing every secret the files and the
 * configuration name.
 */
@Tag("fast")
class DeploymentManifestsTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void theKubernetesDeploymentShutsDownInTimeAndRunsLocked() throws IOException {
        JsonNode deployment = resource("deployment.yml", "Deployment");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        long preStop = container.at("/lifecycle/preStop/sleep/seconds").asLong();

        assertThat(preStop).as("preStop sleep: the endpoint is removed before the port closes").isPositive();
        assertThat(pod.get("terminationGracePeriodSeconds").asLong()).as("grace period")
                .isGreaterThan(preStop + shutdownTimeout().toSeconds());
        assertThat(pod.get("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(container.at("/securityContext/capabilities/drop").toString()).contains("ALL");
        assertThat(container.get("env").toString()).as("the service does not migrate")
                .contains("QUARKUS_FLYWAY_MIGRATE_AT_START").contains("\"false\"");
        assertThat(pod.has("volumes")).as("nothing is written, so nothing is mounted").isFalse();
    }

    @Test
    void onlyPrometheusReachesTheManagementPortAndADrainKeepsAReplica() throws IOException {
        JsonNode policy = resource("deployment.yml", "NetworkPolicy");
        for (JsonNode rule : policy.at("/spec/ingress")) {
            if (rule.get("ports").toString().contains("9000")) {
                assertThat(rule.has("from")).as("a rule opening 9000 names who may use it").isTrue();
            }
        }
        assertThat(policy.at("/spec/ingress").toString()).contains("9000").contains("8080");
        assertThat(resource("deployment.yml", "PodDisruptionBudget").at("/spec/minAvailable").asInt()).isPositive();
        assertThat(resource("ingress.yml", "Ingress").toString()).contains("/webhooks/").contains("tls")
                .doesNotContain("9000");
    }

    @Test
    void migrationsRunAsTheirOwnStepWithTheOwnersCredentials() throws IOException {
        JsonNode job = resource("migrate-job.yml", "Job").at("/spec/template/spec/containers/0");
        assertThat(job.get("command").toString()).contains("quarkus.init-and-exit=true")
                .contains("quarkus.flyway.migrate-at-start=true");
        assertThat(job.get("envFrom").toString()).contains("clinic-ingress-migration");
        assertThat(resource("deployment.yml", "Deployment").toString()).doesNotContain("clinic-ingress-migration");

        String fly = Files.readString(Path.of("fly.toml"));
        assertThat(setting(fly, "kill_timeout")).as("fly kill_timeout")
                .isGreaterThan(shutdownTimeout().toSeconds());
        assertThat(fly).contains("release_command = \"./application -Dquarkus.init-and-exit=true")
                .contains("QUARKUS_FLYWAY_MIGRATE_AT_START = \"false\"");
    }

    /**
     * The image and the build as shipped: manifests run an image by digest (a tag can be moved to
     * other bytes), the executable is root's and read-only, no failure of the build is hidden, and
     * the Maven wrapper checks the distribution it downloads.
     */
    @Test
    void imagesAreImmutableAndTheBuildHidesNothing() throws IOException {
        for (JsonNode container : List.of(resource("deployment.yml", "Deployment").at("/spec/template/spec/containers/0"),
                resource("migrate-job.yml", "Job").at("/spec/template/spec/containers/0"))) {
            assertThat(container.get("image").asText()).as("image by digest").contains("@sha256:");
        }
        String dockerfile = Files.readString(Path.of("Dockerfile.native"));
        assertThat(dockerfile).as("no hidden failure").doesNotContain("|| true");
        assertThat(dockerfile).as("the executable read-only and root's").contains("--chown=0:0 --chmod=0555")
                .doesNotContainPattern("chown\\s+1001");
        assertThat(Files.readString(Path.of(".mvn/wrapper/maven-wrapper.properties")))
                .containsPattern("(?m)^distributionSha256Sum=[0-9a-f]{64}$");
    }

    /**
     * The native executable's run-time options measured for the 256 MiB container (heap, the size
     * above which the collector collects completely, young generation; docs/benchmarks.md): the
     * image's CMD carries them, and the Kubernetes Deployment and Fly's process run the executable
     * with the same ones, not with the executable's defaults (a heap of 80 % of the container's
     * memory). They were measured with the collector policy the build selects, which the build
     * configuration must keep: with the default policy the same options gave a p99 2.4 times the JVM's.
     */
    @Test
    void theNativeExecutableRunsWithItsMeasuredOptionsEverywhere() throws IOException {
        Matcher cmd = Pattern.compile("(?m)^CMD (\\[.*\\])$").matcher(Files.readString(Path.of("Dockerfile.native")));
        assertThat(cmd.find()).as("Dockerfile.native has an exec-form CMD").isTrue();
        List<String> image = new ArrayList<>();
        YAML.readTree(cmd.group(1)).forEach(part -> image.add(part.asText()));
        assertThat(image).first().isEqualTo("./application");
        assertThat(image).anyMatch(option -> option.startsWith("-Xmx")).anyMatch(option -> option.startsWith("-Xms"))
                .anyMatch(option -> option.startsWith("-Xmn"));
        assertThat(Files.readString(Path.of("src/main/resources/application.properties")))
                .as("the build selects the collector policy the options were measured with")
                .containsPattern("(?m)^quarkus\\.native\\.additional-build-args=.*-H:InitialCollectionPolicy=BySpaceAndTime");

        List<String> kubernetes = new ArrayList<>();
        resource("deployment.yml", "Deployment").at("/spec/template/spec/containers/0/command")
                .forEach(part -> kubernetes.add(part.asText()));
        assertThat(kubernetes).as("deployment.yml's command").isEqualTo(image);

        Matcher fly = Pattern.compile("(?m)^\\[processes]\\s*\\n\\s*app = \"([^\"]+)\"$")
                .matcher(Files.readString(Path.of("fly.toml")));
        assertThat(fly.find()).as("fly.toml's [processes] app").isTrue();
        assertThat(List.of(fly.group(1).split(" "))).as("fly.toml's process").isEqualTo(image);
    }

    @Test
    void docsDeploymentListsEverySecretTheFilesName() throws IOException {
        Set<String> named = new TreeSet<>();
        Matcher upper = Pattern.compile("\\b(DATABASE_[A-Z_]+|REDIS_URL|INGRESS_[A-Z0-9_]+)\\b")
                .matcher(Files.readString(Path.of("fly.toml"))
                        + Files.readString(Path.of("src/main/resources/application.properties")));
        while (upper.find()) {
            named.add(upper.group(1));
        }
        String docs = Files.readString(Path.of("docs/deployment.md"));
        List<String> missing = new ArrayList<>();
        named.forEach(name -> {
            if (!docs.contains("`" + name + "`")) {
                missing.add(name);
            }
        });
        assertThat(missing).as("secrets and settings named in fly.toml or application.properties, missing from "
                + "docs/deployment.md").isEmpty();
    }

    private static JsonNode resource(String file, String kind) throws IOException {
        Path path = Path.of("src/main/kubernetes", file);
        for (String document : Files.readString(path).split("(?m)^---$")) {
            JsonNode node = YAML.readTree(document);
            if (node != null && kind.equals(node.path("kind").asText())) {
                return node;
            }
        }
        throw new AssertionError("no " + kind + " in " + path);
    }

    private static Duration shutdownTimeout() throws IOException {
        return Duration.parse("PT" + setting(Files.readString(Path.of("src/main/resources/application.properties")),
                "quarkus.shutdown.timeout", "[0-9]+s").toUpperCase());
    }

    private static long setting(String text, String key) {
        return Long.parseLong(setting(text, key, "[0-9]+"));
    }

    private static String setting(String text, String key, String value) {
        Matcher matcher = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s*=\\s*(" + value + ")").matcher(text);
        assertThat(matcher.find()).as(key).isTrue();
        return matcher.group(1);
    }
}
