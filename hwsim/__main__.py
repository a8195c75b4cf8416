"""``python -m hwsim ...`` is the ``hwsim`` command (see :mod:`hwsim.cli`)."""
import sys

from hwsim.cli import main

sys.exit(main())
