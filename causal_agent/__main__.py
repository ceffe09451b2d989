"""``python -m causal_agent`` runs the same CLI as ``causal-agent``."""

from .cli import main

if __name__ == "__main__":
    main()
