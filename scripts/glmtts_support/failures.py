"""A thread-safe record of what went wrong during a run."""
import threading


class FailureLog:
    """Messages added from any thread, in order; `items` is the list of them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, *parts):
        """Records one failure: the `parts` joined with ": " (e.g. where, what)."""
        with self.lock:
            self.items.append(": ".join(str(p) for p in parts))

    def __len__(self):
        return len(self.items)

    def __bool__(self):
        return bool(self.items)
