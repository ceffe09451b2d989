"""Built-in plugin: memory_tools."""
