"""The code of an optlib function as the chapters print it: its source without its docstring."""

from __future__ import annotations

import inspect
import re

# a docstring: the first string literal of the body ("""…""" or r"""…"""), with its indentation and newline
_DOCSTRING = re.compile(r'\n[ \t]*r?"""(?:.|\n)*?"""[ \t]*(?=\n)')


def code_of(obj) -> str:
    """The source of ``obj`` (a function, method or class) without its docstring.

    A chapter prints the line of optlib that implements an equation beside the equation; the docstring,
    written for the API page's typesetting, would only stand in the way there.

    >>> import inspect, optlib
    >>> f = optlib.AdaGrad.effective_lr
    >>> first = f.__doc__.strip().splitlines()[0]     # its docstring's first line
    >>> first in inspect.getsource(f), first in code_of(f)
    (True, False)
    >>> print(code_of(optlib.GD.step).splitlines()[0])
        def step(self, grad: Grad, theta: np.ndarray, state: GDState):
    """
    return _DOCSTRING.sub("", inspect.getsource(obj), count=1)
