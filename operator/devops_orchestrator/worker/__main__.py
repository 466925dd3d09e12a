"""`python -m devops_orchestrator.worker`."""

import sys

from devops_orchestrator.worker.main import main

sys.exit(main())
