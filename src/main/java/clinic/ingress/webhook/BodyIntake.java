package clinic.ingress.webhook;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.credentials.Secrets;
import clinic.ingress.evolution.EvolutionEvent;
import clinic.ingress.evolution.EvolutionParser;
import clinic.ingress.quarantine.QuarantineConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.quarkus.logging.Log;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a webhook body for {@link WebhookRoute}, once, and turns it into an {@link Intake}:
 * <ul>
 * <li>the size limit is enforced while reading: the chunk that passes it is answered 413 and the
 * rest is never read;</li>
 * <li>the bytes count against {@link InflightBytes} as they arrive: a body that finds no room is
 * paused (TCP pushes back on its sender) and goes on when there is, nothing refused;</li>
 * <li>two deadlines: a body that stops arriving for {@code ingress.webhook.body-idle-timeout}, or
 * is not whole after {@code body-read-timeout}, is answered 408 and its connection closed (503 with
 * {@code Retry-After} if it was waiting for room), so a stalled upload holds nothing for long;</li>
 * <li>the chunks are held as they arrived in pooled direct memory (a composite buffer: no doubling),
 * parsed as a stream (media decoded into a digest, never materialised) and released: the body is in
 * memory once, for as long as it takes to read and parse it;</li>
 * <li>bodies above {@link #INLINE_PARSE_BYTES} are parsed on a worker thread, so a 12 MiB media
 * message does not hold an event loop that other clinics' webhooks share.</li>
 * </ul>
 * Every step is linear in the body's size; what is kept of a body that is not JSON is copied as it
 * is and redacted only if quarantine keeps it ({@link Intake#kept()}).
 */
@ApplicationScoped
class BodyIntake {

    /** Typical webhooks (a few KB) are parsed on the event loop; media bodies on a worker. */
    static final int INLINE_PARSE_BYTES = 64 * 1024;

    /** How a read ends: parsed, or refused with a rejection the gate answers. */
    interface Then {
        void parsed(Intake intake);

        void refused(WebhookRejection rejection);
    }

    /**
     * Where bodies are held while read and parsed: pooled, so a burst's memory is reused, not grown.
     * An instance field: a static one would be built into the native image's heap, where Netty's
     * allocator must not be (found building natively).
     */
    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private final EvolutionParser parser;
    private final InflightBytes inflight;
    private final WebhookConfig config;
    private final int keptPrefixBytes;
    private final long idleNanos;
    private final long totalNanos;

    BodyIntake(InflightBytes inflight, WebhookConfig config, QuarantineConfig quarantine) {
        this.parser = new EvolutionParser(config.acceptGroups(), config.maxBodySize().asLongValue());
        this.inflight = inflight;
        this.config = config;
        this.keptPrefixBytes = (int) Math.min(Integer.MAX_VALUE, quarantine.maxStoredBytes().asLongValue());
        this.idleNanos = config.bodyIdleTimeout().toNanos();
        this.totalNanos = config.bodyReadTimeout().toNanos();
    }

    /**
     * Reads the body of {@code context}'s request.
     *
     * @param limit the most it may be
     * @param pathEvent the event named by the by-events URL, or null
     */
    void read(RoutingContext context, long limit, String pathEvent, Then then) {
        new Read(context, limit, pathEvent, then).start();
    }

    /** One request's read. Event-loop confined until the parse, but for the budget's callback. */
    private final class Read {
        private final RoutingContext context;
        private final HttpServerRequest request;
        private final long limit;
        private final String pathEvent;
        private final Then then;
        private final InflightBytes.Claim claim = inflight.open();
        private final CompositeByteBuf chunks = allocator.compositeDirectBuffer(Integer.MAX_VALUE);
        private final long startedAt = System.nanoTime();
        private long lastChunkAt = startedAt;
        private long timer = -1;
        private long received;
        private boolean over;

        Read(RoutingContext context, long limit, String pathEvent, Then then) {
            this.context = context;
            this.request = context.request();
            this.limit = limit;
            this.pathEvent = pathEvent;
            this.then = then;
        }

        void start() {
            request.handler(this::chunk);
            // The connection failed while reading; a failure after the end leaves the parse running.
            request.exceptionHandler(failure -> {
                if (!over) {
                    over = true;
                    finish();
                }
            });
            request.endHandler(ended -> {
                if (!over) {
                    over = true;
                    parse();
                }
            });
            if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
                context.response().writeContinue();
            }
            armDeadline(Math.min(idleNanos, totalNanos));
            request.resume();
        }

        private void chunk(Buffer chunk) {
            if (over) {
                return;
            }
            lastChunkAt = System.nanoTime();
            received += chunk.length();
            if (received > limit) {
                stop(WebhookRejection.tooLarge(limit));
                return;
            }
            if (claim.take(chunk.length())) {
                keep(chunk);
                return;
            }
            // No room: this chunk waits with the body, whose reading stops until the budget has room.
            request.pause();
            Context loop = context.vertx().getOrCreateContext();
            claim.await(chunk.length(), () -> loop.runOnContext(ignored -> {
                if (!over) {
                    lastChunkAt = System.nanoTime();
                    keep(chunk);
                    request.resume();
                }
            }));
        }

        /**
         * Vert.x hands each chunk over as a fresh heap copy: copied once more into Netty's pooled
         * direct memory it dies young, instead of living in the old generation for the seconds a
         * large upload takes (which grew the JVM's heap by the whole burst).
         */
        private void keep(Buffer chunk) {
            ByteBuf kept = allocator.directBuffer(chunk.length());
            kept.writeBytes(chunk.getByteBuf());
            chunks.addComponent(true, kept);
        }

        /** One timer per body, moved forward as chunks arrive rather than re-armed for each. */
        private void armDeadline(long inNanos) {
            timer = context.vertx().setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(inNanos)), id -> deadline());
        }

        private void deadline() {
            timer = -1;
            if (over) {
                return;
            }
            long now = System.nanoTime();
            boolean waitingForRoom = claim.waiting();
            long idleLeft = waitingForRoom ? idleNanos : lastChunkAt + idleNanos - now;
            long totalLeft = startedAt + totalNanos - now;
            if (idleLeft > 0 && totalLeft > 0) {
                armDeadline(Math.min(idleLeft, totalLeft));
                return;
            }
            stop(waitingForRoom ? WebhookRejection.busy(config.retryAfter()) : WebhookRejection.bodyTimeout());
        }

        private void stop(WebhookRejection rejection) {
            over = true;
            finish();
            then.refused(rejection);
        }

        private void parse() {
            if (received <= INLINE_PARSE_BYTES) {
                Intake intake;
                try {
                    intake = intake();
                } catch (RuntimeException e) {
                    unreadable(e);
                    return;
                }
                done(intake);
                return;
            }
            context.vertx().<Intake> executeBlocking(this::intake, false).onComplete(parsed -> {
                if (parsed.succeeded()) {
                    done(parsed.result());
                } else {
                    unreadable(parsed.cause());
                }
            });
        }

        /**
         * The parser failed in a way it does not report as an invalid event: a defect. Answered 500,
         * which Evolution retries (a 4xx would drop the message), and logged for whoever fixes it.
         */
        private void unreadable(Throwable failure) {
            Log.warnf("a webhook body could not be read (%s): answered 500", failure.getClass().getName());
            finish();
            then.refused(WebhookRejection.problem(500, "internal-error", "the body could not be read; retry later"));
        }

        private void done(Intake intake) {
            finish();
            then.parsed(intake);
        }

        private Intake intake() {
            EvolutionEvent event = parser.parse(pathEvent, () -> new ByteBufInputStream(chunks.duplicate()));
            return new Intake(event, unparsedPrefix(event), received, sha256(chunks));
        }

        /** The beginning of a body that is not JSON, as received; null for one that is (the reduced tree is kept). */
        private byte[] unparsedPrefix(EvolutionEvent event) {
            if (!(event instanceof EvolutionEvent.Invalid invalid) || invalid.keptJson() != null) {
                return null;
            }
            byte[] prefix = new byte[(int) Math.min(keptPrefixBytes, chunks.readableBytes())];
            chunks.getBytes(chunks.readerIndex(), prefix);
            return prefix;
        }

        /** Gives the chunks back to the pool and the bytes back to the budget; idempotent. */
        private void finish() {
            if (timer >= 0) {
                context.vertx().cancelTimer(timer);
                timer = -1;
            }
            if (chunks.refCnt() > 0) {
                chunks.release();
            }
            claim.close();
        }
    }

    private static String sha256(CompositeByteBuf body) {
        MessageDigest digest = Secrets.sha256();
        for (ByteBuffer part : body.nioBuffers()) {
            digest.update(part);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
