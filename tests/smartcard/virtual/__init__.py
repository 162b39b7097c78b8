"""Unit tests of the virtual My Number card (no pcscd needed)."""
