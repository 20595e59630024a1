"""Disinformation campaigns: detection of coordinated behaviour in pooled social-media posts.

Read posts (:func:`read_posts`, with an ingest report of skipped rows), then :func:`detect`
groups of accounts that share rare links, near-duplicate texts or the same posts within
seconds, beyond what a shuffled null model gives by chance. The method is in
``docs/disinfo.md``; the CLI sub-app is :mod:`defpact.threats.disinfo.cli`.
"""

from defpact.threats.disinfo.coordination import DetectionParams, detect, detect_file
from defpact.threats.disinfo.posts import IngestReport, InputFormatError, Post, read_posts
from defpact.threats.disinfo.result import DetectionResult, Group, SharedObject

__all__ = [
    "DetectionParams",
    "DetectionResult",
    "Group",
    "IngestReport",
    "InputFormatError",
    "Post",
    "SharedObject",
    "detect",
    "detect_file",
    "read_posts",
]
