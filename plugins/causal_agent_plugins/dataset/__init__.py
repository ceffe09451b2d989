"""Built-in plugin: dataset."""
