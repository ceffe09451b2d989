"""The four-level causal benchmark."""
