package clinic.ingress.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The texts of a write batch, read from the stored messages when its mem0 add is sent. The queue
 * keeps only message ids: under a mem0 backlog it holds tens of thousands of messages for minutes,
 * and with their texts that was a third of the live heap and most of what the native executable's
 * serial collector promoted and then paused to compact (docs/benchmarks.md). The messages are
 * committed before they are queued (store first), so every id has its row; a message erased since
 * has none, and nothing of it is added.
 */
final class StoredTexts {

    /** In the batch's order; messages without text (or gone) are left out. */
    private static final String READ = """
            SELECT m.id, m.body
            FROM unnest($1::uuid[]) WITH ORDINALITY AS w(id, n)
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
        return pool.preparedQuery(READ)
                .execute(Tuple.of(messageIds.toArray(UUID[]::new)))
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
