package clinic.ingress.clinic;

/**
 * Fired (synchronously, on the thread that heard it) when PostgreSQL reports a directory change,
 * or after the LISTEN connection came back and changes may have been missed. Observers must not block.
 *
 * @param payload the NOTIFY payload ({@code instance:<name>} or {@code clinic:<id>}), or null when
 *        anything may have changed
 */
public record DirectoryChanged(String payload) {
}
