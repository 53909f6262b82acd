package clinic.ingress.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * The texts of a write batch, read from the stored messages when its mem0 add is sent. The queue
 * keeps only message ids: under a mem0 backlog it holds tens of thousands of messages for minutes,
 * and with their texts that was a third of the live heap and most of what the native executable's
 * serial collector promoted and then paused to compact (docs/benchmarks.md). The messages are
 * committed before they are queued (store first), so every id has its row; a message erased since
 * has none, and nothing of it is added.
 */
final class StoredTexts {

    /**
     * In the batch's order; messages without text (or gone) are left out. Sent unprepared, with the
     * ids in the text, so PostgreSQL plans each read for the table as it is: the pool's statements
     * use one generic plan per connection (plan_cache_mode), and one made while the table was still
     * small (a new deployment, or a server without autovacuum to re-plan it) is a hash join that reads
     * every stored message per add: bench run 11's JVM, prepared on the empty benchmark database, kept
     * PostgreSQL busy a core and a half. At mem0's add rate (tens a second) the planning is nothing.
     * The ids are UUIDs, hexadecimal and dashes: nothing in them needs quoting.
     */
    private static final String READ = """
            SELECT m.id, m.body
            FROM unnest('{%s}'::uuid[]) WITH ORDINALITY AS w(id, n)
            JOIN core.whatsapp_messages m ON m.id = w.id
            WHERE m.body <> ''
            ORDER BY w.n""";

    /** What one add sends: the texts and the ids of their messages, in the same order. */
    record Texts(List<String> texts, List<String> messageIds) {
    }

    private final Pool pool;

    StoredTexts(Pool pool) {
        this.pool = pool;
    }

    Uni<Texts> read(List<UUID> messageIds) {
        StringJoiner array = new StringJoiner(",");
        messageIds.forEach(id -> array.add(id.toString()));
        return pool.query(READ.formatted(array))
                .execute()
                .map(rows -> {
                    List<String> texts = new ArrayList<>(rows.size());
                    List<String> ids = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        String text = row.getString(1);
                        if (!text.isBlank()) {
                            texts.add(text);
                            ids.add(row.getUUID(0).toString());
                        }
                    }
                    return new Texts(texts, ids);
                });
    }
}
