package clinic.ingress.webhook;

/**
 * Who a webhook request is from, as far as its headers tell, decided before its body is read.
 *
 * @param kind how the sender was recognised
 * @param instance the instance whose own secret was presented ({@link Kind#INSTANCE}), else null
 */
public record Sender(Kind kind, String instance) {

    public enum Kind {
        /** The global token or a JWT signed with the global secret: any instance without a secret of its own. */
        GLOBAL,
        /** An instance's own secret: that instance only. */
        INSTANCE,
        /** No header credential; only the body's {@code apikey} can vouch for it (read under a small limit). */
        BODY_APIKEY,
        /** No credential configured anywhere (development only: prod refuses to start so). */
        OPEN,
        /** A header credential was presented and is wrong, expired or malformed. */
        REJECTED,
        /** No header credential, and nothing else could vouch for the request. */
        ABSENT
    }

    public static final Sender GLOBAL = new Sender(Kind.GLOBAL, null);
    public static final Sender BODY_APIKEY = new Sender(Kind.BODY_APIKEY, null);
    public static final Sender OPEN = new Sender(Kind.OPEN, null);
    public static final Sender REJECTED = new Sender(Kind.REJECTED, null);
    public static final Sender ABSENT = new Sender(Kind.ABSENT, null);

    public static Sender instance(String instance) {
        return new Sender(Kind.INSTANCE, instance);
    }

    /** Whether this sender may write as {@code eventInstance}, the instance named in the body. */
    boolean mayWriteAs(String eventInstance, InstanceSecrets secrets) {
        return kind == Kind.INSTANCE
                ? eventInstance == null || instance.equals(eventInstance)
                : !secrets.secured(eventInstance);
    }
}
