"""Readers of input files, one module per publisher or input kind, each returning the tidy frame."""
