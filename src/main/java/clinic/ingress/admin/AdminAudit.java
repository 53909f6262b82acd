package clinic.ingress.admin;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.background.Failures;
import clinic.ingress.background.LogText;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The admin audit trail, {@code core.admin_audit}: one row per admin action, who, when, what (the
 * action and its target: an instance, an organization and a patient's pseudonym, a key pattern;
 * never a phone number, name or message) and how it ended. The service's database role may insert
 * and read it, never change or delete it.
 */
@ApplicationScoped
class AdminAudit {

    /** One row, as recorded. */
    record Action(String operator, String action, String target, int status, String result) {
    }

    private static final String INSERT = "INSERT INTO core.admin_audit (operator, action, target, status, result) VALUES ($1, $2, $3, $4, $5)";
    private static final String PAGE = """
            SELECT at, operator, action, target, status, result FROM core.admin_audit
            WHERE $1::text IS NULL OR operator = $1
            ORDER BY id DESC
            LIMIT $2""";

    private final Pool pool;

    AdminAudit(Pool pool) {
        this.pool = pool;
    }

    /** Records an action; if that fails, the log keeps it (the action has happened either way). */
    Uni<Void> record(Action action) {
        return pool.preparedQuery(INSERT)
                .execute(Tuple.of(action.operator(), action.action(), action.target(), action.status(), action.result()))
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    Log.warnf("admin action not audited in PostgreSQL (%s): operator=%s action=%s target=%s status=%d",
                            Failures.describe(failure), LogText.of(action.operator()), action.action(),
                            LogText.of(action.target()), action.status());
                    return Uni.createFrom().voidItem();
                });
    }

    /** The newest rows, of one operator or all. */
    Uni<List<ObjectNode>> newest(String operator, int limit) {
        return pool.preparedQuery(PAGE)
                .execute(Tuple.of(operator, limit))
                .map(rows -> {
                    List<ObjectNode> page = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        page.add(JsonNodeFactory.instance.objectNode()
                                .put("at", row.getOffsetDateTime("at").toInstant().toString())
                                .put("operator", row.getString("operator"))
                                .put("action", row.getString("action"))
                                .put("target", row.getString("target"))
                                .put("status", row.getLong("status"))
                                .put("result", row.getString("result")));
                    }
                    return page;
                });
    }

}
