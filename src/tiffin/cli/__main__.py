"""``python -m tiffin.cli`` runs the ``tiffin`` command."""

from tiffin.cli import main

main()
