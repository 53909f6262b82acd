package clinic.ingress.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Replica;

/**
 * The packaged service with a read-only temporary directory, as it runs under our Kubernetes
 * manifest ({@code readOnlyRootFilesystem: true}, nothing mounted on /tmp): it must start, get ready
 * and store messages. Vert.x creates a file cache under {@code java.io.tmpdir} at boot unless told
 * not to (quarkus#40531), which failed the start with "Read-only file system".
 *
 * <p>
 * As root (CI here) the directory is a read-only bind mount, which even root cannot write;
 * otherwise it is a directory without write permission. Either way the test first proves it cannot
 * be written, so it never passes against a writable directory.
 */
class ReadOnlyFilesystemIT {

    private static final Path DIR = Path.of("target", "read-only-tmp").toAbsolutePath();
    private static boolean mounted;

    @BeforeAll
    static void readOnlyDirectory() throws Exception {
        Files.createDirectories(DIR);
        if ("root".equals(System.getProperty("user.name"))) {
            run("mount", "--bind", DIR.toString(), DIR.toString());
            mounted = true;
            run("mount", "-o", "remount,bind,ro", DIR.toString());
        } else {
            DIR.toFile().setWritable(false, false);
        }
        assertThatThrownBy(() -> Files.createTempFile(DIR, "probe", ".tmp")).as("the directory must be read-only")
                .isInstanceOf(IOException.class);
    }

    @AfterAll
    static void writableAgain() throws Exception {
        if (mounted) {
            run("umount", DIR.toString());
        } else {
            DIR.toFile().setWritable(true, false);
        }
    }

    @Test
    void startsReadyAndStoresWithAReadOnlyTemporaryDirectory() throws Exception {
        Db.TestClinic clinic = Db.clinic("read-only");
        try (Replica replica = Replica.start("java.io.tmpdir=" + DIR)) {
            assertThat(replica.management("/q/health/ready").statusCode()).isEqualTo(200);
            var answer = replica.postWebhook(Evolution.text(clinic.instance(), "5511933330001", "somente leitura"))
                    .get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"accepted\"");
        }
        assertThat(Db.messages(clinic.instance())).isEqualTo(1);
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    }
}
