"""Workflows beside the engine: the deploy gate, merge-heads, merge-reports, the linear-history
marker and the pool audit. Each is a command over the layers below it (project, graph, ops,
engine, formatters); no rule, analysis or other workflow imports a workflow.
"""
