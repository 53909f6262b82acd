package clinic.ingress.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder between the service and a real server (PostgreSQL or Redis) that a test can cut
 * and restore: {@link #down()} closes every connection and refuses new ones, exactly what the
 * service sees when the server stops; {@link #up()} accepts again on the same port. The shared
 * servers on this machine are never stopped, so other databases are never disturbed.
 */
public final class TcpProxy implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private final Map<String, AtomicLong> pgStatements = PgStatementCounter.newTally();
    private volatile boolean countPgStatements;

    /** Count PostgreSQL statements crossing the proxy from now on (see {@link #pgStatements()}). */
    public TcpProxy countingPgStatements() {
        countPgStatements = true;
        return this;
    }

    /** Statements (Execute and Query messages) sent through the proxy so far. */
    public long pgStatements() {
        return pgStatements.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Statements sent so far whose SQL contains {@code fragment}. */
    public long pgStatements(String fragment) {
        return pgStatements.entrySet().stream().filter(e -> e.getKey().contains(fragment))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    /** Statement counts by SQL text, for a failure message. */
    public Map<String, Long> pgStatementsBySql() {
        Map<String, Long> copy = new TreeMap<>();
        pgStatements.forEach((sql, n) -> copy.put(sql, n.get()));
        return copy;
    }

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        this.port = Ports.any();
        up();
    }

    public int port() {
        return port;
    }

    private volatile long latencyMs;

    /** Delays every chunk forwarded in either direction: a slow server or network, not a cut one. */
    public void latency(Duration latency) {
        this.latencyMs = latency.toMillis();
    }

    private final Object pauseLock = new Object();
    private boolean paused;

    /**
     * Holds every chunk in either direction until {@link #resume()}, connections kept open and new
     * ones accepted: a server stopped with SIGSTOP, or a network partition that drops nothing.
     */
    public void pause() {
        synchronized (pauseLock) {
            paused = true;
        }
    }

    public void resume() {
        synchronized (pauseLock) {
            paused = false;
            pauseLock.notifyAll();
        }
    }

    private void awaitResumed() throws InterruptedException {
        synchronized (pauseLock) {
            while (paused) {
                pauseLock.wait();
            }
        }
    }

    public synchronized void up() {
        if (server != null) {
            return;
        }
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = s;
            Thread acceptor = new Thread(() -> accept(s), "tcp-proxy-" + port);
            acceptor.setDaemon(true);
            acceptor.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized void down() {
        closeQuietly(server);
        server = null;
        sockets.forEach(TcpProxy::closeQuietly);
        sockets.clear();
    }

    @Override
    public void close() {
        down();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                pipe(client, upstream, countPgStatements ? new PgStatementCounter(pgStatements) : null);
                pipe(upstream, client, null);
            } catch (IOException e) {
                // closed by down(), or the target refused: the client sees its connection drop
            }
        }
    }

    private void pipe(Socket from, Socket to, PgStatementCounter counter) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (counter != null) {
                        counter.feed(buffer, 0, n);
                    }
                    awaitResumed();
                    if (latencyMs > 0) {
                        // The injected fault itself (a slow network holding each chunk), not a test
                        // waiting for something: tests still wait for conditions.
                        Thread.sleep(latencyMs);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // connection cut
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
