"""One module per subcommand; each exposes `register(commands)`. Listed in cli/main.py."""
