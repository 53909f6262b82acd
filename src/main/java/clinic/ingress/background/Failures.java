package clinic.ingress.background;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Set;

import io.vertx.pgclient.PgException;

/**
 * Describes a failure for a log line without its message: driver messages can quote the values of a
 * statement, and those values are patients' messages and phone numbers. The exceptions are failures
 * to connect, which quote no statement and whose message is the cause an operator needs: PostgreSQL's
 * authentication and connection errors (SQLSTATE classes 08, 28, 3D, 53300, 57P0x: "role ... does not
 * exist", "password authentication failed", "database ... does not exist"), Redis's refusals of a
 * connection (WRONGPASS, NOAUTH, NOPERM, LOADING, MASTERDOWN, CLUSTERDOWN, READONLY) and a refused
 * or unresolvable address.
 */
public final class Failures {

    private static final Set<String> REDIS_REFUSALS = Set.of("WRONGPASS", "NOAUTH", "NOPERM", "LOADING", "MASTERDOWN",
            "CLUSTERDOWN", "READONLY");

    private Failures() {
    }

    public static String describe(Throwable failure) {
        Throwable root = root(failure);
        if (root instanceof PgException pg) {
            String state = pg.getSqlState();
            return connecting(state)
                    ? "PgException sqlstate=" + state + ": " + pg.getErrorMessage()
                    : "PgException sqlstate=" + state;
        }
        String message = root.getMessage();
        if (message != null && REDIS_REFUSALS.contains(firstWord(message))) {
            return "Redis refused: " + message.strip();
        }
        if ((root instanceof ConnectException || root instanceof UnknownHostException) && message != null) {
            return root.getClass().getSimpleName() + ": " + message;
        }
        return root.getClass().getSimpleName();
    }

    /** What an operator does about it, for the errors that have one answer; empty otherwise. */
    public static String hint(Throwable failure) {
        Throwable root = root(failure);
        String message = root.getMessage() == null ? "" : root.getMessage();
        if (root instanceof PgException pg) {
            String state = pg.getSqlState();
            if ("3D000".equals(state)) {
                return " (create the database first: docs/deployment.md#3-database-roles)";
            }
            if (state != null && state.startsWith("28") || message.contains("authentication failed")) {
                return " (check DATABASE_USERNAME and DATABASE_PASSWORD; the role and, behind PgBouncer, its entry in "
                        + "the pooler's user list: docs/deployment.md#3-database-roles)";
            }
        }
        String word = firstWord(message);
        if ("WRONGPASS".equals(word) || "NOAUTH".equals(word)) {
            return " (check the Redis user and password in REDIS_URL: docs/deployment.md#4-redis-user)";
        }
        return "";
    }

    private static boolean connecting(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("28") || state.startsWith("3D")
                || state.equals("53300") || state.startsWith("57P0"));
    }

    private static String firstWord(String message) {
        String trimmed = message.strip();
        int space = trimmed.indexOf(' ');
        return space < 0 ? trimmed : trimmed.substring(0, space);
    }

    private static Throwable root(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
