package clinic.ingress.admin;

import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.credentials.Secrets;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Who an admin request is from: the operator whose own token it carries ({@code core.admin_operators},
 * stored as its SHA-256 only, revocable: scripts/admin-operator.sh), or the shared
 * {@code ingress.admin.token} (development, a first start), named as such. Read per request: admin
 * calls are rare, and a revoked token stops working at once.
 */
@ApplicationScoped
class Operators {

    /** How the shared token's actions are audited. */
    static final String SHARED_TOKEN = "ingress.admin.token";
    private static final String FIND = "SELECT name FROM core.admin_operators WHERE token_sha256 = $1 AND revoked_at IS NULL";

    private final Pool pool;
    private final AdminConfig config;

    Operators(Pool pool, AdminConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** The operator's name, or a null item when the header names nobody. */
    Uni<String> identify(String authorization) {
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : "";
        if (token.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        if (config.token().isPresent() && Secrets.same(token, config.token().get())) {
            return Uni.createFrom().item(SHARED_TOKEN);
        }
        return pool.preparedQuery(FIND)
                .execute(Tuple.of(HexFormat.of().formatHex(Secrets.sha256(token))))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("name"));
    }
}
