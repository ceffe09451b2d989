"""Built-in plugin: discovery."""
