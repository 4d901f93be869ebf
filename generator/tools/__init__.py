"""Tools around the pipeline: live preview, workspace scaffolding, tables for the CLI.

In: a workspace. Out: a preview server (`preview`, `preview_web`), new workspaces and letters
(`scaffold`), and the text and JSON views the CLI prints (`views`).
"""
