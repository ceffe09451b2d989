"""Built-in plugin: graph_queries."""
