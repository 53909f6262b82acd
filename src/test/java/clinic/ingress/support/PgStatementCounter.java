package clinic.ingress.support;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the statements a client sends to PostgreSQL by reading the frontend wire protocol: every
 * extended-protocol Execute ('E') and every simple Query ('Q') is one statement. Fed with the bytes
 * of one client-to-server stream, in order.
 */
final class PgStatementCounter {

    private final AtomicLong statements;
    private final byte[] header = new byte[5];
    private boolean startup = true;
    private int headerLength;
    private long remaining;

    PgStatementCounter(AtomicLong statements) {
        this.statements = statements;
    }

    void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            if (remaining > 0) {
                int skip = (int) Math.min(remaining, end - i);
                remaining -= skip;
                i += skip;
                continue;
            }
            // The startup message has no type byte: int32 length, then the body.
            int size = startup ? 4 : 5;
            header[headerLength++] = bytes[i++];
            if (headerLength == size) {
                int at = startup ? 0 : 1;
                long messageLength = ((header[at] & 0xffL) << 24) | ((header[at + 1] & 0xff) << 16)
                        | ((header[at + 2] & 0xff) << 8) | (header[at + 3] & 0xff);
                if (!startup && (header[0] == 'E' || header[0] == 'Q')) {
                    statements.incrementAndGet();
                }
                remaining = messageLength - 4;
                startup = false;
                headerLength = 0;
            }
        }
    }
}
