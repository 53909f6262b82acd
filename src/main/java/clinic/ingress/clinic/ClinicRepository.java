package clinic.ingress.clinic;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The clinic directory in PostgreSQL: active instances of active clinics.
 */
@ApplicationScoped
public class ClinicRepository {

    private static final String SELECT = """
            SELECT i.instance_name, i.clinic_id, i.organization_id, c.name, c.whatsapp_number, i.api_key_sha256
            FROM core.whatsapp_instances i
            JOIN healthcare.clinics c ON c.id = i.clinic_id
            WHERE i.active AND c.active""";

    private final Pool pool;

    public ClinicRepository(Pool pool) {
        this.pool = pool;
    }

    /** The clinic of an instance, or a null item when the instance is unknown or inactive. */
    public Uni<Clinic> findByInstance(String instanceName) {
        return pool.preparedQuery(SELECT + " AND i.instance_name = $1")
                .execute(Tuple.of(instanceName))
                .map(rows -> rows.iterator().hasNext() ? from(rows.iterator().next()) : null);
    }

    /** The whole directory, for warm-up. */
    public Uni<List<Clinic>> findAll() {
        return pool.query(SELECT)
                .execute()
                .map(ClinicRepository::all);
    }

    /** Every instance of a clinic, active or not, so a deactivation is propagated too. */
    public Uni<List<String>> findInstanceNamesOfClinic(UUID clinicId) {
        return pool.preparedQuery("SELECT instance_name FROM core.whatsapp_instances WHERE clinic_id = $1")
                .execute(Tuple.of(clinicId))
                .map(rows -> {
                    List<String> names = new ArrayList<>();
                    rows.forEach(row -> names.add(row.getString(0)));
                    return names;
                });
    }

    private static List<Clinic> all(RowSet<Row> rows) {
        var clinics = new ArrayList<Clinic>(rows.size());
        rows.forEach(row -> clinics.add(from(row)));
        return clinics;
    }

    private static Clinic from(Row row) {
        return new Clinic(
                row.getString("instance_name"),
                row.getUUID("clinic_id"),
                row.getUUID("organization_id"),
                row.getString("name"),
                row.getString("whatsapp_number"),
                row.getString("api_key_sha256"));
    }
}
