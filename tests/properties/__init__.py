"""Property-based tests (hypothesis) of the value encodings and argument checks."""
