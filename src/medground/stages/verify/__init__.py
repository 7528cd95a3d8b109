"""Verification stages; each records a Verdict with a stable reason code."""
