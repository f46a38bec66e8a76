import sys

from integration_dags.cli import main

sys.exit(main())
