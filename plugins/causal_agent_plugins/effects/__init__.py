"""Built-in plugin: effects."""
