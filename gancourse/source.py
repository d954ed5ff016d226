"""Show the learner the verified code, instead of pasting a second copy into a notebook."""

from __future__ import annotations

import inspect
import sys

__all__ = ["show"]


def show(obj) -> None:
    """Print the source of a function, class or module; in Jupyter, as a highlighted
    code block. Returns nothing, so a cell ending in ``show(f)`` prints it once."""
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as err:
        raise TypeError(f"cannot show the source of {obj!r}: {err}") from err
    if "IPython" in sys.modules:
        from IPython import get_ipython

        if get_ipython() is not None:
            from IPython.display import Markdown, display

            display(Markdown(f"```python\n{source}\n```"))
            return
    print(source)
