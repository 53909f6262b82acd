"""What the memory harnesses (tools/bench/media_burst.py, tools/flood/flood_unauthenticated.py)
share: the service's resident memory sampled while N threads send at once."""
import threading
import time


def rss_kib(pid):
    """The process's resident set in KiB, from /proc (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def run_at_once(pid, count, send):
    """Runs send() in COUNT threads started together; returns (RSS KiB before, peak KiB, seconds)."""
    before = rss_kib(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=send) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    # The peak can come just after the last answer (buffers released late): keep sampling a moment.
    time.sleep(0.5)
    done.set()
    sampler.join()
    return before, peak[0], elapsed
