"""The peak resident set of this process, for the bench's Python references."""
import resource


def peak_rss_mb():
    """This process's own peak resident set (VmHWM): getrusage's ru_maxrss also holds the parent's
    high-water mark, which fork copies and exec keeps (the bench process is hundreds of MB)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
