"""Built-in causal-agent plugins, registered through the causal_agent entry-point group."""
