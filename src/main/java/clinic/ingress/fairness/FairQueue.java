package clinic.ingress.fairness;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Work waiting for a shared resource, one lane per tenant (an instance, an organization), served by
 * deficit round robin (Shreedhar and Varghese, 1995): each visit gives a lane {@code quantum} units
 * of credit and takes its items while their weight fits, so every lane with work gets the same share
 * of the resource however much another lane holds. A quiet tenant's item is served within one round,
 * whatever a busy one queued.
 *
 * <p>
 * Bounded, and work-conserving: while the queue has room every item is taken, whoever sends it. When
 * it is full, an item is refused only if its lane would be the heaviest; otherwise the heaviest
 * lane's youngest items are pushed out to make room (longest-queue drop). Under overload each lane
 * keeps at most its fair share, and only the tenant above its share is refused.
 *
 * <p>
 * Not thread-safe: its owner serialises access (the store's lock, the mem0 gate's monitor).
 *
 * @param <K> the tenant
 * @param <T> an item
 */
public final class FairQueue<K, T> {

    /** What {@link #offer} did: queued (pushing out {@code evicted} to make room), or refused. */
    public record Offer<T>(boolean queued, List<T> evicted) {

        private static final Offer<?> REFUSED = new Offer<>(false, List.of());

        @SuppressWarnings("unchecked")
        static <T> Offer<T> refused() {
            return (Offer<T>) REFUSED;
        }
    }

    private final class Lane {
        final K key;
        final ArrayDeque<T> items = new ArrayDeque<>();
        long weight;
        long deficit;
        boolean credited;

        Lane(K key) {
            this.key = key;
        }
    }

    private final ToLongFunction<T> weigher;
    private final long capacity;
    private final long quantum;
    private final Map<K, Lane> lanes = new HashMap<>();
    /** Lanes with items, in the order they are visited. */
    private final ArrayDeque<Lane> rotation = new ArrayDeque<>();
    private long weight;
    private int size;

    /**
     * @param weigher an item's weight (bytes, or 1 to count items), at least 1
     * @param capacity the most weight held; one item heavier than this is still taken into an empty queue
     * @param quantum credit per visit: about one typical item, so a round serves one item per lane
     */
    public FairQueue(ToLongFunction<T> weigher, long capacity, long quantum) {
        this.weigher = weigher;
        this.capacity = capacity;
        this.quantum = Math.max(1, quantum);
    }

    /** Queues {@code item} in {@code key}'s lane if there is room or room can be made fairly. */
    public Offer<T> offer(K key, T item) {
        long w = weightOf(item);
        List<T> evicted = List.of();
        long needed = weight + w - capacity;
        if (size > 0 && needed > 0) {
            // Room is made only in the heaviest lane, and only if it stays at least as heavy as the
            // newcomer's lane will be: otherwise the newcomer's tenant is the one above its share.
            Lane heaviest = heaviest();
            long ownWeight = weight(key);
            if (heaviest.key.equals(key) || heaviest.weight - needed < ownWeight + w) {
                return Offer.refused();
            }
            evicted = new ArrayList<>();
            for (long freed = 0; freed < needed;) {
                T pushedOut = removeLast(heaviest);
                freed += weightOf(pushedOut);
                evicted.add(pushedOut);
            }
        }
        Lane lane = lanes.get(key);
        if (lane == null) {
            lane = new Lane(key);
            lanes.put(key, lane);
            rotation.addLast(lane);
        }
        lane.items.addLast(item);
        lane.weight += w;
        weight += w;
        size++;
        return new Offer<>(true, evicted);
    }

    /** The next item in deficit-round-robin order, or null when empty. */
    public T poll() {
        while (true) {
            Lane lane = rotation.peekFirst();
            if (lane == null) {
                return null;
            }
            if (!lane.credited) {
                lane.deficit += quantum;
                lane.credited = true;
            }
            T head = lane.items.peekFirst();
            long w = weightOf(head);
            if (w <= lane.deficit) {
                lane.deficit -= w;
                lane.items.pollFirst();
                taken(lane, w);
                if (lane.items.isEmpty()) {
                    retire(lane);
                }
                return head;
            }
            // Its credit is spent: the next lane's turn; the rest of the credit waits for the next round.
            lane.credited = false;
            rotation.addLast(rotation.pollFirst());
        }
    }

    /** Weight held in all lanes. */
    public long weight() {
        return weight;
    }

    /** Items held in all lanes. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Lanes holding items. */
    public int lanes() {
        return rotation.size();
    }

    /** Weight held in {@code key}'s lane. */
    public long weight(K key) {
        Lane lane = lanes.get(key);
        return lane == null ? 0 : lane.weight;
    }

    /** Scans the lanes: only when the queue is full, where it decides whom to refuse. */
    private Lane heaviest() {
        Lane heaviest = null;
        for (Lane lane : rotation) {
            if (heaviest == null || lane.weight > heaviest.weight) {
                heaviest = lane;
            }
        }
        return heaviest;
    }

    private T removeLast(Lane lane) {
        T item = lane.items.pollLast();
        taken(lane, weightOf(item));
        if (lane.items.isEmpty()) {
            rotation.remove(lane);
            retire(lane);
        }
        return item;
    }

    private void taken(Lane lane, long w) {
        lane.weight -= w;
        weight -= w;
        size--;
    }

    /** An empty lane leaves the rotation and forgets its credit (DRR: idle lanes bank nothing). */
    private void retire(Lane lane) {
        if (rotation.peekFirst() == lane) {
            rotation.pollFirst();
        }
        lanes.remove(lane.key);
    }

    private long weightOf(T item) {
        return Math.max(1, weigher.applyAsLong(item));
    }
}
