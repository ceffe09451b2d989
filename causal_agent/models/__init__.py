"""Turning a model spec into a chat model (:mod:`.factory`). The backends are plugins
(``register_models``); the default ``offline`` one is :class:`causal_agent.planner.model.OfflinePlanner`."""
