"""`python -m devops_orchestrator.worker`."""

import os
import sys

# Before pydantic is imported: looking for pydantic plugins (none ship with the worker)
# reads the entry points of every installed distribution, about 0.1 CPU-s per worker
# start. Set the variable to another value to load plugins anyway.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from devops_orchestrator.worker.main import main

sys.exit(main())
