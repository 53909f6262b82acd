package clinic.ingress.webhook;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import clinic.ingress.platform.LogText;
import io.quarkus.logging.Log;

/**
 * Says that a message was quarantined because its instance is not in the clinic directory: a WARN
 * for the first message of an instance per {@code ingress.quarantine.unknown-notice-interval}, DEBUG
 * for the rest, so an instance that sends before its clinic is onboarded (or a fuzzer) cannot flood
 * the log from the event loop. The instance name comes from the body: it is logged escaped.
 */
final class UnknownInstances {

    /** Instances remembered at most: past it the memory starts again (a few extra WARN lines). */
    private static final int MAX_REMEMBERED = 10_000;

    private final QuarantineConfig config;
    private final Map<String, Long> warnedAt = new ConcurrentHashMap<>();

    UnknownInstances(QuarantineConfig config) {
        this.config = config;
    }

    void quarantined(String instance, String whatsappId) {
        long now = System.nanoTime();
        long interval = config.unknownNoticeInterval().toNanos();
        Long last = warnedAt.get(instance);
        if (last == null || now - last >= interval) {
            if (warnedAt.size() >= MAX_REMEMBERED) {
                warnedAt.clear();
            }
            warnedAt.put(instance, now);
            Log.warnf("instance %s is not in the clinic directory: message %s quarantined (further messages of this"
                    + " instance in the next %s at DEBUG; all are counted)", LogText.escape(instance),
                    LogText.escape(whatsappId), config.unknownNoticeInterval());
        } else {
            Log.debugf("instance %s is not in the clinic directory: message %s quarantined", LogText.escape(instance),
                    LogText.escape(whatsappId));
        }
    }
}
