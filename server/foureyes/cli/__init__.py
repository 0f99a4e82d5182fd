"""The `foureyes` command: argv in, text or JSON out, documented exit codes."""
