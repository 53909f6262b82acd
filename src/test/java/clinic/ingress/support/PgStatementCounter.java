package clinic.ingress.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the statements a client sends to PostgreSQL by reading the frontend wire protocol, and
 * which SQL each one ran: a simple Query ('Q') carries its SQL; an extended-protocol Execute ('E')
 * runs the statement last bound ('B') on that connection, whose SQL came with its Parse ('P').
 * Fed with the bytes of one client-to-server stream, in order.
 */
final class PgStatementCounter {

    private final Map<String, AtomicLong> bySql;
    private final Map<String, String> prepared = new HashMap<>();
    private final byte[] header = new byte[5];
    private final ByteArrayOutputStream payload = new ByteArrayOutputStream();
    private boolean startup = true;
    private int headerLength;
    private long remaining;
    private boolean keep;
    private String bound;

    PgStatementCounter(Map<String, AtomicLong> bySql) {
        this.bySql = bySql;
    }

    void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            if (remaining > 0) {
                int take = (int) Math.min(remaining, end - i);
                if (keep) {
                    payload.write(bytes, i, take);
                }
                remaining -= take;
                i += take;
                if (remaining == 0) {
                    complete();
                }
                continue;
            }
            // The startup message has no type byte: int32 length, then the body.
            int size = startup ? 4 : 5;
            header[headerLength++] = bytes[i++];
            if (headerLength == size) {
                int at = startup ? 0 : 1;
                long messageLength = ((header[at] & 0xffL) << 24) | ((header[at + 1] & 0xff) << 16)
                        | ((header[at + 2] & 0xff) << 8) | (header[at + 3] & 0xff);
                keep = !startup && (header[0] == 'P' || header[0] == 'B' || header[0] == 'Q');
                payload.reset();
                remaining = messageLength - 4;
                headerLength = 0;
                if (!startup && header[0] == 'E') {
                    count(prepared.getOrDefault(bound == null ? "" : bound, "?"));
                }
                startup = false;
                if (remaining == 0) {
                    complete();
                }
            }
        }
    }

    private void complete() {
        if (!keep) {
            return;
        }
        String[] parts = new String(payload.toByteArray(), StandardCharsets.UTF_8).split("\0", 3);
        switch (header[0]) {
            case 'P' -> prepared.put(parts[0], parts.length > 1 ? parts[1] : "?");
            case 'B' -> bound = parts.length > 1 ? parts[1] : "";
            case 'Q' -> count(parts[0]);
            default -> {
            }
        }
        keep = false;
    }

    private void count(String sql) {
        bySql.computeIfAbsent(sql.strip().replaceAll("\\s+", " "), k -> new AtomicLong()).incrementAndGet();
    }

    static Map<String, AtomicLong> newTally() {
        return new ConcurrentHashMap<>();
    }
}
