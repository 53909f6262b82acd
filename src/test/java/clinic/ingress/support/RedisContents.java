package clinic.ingress.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;

/**
 * Everything in the tests' Redis logical DB, key names and values of every type, as one text: to
 * look for what must not be there. Each value is read as the service wrote it and, when it holds a
 * gzip stream (a large cache value or spool entry), also decompressed: the test profile keeps cache
 * values unencrypted, so what they hold can be read.
 */
public final class RedisContents {

    private RedisContents() {
    }

    public static String everything(RedisDataSource redis) {
        StringBuilder all = new StringBuilder();
        for (String key : redis.key().keys("*")) {
            all.append(key).append('\n');
            String type = redis.execute("TYPE", key).toString();
            Response value = switch (type) {
                case "string" -> redis.execute("GET", key);
                case "hash" -> {
                    append(all, redis.execute("HKEYS", key));
                    yield redis.execute("HVALS", key);
                }
                case "list" -> redis.execute("LRANGE", key, "0", "-1");
                case "set" -> redis.execute("SMEMBERS", key);
                case "zset" -> redis.execute("ZRANGE", key, "0", "-1");
                case "stream" -> redis.execute("XRANGE", key, "-", "+");
                default -> null;
            };
            append(all, value);
        }
        return all.toString();
    }

    private static void append(StringBuilder all, Response value) {
        if (value == null) {
            return;
        }
        if (value.type() == ResponseType.MULTI) {
            // Arrays only (every command above answers one, nested for XRANGE): walked by index.
            for (int i = 0; i < value.size(); i++) {
                append(all, value.get(i));
            }
            return;
        }
        byte[] bytes = value.toBytes();
        if (bytes == null) {
            return;
        }
        all.append(new String(bytes, StandardCharsets.UTF_8)).append('\n');
        for (int i = 0; i + 1 < bytes.length; i++) {
            if ((bytes[i] & 0xff) == 0x1f && (bytes[i + 1] & 0xff) == 0x8b) {
                try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(bytes, i, bytes.length - i))) {
                    all.append(new String(gzip.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
                    return;
                } catch (IOException notGzip) {
                    // two bytes that only look like gzip's magic: keep looking
                }
            }
        }
    }
}
