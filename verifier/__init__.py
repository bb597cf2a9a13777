"""The standalone proof verifier (loyalty_verify.py): standard library only, imported by nothing
in the project (import-linter keeps both true), so that it can be copied out and trusted alone."""
