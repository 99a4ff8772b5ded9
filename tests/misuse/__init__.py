"""The misuse suite: every public object used after close, from another thread, from inside
its own callback and across runtimes, each case in a child process."""
