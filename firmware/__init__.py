"""Device firmware (MicroPython, M5Stack Core2) and its PC shims; see firmware/README.md."""
