package clinic.ingress.conversation;

/**
 * The store's queue is full ({@code ingress.store.max-queued-bytes}) and this message's instance
 * holds the largest share of it: refused, or pushed out by a message of an instance holding less.
 */
public final class StoreOverloaded extends RuntimeException {

    StoreOverloaded() {
        super("the store's queue is full and this instance holds the largest share of it", null, false, false);
    }
}
