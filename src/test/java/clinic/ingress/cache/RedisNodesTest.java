package clinic.ingress.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading the masters of a cluster from CLUSTER NODES. */
class RedisNodesTest {

    @Test
    void mastersWithSlotsThatAreNotFailing() {
        String nodes = """
                07c37dfe 127.0.0.1:7101@17101 myself,master - 0 0 1 connected 0-5460
                67ed2db8 127.0.0.1:7102@17102 master - 0 1426238316232 2 connected 5461-10922
                292f8b36 127.0.0.1:7103@17103,node-3.example master,fail - 1426238316232 1426238316232 3 disconnected 10923-16383
                6ec23923 127.0.0.1:7104@17104 master - 0 1426238316232 7 connected 10923-16383
                824fe116 127.0.0.1:7105@17105 slave 07c37dfe 0 1426238316232 4 connected
                e7d1eecc 127.0.0.1:7106@17106 master - 0 1426238316232 8 connected
                """;
        assertThat(RedisNodes.masters(nodes)).containsExactly("127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7104");
    }
}
