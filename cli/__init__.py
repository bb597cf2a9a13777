"""The composition root: the `loyalty` subcommands build the parts and wire them."""
