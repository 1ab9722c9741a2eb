"""Newsdesk helpers: the shared logic behind the notebooks.

Stages mirror the notebooks: ``clean`` (01), ``extract`` with the per-document ``analysis``
(``entities``, ``dates``, ``quotes``, ``events``) (02), ``charts`` and ``report`` (03). Data
flows one way: ``data/raw`` → ``data/processed`` → ``reports``.

The public analysis API, for one text or a list of texts without a corpus folder::

    from helpers import analyse
    tables = analyse("...article text...", published="2024-02-09")
    tables["quotes"], tables["events"]

is loaded on first use, so ``import helpers`` stays cheap.
"""

__version__ = "0.1.0"
__all__ = ["analyse", "analyse_many", "clean_html"]


def __getattr__(name: str):
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
