package clinic.ingress.platform;

import io.vertx.pgclient.PgException;

/**
 * Describes a failure for a log line without its message: driver messages can quote the values of a
 * statement, and those values are patients' messages and phone numbers.
 */
public final class Failures {

    private Failures() {
    }

    public static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof PgException pg) {
            return "PgException sqlstate=" + pg.getSqlState();
        }
        return root.getClass().getSimpleName();
    }
}
