"""The broken-input corpus: every case is built in code from the bundled data (see README.md)."""
