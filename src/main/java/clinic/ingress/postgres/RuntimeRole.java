package clinic.ingress.postgres;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Failures;
import clinic.ingress.settings.IngressConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * Says, once at start, when the service runs as a role that can do more than it needs: a superuser,
 * or the owner of its schemas (the migration role). Either can drop or rewrite every table, so a
 * compromised replica could too; the service needs DML only (scripts/db-roles.sh,
 * docs/deployment.md#database-roles). A WARN where {@code ingress.fail-closed} (production), an
 * INFO in development, and {@code ingress.postgres.privileged} = 1 either way. It never stops a
 * start: an existing deployment keeps working while it moves to a DML-only role.
 */
@ApplicationScoped
public class RuntimeRole {

    private static final String CHECK = """
            SELECT current_user AS role, r.rolsuper AS superuser,
                   EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname IN ('core', 'healthcare')
                           AND pg_has_role(current_user, n.nspowner, 'MEMBER')) AS owner
            FROM pg_roles r WHERE r.rolname = current_user""";

    private final Pool pool;
    private final boolean production;
    private final AtomicInteger privileged = new AtomicInteger();

    public RuntimeRole(Pool pool, IngressConfig settings, MeterRegistry registry) {
        this.pool = pool;
        this.production = settings.failClosed();
        registry.gauge("ingress.postgres.privileged", privileged);
    }

    void check(@Observes StartupEvent event) {
        pool.query(CHECK)
                .execute()
                .subscribe().with(
                        rows -> rows.forEach(this::judge),
                        failure -> Log.debugf("could not check the database role (%s)", Failures.describe(failure)));
    }

    private void judge(Row row) {
        String role = row.getString("role");
        String what = row.getBoolean("superuser") ? "a superuser"
                : row.getBoolean("owner") ? "the owner of the core and healthcare schemas" : null;
        privileged.set(what == null ? 0 : 1);
        if (what == null) {
            Log.infof("connected to PostgreSQL as %s: DML only", role);
        } else if (production) {
            Log.warnf("connected to PostgreSQL as %s, %s: a compromised replica could drop or rewrite every table. "
                    + "Run the service as a role with DML only and migrations as the owner "
                    + "(scripts/db-roles.sh, docs/deployment.md#database-roles)", role, what);
        } else {
            Log.infof("connected to PostgreSQL as %s, %s (a production start warns about it)", role, what);
        }
    }
}
