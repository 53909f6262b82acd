package clinic.ingress.quarantine;

import java.util.Map;

import com.github.benmanes.caffeine.cache.Caffeine;

import clinic.ingress.background.LogText;
import io.quarkus.logging.Log;

/**
 * Says that a message was quarantined because its instance is not in the clinic directory: a WARN
 * for the first message of an instance per {@code ingress.quarantine.unknown-notice-interval}, DEBUG
 * for the rest, so an instance that sends before its clinic is onboarded (or a fuzzer) cannot flood
 * the log from the event loop. The instance name comes from the body: it is logged escaped.
 */
final class UnknownInstances {

    /** Instances remembered at most: past it the least recent are forgotten (a few extra WARN lines). */
    private static final int MAX_REMEMBERED = 10_000;

    private final QuarantineConfig config;
    /** Instances warned about within the interval: an entry expires when the next WARN is due. */
    private final Map<String, Boolean> warned;

    UnknownInstances(QuarantineConfig config) {
        this.config = config;
        // The same builder shape as PatientMemory's activity cache (expire after write, bounded),
        // whose node class the native image already has.
        this.warned = Caffeine.newBuilder()
                .expireAfterWrite(config.unknownNoticeInterval())
                .maximumSize(MAX_REMEMBERED)
                .<String, Boolean> build()
                .asMap();
    }

    void quarantined(String instance, String whatsappId) {
        if (warned.putIfAbsent(instance, Boolean.TRUE) == null) {
            Log.warnf("instance %s is not in the clinic directory: message %s quarantined (further messages of this"
                    + " instance in the next %s at DEBUG; all are counted)", LogText.of(instance),
                    LogText.of(whatsappId), config.unknownNoticeInterval());
        } else {
            Log.debugf("instance %s is not in the clinic directory: message %s quarantined", LogText.of(instance),
                    LogText.of(whatsappId));
        }
    }
}
