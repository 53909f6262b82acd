package clinic.ingress.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import clinic.ingress.support.TcpProxy;

/**
 * For scripts/bench.sh: a TCP proxy in front of PostgreSQL that counts statements by SQL text on
 * the wire protocol (see TcpProxy/PgStatementCounter), printing its port, then rewriting a JSON
 * file with the counts every 200 ms until killed.
 *
 * <pre>CountingPostgresProxy out.json</pre>
 */
public final class CountingPostgresProxy {

    private CountingPostgresProxy() {
    }

    public static void main(String[] args) throws Exception {
        TcpProxy proxy = new TcpProxy(5432).countingPgStatements();
        System.out.println(proxy.port());
        System.out.flush();
        Path out = Path.of(args[0]);
        while (true) {
            StringBuilder json = new StringBuilder("{");
            Map<String, Long> counts = proxy.pgStatementsBySql();
            counts.forEach((sql, n) -> json.append(json.length() > 1 ? "," : "")
                    .append('"').append(sql.replace("\\", "\\\\").replace("\"", "\\\"")).append("\":").append(n));
            Path tmp = Path.of(args[0] + ".tmp");
            Files.writeString(tmp, json.append('}').toString());
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(200);
        }
    }
}
