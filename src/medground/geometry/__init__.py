"""Pure geometry functions: no I/O, no configuration."""
