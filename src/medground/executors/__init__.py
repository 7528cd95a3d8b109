"""Executors own parallelism and resume; stages never touch processes."""
