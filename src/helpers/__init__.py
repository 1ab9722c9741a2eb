"""Newsdesk helpers: the shared logic behind the notebooks.

Stages mirror the notebooks: ``clean`` (01), ``extract`` with ``entities``, ``dates``,
``quotes`` and ``events`` (02), ``charts`` and ``report`` (03). Data flows one way:
``data/raw`` → ``data/processed`` → ``reports``.
"""

__version__ = "0.1.0"
