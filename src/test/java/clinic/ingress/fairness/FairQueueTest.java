package clinic.ingress.fairness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Deficit round robin and longest-lane drop, without a server. */
@Tag("fast")
class FairQueueTest {

    record Item(String lane, int n, long weight) {
    }

    private static FairQueue<String, Item> queue(long capacity, long quantum) {
        return new FairQueue<>(Item::weight, capacity, quantum);
    }

    @Test
    void aQuietLaneIsServedWithinOneRoundWhateverABusyOneHolds() {
        FairQueue<String, Item> queue = queue(1_000_000, 100);
        for (int i = 0; i < 500; i++) {
            queue.offer("noisy", new Item("noisy", i, 100));
        }
        queue.offer("quiet", new Item("quiet", 0, 100));

        assertThat(queue.poll().lane()).isEqualTo("noisy");
        assertThat(queue.poll().lane()).isEqualTo("quiet");
        assertThat(queue.poll().lane()).isEqualTo("noisy");
    }

    @Test
    void eachLaneKeepsItsOwnOrder() {
        FairQueue<String, Item> queue = queue(1_000_000, 100);
        for (int i = 0; i < 10; i++) {
            queue.offer("a", new Item("a", i, 100));
            queue.offer("b", new Item("b", i, 100));
        }
        Map<String, List<Integer>> seen = new HashMap<>();
        for (Item item = queue.poll(); item != null; item = queue.poll()) {
            seen.computeIfAbsent(item.lane(), k -> new ArrayList<>()).add(item.n());
        }
        assertThat(seen.get("a")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(seen.get("b")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void lanesShareByWeightNotByCount() {
        // One lane sends items four times heavier: it gets a quarter of the items, the same bytes.
        FairQueue<String, Item> queue = queue(1_000_000, 100);
        for (int i = 0; i < 400; i++) {
            queue.offer("heavy", new Item("heavy", i, 400));
            queue.offer("light", new Item("light", i, 100));
        }
        long heavy = 0;
        long light = 0;
        for (int i = 0; i < 200; i++) {
            Item item = queue.poll();
            if (item.lane().equals("heavy")) {
                heavy += item.weight();
            } else {
                light += item.weight();
            }
        }
        assertThat((double) heavy / light).isBetween(0.9, 1.1);
    }

    @Test
    void whileThereIsRoomEverythingIsTakenEvenFromOneLane() {
        FairQueue<String, Item> queue = queue(600 * 100, 100);
        for (int i = 0; i < 600; i++) {
            assertThat(queue.offer("burst", new Item("burst", i, 100)).queued()).isTrue();
        }
        assertThat(queue.size()).isEqualTo(600);
    }

    @Test
    void whenFullTheHeaviestLaneIsRefusedAndMakesRoomForOthers() {
        FairQueue<String, Item> queue = queue(1_000, 100);
        for (int i = 0; i < 10; i++) {
            queue.offer("noisy", new Item("noisy", i, 100));
        }
        assertThat(queue.offer("noisy", new Item("noisy", 10, 100)).queued()).as("over its share").isFalse();

        FairQueue.Offer<Item> quiet = queue.offer("quiet", new Item("quiet", 0, 100));
        assertThat(quiet.queued()).isTrue();
        assertThat(quiet.evicted()).extracting(Item::n).containsExactly(9);
        assertThat(queue.weight()).isEqualTo(1_000);

        // The quiet lane may grow until it is as heavy as the noisy one, not beyond.
        int quietTaken = 1;
        for (int i = 1; i < 10; i++) {
            if (queue.offer("quiet", new Item("quiet", i, 100)).queued()) {
                quietTaken++;
            }
        }
        assertThat(queue.weight("quiet")).isEqualTo(500);
        assertThat(queue.weight("noisy")).isEqualTo(500);
        assertThat(quietTaken).isEqualTo(5);
    }

    @Test
    void oneItemHeavierThanTheCapacityStillFitsAnEmptyQueue() {
        FairQueue<String, Item> queue = queue(100, 100);
        assertThat(queue.offer("a", new Item("a", 0, 1_000)).queued()).isTrue();
        assertThat(queue.poll().n()).isZero();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.lanes()).isZero();
    }

    /** Whatever arrives, the weight held never exceeds the capacity once anything is held, and nothing is lost. */
    @Property(tries = 300)
    void boundedAndNothingLost(@ForAll @Size(max = 400) List<@IntRange(min = 0, max = 5) Integer> lanes,
            @ForAll @IntRange(min = 1, max = 3) int pollEvery) {
        FairQueue<String, Item> queue = queue(2_000, 150);
        int offered = 0;
        int refused = 0;
        int evicted = 0;
        int polled = 0;
        for (int i = 0; i < lanes.size(); i++) {
            String lane = "lane-" + lanes.get(i);
            FairQueue.Offer<Item> offer = queue.offer(lane, new Item(lane, i, 50 + (i * 37L) % 200));
            offered++;
            refused += offer.queued() ? 0 : 1;
            evicted += offer.evicted().size();
            assertThat(queue.weight()).isLessThanOrEqualTo(2_000);
            if (i % pollEvery == 0 && queue.poll() != null) {
                polled++;
            }
        }
        while (queue.poll() != null) {
            polled++;
        }
        assertThat(polled + refused + evicted).isEqualTo(offered);
        assertThat(queue.weight()).isZero();
        assertThat(queue.lanes()).isZero();
    }
}
