"""``python -m kuvend`` is the ``kuvend`` command (``cli/``).

A launcher run as a program, never imported by the core's modules: the core itself imports no
package above it.
"""

from cli import main

main()
