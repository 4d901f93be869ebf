"""Campaigns: one letter to many addressees and languages.

In: a campaign file and the loaded workspace. Out: jobs (`campaign`), built in parallel and skipped
when their inputs are unchanged (`batch`), with progress reports (`progress`).
"""
