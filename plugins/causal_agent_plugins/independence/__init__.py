"""Built-in plugin: independence."""
