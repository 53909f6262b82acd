package clinic.ingress.postgres;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Drops one known false alarm: while PostgreSQL refuses connections (a wrong role or password, a
 * database that does not exist), every query's connection-timeout timer in Vert.x's SQL pool fires
 * after the query has already failed and completes its promise a second time
 * (eclipse-vertx/vertx-sql-client#1706, open). Vert.x reports each as an uncaught
 * {@code IllegalStateException: Result is already complete} with a stack trace, hundreds a minute,
 * burying the one line that names the cause (the services' {@code FailureLog}). The query itself
 * was answered with its real failure; nothing is lost by not logging the second completion. Only
 * that exception from that pool is dropped.
 */
@LoggingFilter(name = "pool-timer-noise")
public final class PoolTimerNoise implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        Throwable thrown = record.getThrown();
        if (!(thrown instanceof IllegalStateException) || !"Result is already complete".equals(thrown.getMessage())) {
            return true;
        }
        StackTraceElement[] stack = thrown.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, 3); i++) {
            if (stack[i].getClassName().startsWith("io.vertx.sqlclient.impl.pool.SqlConnectionPool")) {
                return false;
            }
        }
        return true;
    }
}
