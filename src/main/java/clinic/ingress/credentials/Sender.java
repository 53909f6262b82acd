package clinic.ingress.credentials;

/**
 * Who a webhook request is from, as far as its headers tell, decided before its body is read.
 *
 * @param kind how the sender was recognised
 * @param instance the instance whose own secret was presented ({@link Kind#INSTANCE}), else null
 */
public record Sender(Kind kind, String instance) {

    public enum Kind {
        /** The global token: any instance without a secret of its own. */
        GLOBAL("global-token"),
        /** A JWT signed with the global jwt_key: the same rights as the global token. */
        JWT("jwt"),
        /** An instance's own secret: that instance only. */
        INSTANCE("instance-secret"),
        /** No header credential; only the body's {@code apikey} can vouch for it (read under a small limit). */
        BODY_APIKEY("body-apikey"),
        /** No credential configured anywhere (development only: prod refuses to start so). */
        OPEN("open"),
        /** A header credential was presented and is wrong, expired or malformed. */
        REJECTED("rejected"),
        /** No header credential, and nothing else could vouch for the request. */
        ABSENT("absent");

        /** How the credential is named where it is recorded (a quarantined row's provenance). */
        public final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The kind a recorded label names, or null (a row quarantined before provenance was kept). */
        static Kind ofLabel(String label) {
            for (Kind kind : values()) {
                if (kind.label.equals(label)) {
                    return kind;
                }
            }
            return null;
        }
    }

    public static final Sender GLOBAL = new Sender(Kind.GLOBAL, null);
    public static final Sender JWT = new Sender(Kind.JWT, null);
    public static final Sender BODY_APIKEY = new Sender(Kind.BODY_APIKEY, null);
    public static final Sender OPEN = new Sender(Kind.OPEN, null);
    public static final Sender REJECTED = new Sender(Kind.REJECTED, null);
    public static final Sender ABSENT = new Sender(Kind.ABSENT, null);

    public static Sender instance(String instance) {
        return new Sender(Kind.INSTANCE, instance);
    }

    /** Whether this sender may write as {@code eventInstance}, the instance named in the body. */
    public boolean mayWriteAs(String eventInstance, InstanceSecrets secrets) {
        return kind == Kind.INSTANCE
                ? eventInstance == null || instance.equals(eventInstance)
                : !secrets.secured(eventInstance);
    }
}
