"""Keep shiboken's import hook from caching the source text of every module imported.

WORKAROUND: PySide6 (checked with 6.12) wraps ``__import__``; for every module imported
after it, ``shibokensupport.feature._mod_uses_pyside`` calls ``inspect.getsource(module)``
to see whether the module mentions PySide6 (for its optional ``from __feature__ import``
switches). ``inspect.getsource`` goes through ``linecache``, which keeps every line of every
source file for the life of the process: in a source run of this app that is the whole of
SQLAlchemy, pydantic and requests as text, some 20 MiB of an idle app that needs none of
it. (A frozen app has no source files, so there it only costs the failed look-ups.) See
https://bugreports.qt.io/browse/PYSIDE-1368 for the ``__feature__`` import design and
https://github.com/pyzo/pyzo/pull/851 for a description of the hook.

The replacement answers the same question from the module's loader, which reads the file
without caching it.
"""

from __future__ import annotations

import linecache
import logging
import sys
from types import ModuleType

log = logging.getLogger("ui")

_FEATURE_MODULE = "shibokensupport.feature"


def _mod_uses_pyside(module: ModuleType) -> bool:
    """Whether ``module``'s source mentions PySide6 (what shiboken's check answers)."""
    loader = getattr(module, "__loader__", None)
    get_source = getattr(loader, "get_source", None)
    if get_source is None:
        return False
    try:
        source = get_source(module.__name__)
    except Exception:  # the original treats every failure to read the source as "no"
        return False
    return isinstance(source, str) and "PySide6" in source


def stop_source_caching() -> bool:
    """Replace shiboken's check once PySide6 is imported; ``False`` if its hook is not there.

    The lines cached so far (the few modules imported since PySide6) are dropped too.
    """
    import shiboken6  # noqa: F401  (loads shibokensupport, which installs the hook)

    feature = sys.modules.get(_FEATURE_MODULE)
    if feature is None or not hasattr(feature, "_mod_uses_pyside"):
        log.debug("no %s._mod_uses_pyside: nothing to replace", _FEATURE_MODULE)
        return False
    feature._mod_uses_pyside = _mod_uses_pyside  # type: ignore[attr-defined]
    linecache.clearcache()
    return True
