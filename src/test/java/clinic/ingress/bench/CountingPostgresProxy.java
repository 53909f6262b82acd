package clinic.ingress.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import clinic.ingress.support.TcpProxy;

/**
 * For scripts/bench.sh: a TCP proxy in front of PostgreSQL that counts statements by SQL text on
 * the wire protocol (see TcpProxy/PgStatementCounter), printing its port, then rewriting a JSON
 * file with the counts every 200 ms until killed.
 *
 * <pre>
 * CountingPostgresProxy out.json
 * </pre>
 */
public final class CountingPostgresProxy {

    private CountingPostgresProxy() {
    }

    public static void main(String[] args) throws Exception {
        TcpProxy proxy = new TcpProxy(5432).countingPgStatements();
        System.out.println(proxy.port());
        System.out.flush();
        Path out = Path.of(args[0]);
        // The counts are written out every 200 ms for bench.sh to read, until the process is killed.
        Executors.newSingleThreadScheduledExecutor().scheduleAtFixedRate(() -> write(proxy, out),
                0, 200, TimeUnit.MILLISECONDS);
    }

    private static void write(TcpProxy proxy, Path out) {
        StringBuilder json = new StringBuilder("{");
        Map<String, Long> counts = proxy.pgStatementsBySql();
        counts.forEach((sql, n) -> json.append(json.length() > 1 ? "," : "")
                .append('"').append(sql.replace("\\", "\\\\").replace("\"", "\\\"")).append("\":").append(n));
        Path tmp = Path.of(out + ".tmp");
        try {
            Files.writeString(tmp, json.append('}').toString());
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
